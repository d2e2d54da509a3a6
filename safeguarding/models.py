from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


class UserPermissionOnRecord(UserObjectPermissionBase):
    """A person's permission on one record of the model `content_object` refers to."""

    # Leads the unique rule on (user, permission, content_object), so needs no index of its own:
    # each grant would write it, and an escalation is granted to each stage's contacts.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, db_index=False)

    class Meta(UserObjectPermissionBase.Meta):
        abstract = True


class GroupPermissionOnRecord(GroupObjectPermissionBase):
    """A group's permission on one record of the model `content_object` refers to."""

    # Leads the unique rule on (group, permission, content_object), so needs no index of its own.
    group = models.ForeignKey("auth.Group", on_delete=models.CASCADE, db_index=False)

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = True


class AccessChannel(models.TextChoices):
    PAGE = "page", "Web page"
    API = "api", "API"
    EXPORT = "export", "Export"
    ADMIN = "admin", "Admin"


class AppendOnlyError(Exception):
    pass


class AccessLogEntry(models.Model):
    """One read of a record that holds a child's identifying details.

    Append-only: the application refuses to change or delete an entry, and on PostgreSQL a
    trigger refuses it too (see the migration).
    """

    at = models.DateTimeField(default=timezone.now)
    # Each key leads one of the indexes below, so none needs an index of its own: every entry
    # written updates every index, and entries are written each time a child's record is read.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="access_log_entries",
        db_index=False,
    )
    agency = models.ForeignKey(
        "partnerships.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        help_text="The reader's agency at the time.",
    )
    partnership = models.ForeignKey(
        "partnerships.Partnership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        help_text="The partnership whose record was read.",
    )
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    object_id = models.PositiveBigIntegerField()
    record = models.CharField(
        max_length=200, help_text="What was read, named without identifying the child."
    )
    channel = models.CharField(max_length=10, choices=AccessChannel.choices)
    route = models.CharField(max_length=200, blank=True)
    path = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "access log entry"
        verbose_name_plural = "access log"
        indexes = [
            models.Index(fields=["partnership", "-at"]),
            models.Index(fields=["partnership", "channel", "-at"]),
            models.Index(fields=["user", "-at"]),
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["agency", "-at"]),
            # Newest first across every partnership, for a reader who oversees many of them.
            models.Index(fields=["-at", "-id"], name="access_log_newest_first"),
        ]

    def __str__(self):
        return f"{self.user} read {self.record} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Access log entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Access log entries cannot be deleted.")


class Notification(models.Model):
    """A reminder or message to one person, recorded once and sent once.

    The unique rule on (recipient, kind, subject, stage) is what makes a reminder happen once:
    a sweep that runs twice, or two sweeps at once, cannot record it twice, and only the sweep
    that recorded it queues it for sending.
    """

    # Leads the unique rule on (recipient, kind, subject_type, subject_id, stage), so needs no index
    # of its own.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    # Whose business it is: the partnership's business team and system admins are told when its
    # email is given up. Empty only for one recorded before it was kept, about a record that
    # belongs to no partnership. Read only through the index on those given up, so it needs no
    # index of its own to be written with every notification.
    partnership = models.ForeignKey(
        "partnerships.Partnership",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    kind = models.CharField(max_length=60)
    # Indexed by `notification_subject`, which leads with it.
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    stage = models.CharField(
        max_length=60, help_text="Which reminder of the subject this is, e.g. due_in_3."
    )
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    given_up_at = models.DateTimeField(
        null=True, blank=True, help_text="When its email was refused too often to try again."
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "subject_type", "subject_id", "stage"],
                name="notification_once_per_stage",
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            # The notifications about a record: whether a sweep has told it of a stage
            # (`already_notified`), one lookup for each record read, which stays one even when
            # the planner's statistics have not yet caught up with a sweep's inserts; and
            # which to clear when the record's text is removed (retention).
            models.Index(
                fields=["subject_type", "subject_id", "kind", "stage"],
                name="notification_subject",
            ),
            models.Index(
                fields=["created_at"], condition=Q(sent_at__isnull=True), name="notification_unsent"
            ),
            # The few given up, read by partnership for its business team's warning and list.
            models.Index(
                fields=["partnership", "-given_up_at"],
                condition=Q(given_up_at__isnull=False),
                name="notification_given_up",
            ),
        ]

    def __str__(self):
        return f"{self.title} → {self.recipient}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def is_given_up(self) -> bool:
        return self.given_up_at is not None


class RetentionSetting(models.Model):
    """How many years one kind of record keeps a child's identifying details (see retention.py)."""

    record_type = models.OneToOneField(ContentType, on_delete=models.CASCADE, related_name="+")
    years = models.PositiveSmallIntegerField()
    reason = models.CharField(
        max_length=300, help_text="Why this period: the policy or guidance it follows."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["record_type__model"]

    def __str__(self):
        return f"{self.record_type.name}: {self.years} years"
