"""Referrals no longer carry object-permission rows: who reaches one follows from its own
columns and its sharing decisions (referrals/policies.py), which every row here repeated."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0003_repeat_flag"),
    ]

    operations = [
        migrations.DeleteModel(name="ReferralGroupObjectPermission"),
        migrations.DeleteModel(name="ReferralUserObjectPermission"),
    ]
