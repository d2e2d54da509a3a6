"""The nightly task that puts people in their roles' groups now also takes them out after a
role's last day, and is renamed to say so. Beat's database scheduler keeps the row of an entry
no longer in the settings, which would go on sending the old task's name: the row is renamed,
keeping its schedule and whether an admin paused it, or removed where beat already made the new
one."""

from django.db import migrations
from django.utils import timezone

OLD = ("start-roles-that-begin-today", "partnerships.tasks.start_roles_that_begin_today")
NEW = ("start-and-end-roles", "partnerships.tasks.start_and_end_roles")


def _move(apps, source, target):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    (source_name, _), (target_name, target_task) = source, target
    rows = PeriodicTask.objects.filter(name=source_name)
    if PeriodicTask.objects.filter(name=target_name).exists():
        changed = rows.delete()[0]
    else:
        changed = rows.update(name=target_name, task=target_task)
    if changed:
        # A running beat reads the schedule again only once told it changed.
        PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def rename_beat_entry(apps, schema_editor):
    _move(apps, OLD, NEW)


def restore_beat_entry(apps, schema_editor):
    _move(apps, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("partnerships", "0016_role_held_to_its_last_day"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(rename_beat_entry, restore_beat_entry)]
