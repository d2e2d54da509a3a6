from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("safeguarding", "0005_notification_partnership_and_given_up"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                fields=["kind", "stage", "subject_type", "subject_id"],
                name="notification_by_stage",
            ),
        ),
    ]
