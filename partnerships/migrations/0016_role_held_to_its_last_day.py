"""A role is held from its first day to its last, both included: the fields say so in the admin.
No change to the tables."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("partnerships", "0015_partnership_sight_read_from_memberships"),
    ]

    operations = [
        migrations.AlterField(
            model_name="historicalroleassignment",
            name="ended_on",
            field=models.DateField(
                blank=True,
                help_text="The last day the role is held: it ends at the end of this day. To end it at once, give yesterday's date.",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="historicalroleassignment",
            name="started_on",
            field=models.DateField(
                default=django.utils.timezone.localdate, help_text="The first day the role is held."
            ),
        ),
        migrations.AlterField(
            model_name="roleassignment",
            name="ended_on",
            field=models.DateField(
                blank=True,
                help_text="The last day the role is held: it ends at the end of this day. To end it at once, give yesterday's date.",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="roleassignment",
            name="started_on",
            field=models.DateField(
                default=django.utils.timezone.localdate, help_text="The first day the role is held."
            ),
        ),
    ]
