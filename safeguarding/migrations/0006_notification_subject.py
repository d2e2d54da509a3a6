import django.db.models.deletion
from django.db import migrations, models

from safeguarding.migration_operations import (
    AddIndexWithoutBlockingWrites,
    DropForeignKeyIndexWithoutBlockingWrites,
)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("safeguarding", "0005_notification_partnership_and_given_up"),
    ]

    operations = [
        AddIndexWithoutBlockingWrites(
            model_name="notification",
            index=models.Index(
                fields=["subject_type", "subject_id", "kind", "stage"],
                name="notification_subject",
            ),
        ),
        # The index above leads with the content type: its own index is no longer needed.
        DropForeignKeyIndexWithoutBlockingWrites(
            model_name="notification",
            name="subject_type",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="contenttypes.contenttype",
            ),
        ),
    ]
