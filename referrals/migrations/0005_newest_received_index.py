from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0004_referral_reach_from_columns"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="referral",
            index=models.Index(fields=["-received_at", "-id"], name="referral_newest_received"),
        ),
    ]
