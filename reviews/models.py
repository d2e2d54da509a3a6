"""Serious incidents, the rapid reviews that follow them and local practice reviews."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from partnerships.models import Agency, Partnership
from safeguarding.record_urls import record_url

from .choices import (
    OPEN_REVIEW_STATUSES,
    Decision,
    IncidentType,
    PartnerKind,
    Rag,
    RapidReviewStatus,
    ReturnStatus,
)

USER = settings.AUTH_USER_MODEL


def rag_for(working_days_remaining: int | None) -> str | None:
    """Red when two working days or fewer are left (or the deadline has passed), amber at five."""
    if working_days_remaining is None:
        return None
    if working_days_remaining <= 2:
        return Rag.RED
    if working_days_remaining <= 5:
        return Rag.AMBER
    return Rag.GREEN


class SeriousIncident(models.Model):
    """A child died or was seriously harmed and abuse or neglect is known or suspected.

    The pseudonymised case record: it is named everywhere by its reference, never by the
    child. The children's identifying details live in `IncidentChild`. The local authority where
    it happened notifies the national Panel within 5 working days of becoming aware.
    """

    reference = models.CharField(max_length=20, unique=True, editable=False)
    # Leads the index on (partnership, became_aware_on), so needs no index of its own.
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="serious_incidents", db_index=False
    )
    local_authority = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The council for the area where it happened; it notifies and owns the review.",
    )
    home_local_authority = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="The child's home council, if different.",
    )
    incident_type = models.CharField(max_length=20, choices=IncidentType.choices)
    looked_after = models.BooleanField("Looked-after child", default=False)
    categories = models.JSONField(default=list, help_text="Categories of abuse or neglect.")
    became_aware_on = models.DateField("Date the local authority became aware")
    summary = models.TextField()
    agencies_involved = models.ManyToManyField(Agency, related_name="serious_incidents")
    notification_due_on = models.DateField(
        help_text="5 working days after the local authority became aware."
    )
    notified_on = models.DateField("Date the Panel was notified", null=True, blank=True)
    created_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    pseudonymised_at = models.DateTimeField(
        null=True, blank=True, help_text="When the retention period ended and its free text went."
    )

    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        ordering = ["-became_aware_on", "-pk"]
        indexes = [
            models.Index(fields=["partnership", "-became_aware_on"]),
            models.Index(fields=["incident_type", "-became_aware_on"]),
        ]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        return record_url("reviews:incident-detail", self.pk)

    def get_categories_display(self) -> str:
        from .choices import AbuseCategory

        labels = dict(AbuseCategory.choices)
        return ", ".join(labels.get(c, c) for c in self.categories)


class IncidentChild(models.Model):
    """The identifying details of a child named in a serious incident (up to four).

    Kept apart from the case record so that only the people allowed to identify the child
    read them, and every read is logged.
    """

    # Leads the unique rule on (incident, position), so needs no index of its own.
    incident = models.ForeignKey(
        SeriousIncident, on_delete=models.CASCADE, related_name="children", db_index=False
    )
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    # Cleared (with the name) when the retention period ends; always given before then.
    date_of_birth = models.DateField(null=True)
    pseudonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["incident", "position"]
        verbose_name = "child in a serious incident"
        verbose_name_plural = "children in serious incidents"
        constraints = [
            models.UniqueConstraint(fields=["incident", "position"], name="incident_child_unique")
        ]

    def __str__(self):
        return self.access_log_label()

    def access_log_label(self) -> str:
        return f"Child {self.position} of serious incident {self.incident_id}"


class RapidReviewQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_REVIEW_STATUSES)


class RapidReview(models.Model):
    """The partners' rapid review of a serious incident, due 15 working days after the clock starts.

    The original deadline is kept; agreed extensions (`Extension`) move `due_on`, the current
    deadline, and are listed beside it.
    """

    incident = models.OneToOneField(
        SeriousIncident, on_delete=models.PROTECT, related_name="rapid_review"
    )
    # Leads the index on (partnership, submitted_on), so needs no index of its own.
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="rapid_reviews", db_index=False
    )
    clock_started_on = models.DateField()
    original_due_on = models.DateField(editable=False)
    due_on = models.DateField(help_text="The current deadline: the latest extension, if any.")
    returns_due_on = models.DateField("Agency returns due")
    status = models.CharField(
        max_length=20, choices=RapidReviewStatus.choices, default=RapidReviewStatus.GATHERING
    )
    returns_shared = models.BooleanField(
        default=False, help_text="Every involved agency may read every return."
    )
    meeting_held_on = models.DateField(null=True, blank=True)
    meeting_attendees = models.TextField(blank=True)
    meeting_notes = models.TextField(blank=True)
    immediate_safety_actions = models.TextField(blank=True)
    learning = models.TextField(blank=True)
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    decision_reasons = models.TextField(blank=True)
    decided_on = models.DateField(null=True, blank=True)
    submitted_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RapidReviewQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["partnership", "status", "due_on"]),
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["partnership", "submitted_on"]),
            models.Index(fields=["decision", "due_on"]),
        ]

    def __str__(self):
        return f"Rapid review of {self.incident.reference}"

    def get_absolute_url(self):
        return record_url("reviews:review-detail", self.pk)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REVIEW_STATUSES


class Extension(models.Model):
    """An agreed later deadline for a rapid review. The original deadline is never changed."""

    rapid_review = models.ForeignKey(
        RapidReview, on_delete=models.CASCADE, related_name="extensions"
    )
    new_due_on = models.DateField()
    reason = models.TextField()
    granted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["rapid_review", "created_at"]

    def __str__(self):
        return f"Extended to {self.new_due_on:%-d %B %Y}"


class SignOff(models.Model):
    """One of the three safeguarding partners agreeing the rapid review, through its delegate."""

    # Leads the unique rule on (rapid_review, partner_kind), so needs no index of its own.
    rapid_review = models.ForeignKey(
        RapidReview, on_delete=models.CASCADE, related_name="sign_offs", db_index=False
    )
    partner_kind = models.CharField(max_length=20, choices=PartnerKind.choices)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    signed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["rapid_review", "partner_kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["rapid_review", "partner_kind"], name="sign_off_one_per_partner"
            )
        ]

    def __str__(self):
        return f"{self.get_partner_kind_display()} signed off by {self.signed_by}"


class AgencyReturn(models.Model):
    """An involved agency's answer to the rapid review's information request.

    A chronology of its contact with the child and family and a summary of its involvement.
    Saved as a draft until submitted; overdue when its due date passes unsubmitted.
    """

    # Leads the unique rule on (rapid_review, agency), so needs no index of its own.
    rapid_review = models.ForeignKey(
        RapidReview, on_delete=models.CASCADE, related_name="returns", db_index=False
    )
    # Leads the index on (partnership, status, agency), so needs no index of its own.
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="review_returns")
    due_on = models.DateField()
    status = models.CharField(
        max_length=20, choices=ReturnStatus.choices, default=ReturnStatus.NOT_STARTED
    )
    chronology = models.TextField(blank=True)
    summary = models.TextField("Summary of involvement", blank=True)
    submitted_on = models.DateField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["rapid_review", "agency__name"]
        constraints = [
            models.UniqueConstraint(fields=["rapid_review", "agency"], name="return_one_per_agency")
        ]
        indexes = [
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["partnership", "status", "agency"]),
        ]

    def __str__(self):
        return f"{self.agency} return for {self.rapid_review}"

    def get_absolute_url(self):
        return record_url("reviews:return-detail", self.pk)

    def is_overdue(self, today=None) -> bool:
        return self.status != ReturnStatus.SUBMITTED and self.due_on < (
            today or timezone.localdate()
        )

    @property
    def display_status(self) -> str:
        """The task-list status: not started, in progress, submitted or overdue."""
        return "overdue" if self.is_overdue() else self.status


def final_report_upload_to(instance, filename):
    return f"practice-reviews/{instance.pk}/{filename}"


class PracticeReview(models.Model):
    """A local child safeguarding practice review (LCSPR), decided on at a rapid review.

    An independent reviewer works to terms of reference; the final report goes to the Panel
    and the Secretary of State at least 7 working days before publication, which is due within
    6 calendar months of the decision. A one-page learning briefing goes with it.
    """

    rapid_review = models.OneToOneField(
        RapidReview, on_delete=models.PROTECT, related_name="practice_review"
    )
    # Leads the index on (partnership, target_publication_on), so needs no index of its own.
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="practice_reviews", db_index=False
    )
    decided_on = models.DateField()
    target_publication_on = models.DateField(editable=False)
    reviewer = models.CharField("Independent reviewer", max_length=200, blank=True)
    terms_of_reference = models.TextField(blank=True)
    final_report = models.FileField(upload_to=final_report_upload_to, blank=True)
    sent_to_panel_on = models.DateField(
        "Sent to the Panel and the Secretary of State", null=True, blank=True
    )
    published_on = models.DateField(null=True, blank=True)
    learning_briefing = models.TextField("Learning lessons briefing", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        ordering = ["target_publication_on", "pk"]
        verbose_name = "local child safeguarding practice review"
        indexes = [
            models.Index(fields=["partnership", "target_publication_on"]),
            models.Index(fields=["published_on"]),
        ]

    def __str__(self):
        return f"Practice review of {self.rapid_review.incident.reference}"

    def get_absolute_url(self):
        return record_url("reviews:practice-review-detail", self.pk)

    def access_log_label(self) -> str:
        # The final report is an uploaded file the system cannot read, so it may name a child:
        # each download is logged under the review.
        return f"Final report of practice review {self.pk}"


class Milestone(models.Model):
    """A step of a practice review with a date (terms agreed, family met, draft report...)."""

    practice_review = models.ForeignKey(
        PracticeReview, on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(max_length=200)
    due_on = models.DateField()
    completed_on = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["practice_review", "due_on", "pk"]
        indexes = [models.Index(fields=["completed_on", "due_on"])]

    def __str__(self):
        return self.title
