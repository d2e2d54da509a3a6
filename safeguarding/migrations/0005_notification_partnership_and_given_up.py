import django.db.models.deletion
from django.core.exceptions import FieldDoesNotExist
from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

GIVEN_UP_AFTER_ATTEMPTS = 10  # MAX_DELIVERY_ATTEMPTS when this was written

# How a notification's subject names its partnership, for those that hold it other than in a
# `partnership` column of their own.
PARTNERSHIP_OF = {
    ("audits", "auditreturn"): "audit__partnership",
    ("referrals", "escalationresponse"): "escalation__partnership",
    ("reviews", "milestone"): "practice_review__partnership",
}


def fill_in(apps, schema_editor):
    """Each notification's partnership, read from its subject, and the notifications already
    given up, so the business team is shown those recorded before this change too."""
    Notification = apps.get_model("safeguarding", "Notification")
    ContentType = apps.get_model("contenttypes", "ContentType")
    subject_types = (
        Notification.objects.order_by().values_list("subject_type", flat=True).distinct()
    )
    for subject_type in ContentType.objects.filter(pk__in=list(subject_types)):
        key = (subject_type.app_label, subject_type.model)
        notifications = Notification.objects.filter(subject_type=subject_type)
        if key == ("partnerships", "partnership"):
            notifications.update(partnership_id=F("subject_id"))
            continue
        try:
            model = apps.get_model(*key)
        except LookupError:
            continue
        path = PARTNERSHIP_OF.get(key, "partnership")
        try:
            model._meta.get_field(path.split("__")[0])
        except FieldDoesNotExist:
            continue  # about a record of no partnership: only superusers are shown it
        notifications.update(
            partnership_id=Subquery(
                model._default_manager.filter(pk=OuterRef("subject_id")).values(path)
            )
        )
    Notification.objects.filter(sent_at__isnull=True, attempts__gte=GIVEN_UP_AFTER_ATTEMPTS).update(
        given_up_at=timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0004_returns_counted_from_one_index"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("partnerships", "0015_partnership_sight_read_from_memberships"),
        ("referrals", "0012_sharing_one_standing_decision_per_agency"),
        ("reviews", "0003_case_record_reach_from_columns"),
        ("safeguarding", "0004_access_log_indexes_for_position_pages"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="given_up_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When its email was refused too often to try again.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="partnership",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="partnerships.partnership",
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("given_up_at__isnull", False)),
                fields=["partnership", "-given_up_at"],
                name="notification_given_up",
            ),
        ),
        migrations.RunPython(fill_in, migrations.RunPython.noop),
    ]
