import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from safeguarding.models import GroupPermissionOnRecord, UserPermissionOnRecord
from safeguarding.record_urls import record_url

from .choices import (
    Category,
    Consent,
    Decision,
    EscalationResolution,
    EscalationStatus,
    EscalationTheme,
    LawfulBasis,
    QualityRating,
    ReferralStatus,
    StageContacts,
)

# Where a page that lists referrals keeps each one's categories, read for all its rows at once.
CATEGORIES_READ = "categories_read"


def validate_nhs_number(value: str) -> None:
    """An NHS number is ten digits, the last a modulus 11 check digit over the first nine."""
    digits = value.replace(" ", "")
    # ASCII digits only: str.isdigit() also passes "²" (which int() then refuses) and other
    # scripts' digits (which int() reads, so they were stored).
    if not re.fullmatch(r"[0-9]{10}", digits):
        raise ValidationError("Enter an NHS number with 10 digits, like 943 476 5919.")
    total = sum(int(d) * weight for d, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    if check == 10 or check != int(digits[9]):
        raise ValidationError("This is not a valid NHS number: check each digit.")


# ASCII letters, digits and spaces only: "\d" and "\s" also take other scripts' digits
# ("HF\u0661 2AB") and spaces, and "$" a newline at the end.
postcode_validator = RegexValidator(
    r"^[A-Za-z]{1,2}[0-9][A-Za-z0-9]? *[0-9][A-Za-z]{2}\Z", "Enter a real postcode, like HF1 2AB."
)


class Referral(models.Model):
    """A practitioner's referral of a worry about a child to a local authority's front door.

    The pseudonymised case record: the children's identifying details and the household are in
    `ReferralChild` and `ReferralHousehold`. It is a draft, visible to its referrer only, until
    submitted; the front door of the child's council then decides within one working day. A
    decision that leads to an assessment or a strategy discussion starts the clocks that follow
    it (`selectors.Clock`): their due dates are stored here, as the decision's is.
    """

    # Leads the index on (partnership, received_at), so needs no index of its own.
    partnership = models.ForeignKey(
        "partnerships.Partnership",
        on_delete=models.PROTECT,
        related_name="referrals",
        null=True,
        blank=True,
        help_text="The partnership whose local authorities include the child's council.",
        db_index=False,
    )
    # Leads the index on (front_door, created_at, id), so needs no index of its own.
    front_door = models.ForeignKey(
        "partnerships.Agency",
        on_delete=models.PROTECT,
        related_name="referrals_received",
        null=True,
        blank=True,
        verbose_name="local authority",
        help_text="The council of the area the child lives in; its front door decides.",
        db_index=False,
    )
    # Leads the index on (referrer, created_at, id), so needs no index of its own.
    referrer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="referrals_made",
        db_index=False,
    )
    # Leads the index on (referrer_agency, created_at, id), so needs no index of its own.
    referrer_agency = models.ForeignKey(
        "partnerships.Agency",
        on_delete=models.PROTECT,
        related_name="referrals_made",
        db_index=False,
    )
    status = models.CharField(
        max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.DRAFT
    )
    received_at = models.DateTimeField(null=True, blank=True)
    is_repeat = models.BooleanField(
        "repeat referral",
        default=False,
        editable=False,
        help_text="The same front door had a referral about the same child in the 12 months "
        "before this one was received (same names and date of birth). Set on receipt.",
    )
    decision_due_on = models.DateField(
        null=True, blank=True, help_text="One working day after the referral was received."
    )
    concerns = models.TextField("What you are worried about", blank=True)
    immediate_danger = models.BooleanField(default=False)
    consent = models.CharField(max_length=20, choices=Consent.choices, blank=True)
    reason_without_consent = models.TextField(blank=True)
    decision = models.CharField(max_length=40, choices=Decision.choices, blank=True)
    decision_reasons = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="referrals_decided",
        null=True,
        blank=True,
    )
    quality_rating = models.CharField(
        max_length=20, choices=QualityRating.choices, blank=True, help_text="For training needs."
    )
    # What follows the decision (see referral_decide and the services after it): the child and
    # family assessment's clock and, after a strategy discussion, the initial child protection
    # conference's. Each due date is stored when its clock starts and stands.
    assessment_due_on = models.DateField(
        "child and family assessment due",
        null=True,
        blank=True,
        help_text="45 working days after the referral was received; set when the decision "
        "leads to an assessment.",
    )
    assessment_completed_on = models.DateField(
        "child and family assessment completed", null=True, blank=True
    )
    strategy_discussion_on = models.DateField("strategy discussion held", null=True, blank=True)
    conference_due_on = models.DateField(
        "initial child protection conference due",
        null=True,
        blank=True,
        help_text="15 working days after the strategy discussion.",
    )
    conference_held_on = models.DateField(
        "initial child protection conference held", null=True, blank=True
    )
    conference_not_needed_on = models.DateField(
        "found no conference was needed on",
        null=True,
        blank=True,
        help_text="When the child protection enquiry concluded without a conference.",
    )
    conference_not_needed_reason = models.TextField(
        "why no conference was needed",
        blank=True,
        help_text="For example, the child protection enquiry concluded that the threshold for a "
        "conference was not met.",
    )
    # What a referrer typed on a page that did not pass its checks, so nothing is lost.
    draft_answers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    pseudonymised_at = models.DateTimeField(
        null=True, blank=True, help_text="When the retention period ended and its free text went."
    )

    history = HistoricalRecords(excluded_fields=["draft_answers"])

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The front door queue: its filter, then "flagged first, oldest first".
            models.Index(
                "front_door",
                "status",
                models.F("immediate_danger").desc(),
                "received_at",
                "id",
                name="referral_queue",
            ),
            models.Index(
                fields=["decision_due_on"],
                condition=Q(status=ReferralStatus.SUBMITTED),
                name="referral_awaiting_due",
            ),
            # A list of one kind of reach (ReachKind) pages and counts from one of these three
            # alone: in the list's order, with the status that hides others' drafts.
            models.Index(fields=["referrer", "-created_at", "-id"], name="referral_by_referrer"),
            models.Index(
                fields=["referrer_agency", "-created_at", "-id"],
                include=["status"],
                name="referral_by_agency",
            ),
            models.Index(
                fields=["front_door", "-created_at", "-id"],
                include=["status"],
                name="referral_by_front_door",
            ),
            # The figures count a partnership's referrals for a period from this index alone
            # (with the visibility map set): every column they group or count by is in it.
            models.Index(
                fields=["partnership", "received_at"],
                include=[
                    "id",
                    "status",
                    "decision",
                    "decided_at",
                    "decision_due_on",
                    "is_repeat",
                    "referrer_agency",
                    "front_door",
                    "immediate_danger",
                    "quality_rating",
                    "assessment_due_on",
                    "assessment_completed_on",
                    "conference_due_on",
                    "conference_held_on",
                    "conference_not_needed_on",
                ],
                name="referral_figures",
            ),
            # A front door's open clocks after its decisions, soonest due first (follow-ups).
            models.Index(
                fields=["front_door", "assessment_due_on", "id"],
                condition=Q(assessment_due_on__isnull=False, assessment_completed_on__isnull=True),
                name="referral_assessment_open",
            ),
            # The reminder sweep's: every front door's open clocks due by a day.
            models.Index(
                fields=["assessment_due_on"],
                condition=Q(assessment_due_on__isnull=False, assessment_completed_on__isnull=True),
                name="referral_assessment_due",
            ),
            models.Index(
                fields=["conference_due_on"],
                condition=Q(
                    conference_due_on__isnull=False,
                    conference_held_on__isnull=True,
                    conference_not_needed_on__isnull=True,
                ),
                name="referral_conference_due",
            ),
            models.Index(
                fields=["front_door", "conference_due_on", "id"],
                condition=Q(
                    conference_due_on__isnull=False,
                    conference_held_on__isnull=True,
                    conference_not_needed_on__isnull=True,
                ),
                name="referral_conference_open",
            ),
            # The API's newest-first pages, read in order until a page of visible ones is found.
            models.Index(fields=["-received_at", "-id"], name="referral_newest_received"),
            models.Index(fields=["status", "decision", "-created_at"], name="referral_by_status"),
        ]
        constraints = [
            # Dashboards count decided referrals by their decision: a decided one always has one.
            models.CheckConstraint(
                condition=~Q(status=ReferralStatus.DECIDED) | ~Q(decision=""),
                name="referral_decided_has_decision",
            ),
            # A conference was held, or was found not needed (with the reason): never both.
            models.CheckConstraint(
                condition=Q(conference_held_on__isnull=True)
                | Q(conference_not_needed_on__isnull=True),
                name="referral_conference_held_or_not_needed",
            ),
        ]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        return record_url("referrals:referral-detail", self.pk)

    @property
    def reference(self) -> str:
        return f"R-{self.pk:06d}" if self.pk else "R-new"

    @property
    def is_draft(self) -> bool:
        return self.status == ReferralStatus.DRAFT

    def is_past_decision_deadline(self, today) -> bool:
        """Waiting for a decision after the day it was due (a weekend or bank holiday after a
        Friday's deadline included): late, never "due today"."""
        return (
            self.status == ReferralStatus.SUBMITTED
            and self.decision_due_on is not None
            and self.decision_due_on < today
        )

    @property
    def access_log_partnership_id(self):
        """The partnership a read of its children or household is logged under: once sent, its
        own; a draft's (which has none yet) is its council's front door's, when one is named."""
        if self.partnership_id is not None or self.front_door_id is None:
            return self.partnership_id
        if not hasattr(self, "_front_door_partnership_id"):
            from .services import front_door_partnership  # the services import the models

            partnership = front_door_partnership(self.front_door)
            self._front_door_partnership_id = partnership.pk if partnership else None
        return self._front_door_partnership_id

    @property
    def category_values(self) -> list[str]:
        read = getattr(self, CATEGORIES_READ, None)  # a list page's (selectors.with_categories)
        return [c.category for c in (self.categories.all() if read is None else read)]

    @property
    def category_labels(self) -> list[str]:
        return [Category(c).label for c in sorted(self.category_values)]


class ReferralCategory(models.Model):
    """One category of harm a referral is about (a row each, so it can be filtered and counted)."""

    # Leads the unique rule on (referral, category), so needs no index of its own.
    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="categories", db_index=False
    )
    category = models.CharField(max_length=20, choices=Category.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["referral", "category"], name="referral_category_once")
        ]
        indexes = [models.Index(fields=["category", "referral"])]

    def __str__(self):
        return self.get_category_display()


class ReferralChild(models.Model):
    """A child a referral is about: their identifying details, kept apart from the case record.

    Every page and endpoint that shows them records the read in the access log.
    """

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="children")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    is_unborn = models.BooleanField("Unborn child", default=False)
    date_of_birth = models.DateField(null=True, blank=True)
    expected_due_date = models.DateField(null=True, blank=True)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, validators=[postcode_validator])
    school = models.CharField("School or setting", max_length=200, blank=True)
    nhs_number = models.CharField(
        "NHS number", max_length=12, blank=True, validators=[validate_nhs_number]
    )
    pseudonymised_at = models.DateTimeField(
        null=True, blank=True, help_text="When the retention period ended and the details went."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["referral", "pk"]
        verbose_name_plural = "referral children"
        # Finding possible duplicates: same date of birth first, then the name.
        indexes = [models.Index(fields=["date_of_birth", "last_name"], name="child_duplicates")]

    def __str__(self):
        return self.access_log_label()

    def access_log_label(self) -> str:
        return f"Child {self.pk} on referral {self.referral.reference}"

    @property
    def partnership_id(self):
        return self.referral.access_log_partnership_id

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def clean(self):
        today = timezone.localdate()
        if self.is_unborn:
            if self.date_of_birth:
                raise ValidationError(
                    {"date_of_birth": "An unborn child has an expected due date, not a birthday."}
                )
            if not self.expected_due_date:
                raise ValidationError({"expected_due_date": "Enter the expected due date."})
        else:
            if not self.date_of_birth:
                raise ValidationError({"date_of_birth": "Enter the child's date of birth."})
            if self.date_of_birth > today:
                raise ValidationError(
                    {
                        "date_of_birth": "The date of birth must be in the past. For an unborn "
                        "child, give the expected due date instead."
                    }
                )
        if self.nhs_number:
            self.nhs_number = self.nhs_number.replace(" ", "")


class ReferralHousehold(models.Model):
    """The parents, carers and others in the children's household: identifying, kept apart."""

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="household")
    parents_and_carers = models.TextField(
        "Parents and carers", blank=True, help_text="Names, relationship to the child, contact."
    )
    household_members = models.TextField("Other people in the household", blank=True)
    pseudonymised_at = models.DateTimeField(
        null=True, blank=True, help_text="When the retention period ended and the details went."
    )

    history = HistoricalRecords()

    def __str__(self):
        return self.access_log_label()

    def access_log_label(self) -> str:
        return f"Household on referral {self.referral.reference}"

    @property
    def partnership_id(self):
        return self.referral.access_log_partnership_id


class InformationSharingDecision(models.Model):
    """A recorded decision to share a referral with another agency: with whom, why, on what basis.

    While it stands, the agency's staff can see the referral; withdrawing it takes that away.
    """

    # Leads the index on (referral, agency), so needs no index of its own.
    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="sharing", db_index=False
    )
    agency = models.ForeignKey("partnerships.Agency", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField("Why it is necessary and proportionate")
    lawful_basis = models.CharField(max_length=20, choices=LawfulBasis.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-recorded_at"]
        indexes = [models.Index(fields=["referral", "agency"])]
        constraints = [
            # One standing decision per agency: withdrawing it is what ends the agency's sight.
            models.UniqueConstraint(
                fields=["referral", "agency"],
                condition=Q(withdrawn_at__isnull=True),
                name="sharing_one_standing_per_agency",
                violation_error_message="This referral is already shared with this agency.",
            )
        ]

    def __str__(self):
        return f"{self.referral} shared with {self.agency}"


class EscalationStage(models.Model):
    """A stage of resolving a professional disagreement, as a partnership has set it up."""

    # Leads the unique rule on (partnership, number), so needs no index of its own.
    partnership = models.ForeignKey(
        "partnerships.Partnership",
        on_delete=models.CASCADE,
        related_name="escalation_stages",
        db_index=False,
    )
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    response_working_days = models.PositiveSmallIntegerField(default=5)
    contacts = models.CharField(max_length=20, choices=StageContacts.choices)
    contact_roles = models.JSONField(
        default=list, help_text="The roles of the people contacted when this stage opens."
    )

    class Meta:
        ordering = ["partnership", "number"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "number"], name="escalation_stage_once")
        ]

    def __str__(self):
        return f"Stage {self.number}: {self.name}"


class Escalation(models.Model):
    """A professional disagreement with another agency's decision, resolved in stages.

    When a stage's timescale passes unresolved the sweep moves it to the next stage and its
    contacts are told, once.
    """

    # Leads the index on (partnership, status, stage), so needs no index of its own.
    partnership = models.ForeignKey(
        "partnerships.Partnership",
        on_delete=models.PROTECT,
        related_name="escalations",
        db_index=False,
    )
    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, related_name="escalations", null=True, blank=True
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="escalations_raised"
    )
    raised_by_agency = models.ForeignKey(
        "partnerships.Agency", on_delete=models.PROTECT, related_name="escalations_raised"
    )
    against_agency = models.ForeignKey(
        "partnerships.Agency", on_delete=models.PROTECT, related_name="escalations_against"
    )
    decision_disputed = models.TextField("What was decided")
    reason = models.TextField("Why you disagree")
    outcome_sought = models.TextField("What you want to happen")
    theme = models.CharField(
        max_length=30, choices=EscalationTheme.choices, default=EscalationTheme.OTHER
    )
    stage = models.PositiveSmallIntegerField(default=1)
    stage_started_on = models.DateField()
    stage_due_on = models.DateField()
    status = models.CharField(
        max_length=20, choices=EscalationStatus.choices, default=EscalationStatus.OPEN
    )
    resolution = models.CharField(max_length=20, choices=EscalationResolution.choices, blank=True)
    resolution_notes = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    pseudonymised_at = models.DateTimeField(
        null=True, blank=True, help_text="When the retention period ended and its free text went."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["stage_due_on"],
                condition=Q(status=EscalationStatus.OPEN),
                name="escalation_open_due",
            ),
            models.Index(fields=["partnership", "status", "stage"], name="escalation_dashboard"),
            # Escalations raised in a period: the escalation figures and the indicators.
            models.Index(fields=["partnership", "created_at"], name="escalation_raised"),
            models.Index(fields=["status", "theme", "-created_at"], name="escalation_by_status"),
        ]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        return record_url("referrals:escalation-detail", self.pk)

    @property
    def reference(self) -> str:
        return f"E-{self.pk:06d}" if self.pk else "E-new"

    @property
    def is_open(self) -> bool:
        return self.status == EscalationStatus.OPEN


class EscalationUserObjectPermission(UserPermissionOnRecord):
    content_object = models.ForeignKey(Escalation, on_delete=models.CASCADE)


class EscalationGroupObjectPermission(GroupPermissionOnRecord):
    content_object = models.ForeignKey(Escalation, on_delete=models.CASCADE)


class EscalationResponse(models.Model):
    """One side's answer at a stage of an escalation."""

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="responses")
    stage = models.PositiveSmallIntegerField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("partnerships.Agency", on_delete=models.PROTECT, related_name="+")
    text = models.TextField("Response")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Response to {self.escalation} at stage {self.stage}"


class GoodPractice(models.Model):
    """Good multi-agency practice noticed while resolving a disagreement, for the partnership."""

    escalation = models.ForeignKey(
        Escalation, on_delete=models.CASCADE, related_name="good_practice"
    )
    agency = models.ForeignKey("partnerships.Agency", on_delete=models.PROTECT, related_name="+")
    description = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name_plural = "good practice"

    def __str__(self):
        return f"Good practice by {self.agency}"
