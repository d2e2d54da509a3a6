"""Audit returns no longer carry object-permission rows: who reaches one follows from its agency
and its audit's partnership (audits/policies.py), which every row here repeated."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0002_pseudonymised_at"),
    ]

    operations = [
        migrations.DeleteModel(name="AuditReturnGroupObjectPermission"),
        migrations.DeleteModel(name="AuditReturnUserObjectPermission"),
    ]
