import uuid
from datetime import date, timedelta

from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.functional import cached_property
from simple_history.models import HistoricalRecords

from safeguarding.models import GroupPermissionOnRecord, UserPermissionOnRecord
from safeguarding.record_urls import record_url

from .choices import (
    EDUCATION_SECTORS,
    LOWER_IS_BETTER,
    OPEN_ACTION_STATUSES,
    PARTNER_SECTORS,
    SAFEGUARDING_PARTNER_ROLES,
    ActionStatus,
    IndicatorKey,
    MembershipRole,
    RapidReviewClockStart,
    Role,
    ScrutinyKind,
    Sector,
    TrainingTheme,
    YearlyReportStatus,
)


class Region(models.Model):
    """A region of England; partnerships in one region share procedures and benchmark."""

    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class AgencyQuerySet(models.QuerySet):
    def active(self, on=None):
        on = on or timezone.localdate()
        return self.filter(
            Q(active_until__isnull=True) | Q(active_until__gte=on), active_from__lte=on
        )


class Agency(models.Model):
    """A body that safeguards children: a council, an ICB, a police force, a school, a charity.

    Agencies are deactivated, never deleted: their history stays attached to the records they
    made.
    """

    name = models.CharField(max_length=200)
    sector = models.CharField(max_length=32, choices=Sector.choices)
    urn = models.CharField(
        "Unique reference number (URN)",
        max_length=20,
        blank=True,
        help_text="For schools, colleges and early years settings.",
    )
    ods_code = models.CharField(
        "NHS ODS code", max_length=20, blank=True, help_text="For NHS and GP organisations."
    )
    gss_code = models.CharField(
        "Local authority code",
        max_length=9,
        blank=True,
        help_text="The ONS code of a council, for example E06000001.",
    )
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    active_from = models.DateField(default=timezone.localdate)
    active_until = models.DateField(
        null=True, blank=True, help_text="Set to deactivate the agency; it is never deleted."
    )

    objects = AgencyQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"
        indexes = [models.Index(fields=["sector", "name"])]
        constraints = [
            models.UniqueConstraint(fields=["urn"], condition=~Q(urn=""), name="agency_unique_urn"),
            models.UniqueConstraint(
                fields=["ods_code"], condition=~Q(ods_code=""), name="agency_unique_ods_code"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return record_url("partnerships:agency-detail", self.pk)

    @property
    def reference(self) -> str:
        """What tells the agency from another of the same name: its URN, ODS or council code."""
        for label, code in (("URN", self.urn), ("ODS", self.ods_code), ("GSS", self.gss_code)):
            if code:
                return f"{label} {code}"
        return f"agency {self.pk}"

    def clean(self):
        if self.active_until and self.active_until < self.active_from:
            raise ValidationError({"active_until": "An agency cannot close before it opened."})

    @property
    def is_active(self) -> bool:
        today = timezone.localdate()
        return self.active_from <= today and (
            self.active_until is None or self.active_until >= today
        )

    @property
    def is_local_authority(self) -> bool:
        return self.sector == Sector.LOCAL_AUTHORITY

    @property
    def is_education(self) -> bool:
        return self.sector in EDUCATION_SECTORS


class Partnership(models.Model):
    """A safeguarding children partnership: the local arrangements led by three partners."""

    name = models.CharField(max_length=200, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="partnerships")
    rapid_review_clock_start = models.CharField(
        max_length=20,
        choices=RapidReviewClockStart.choices,
        default=RapidReviewClockStart.BECAME_AWARE,
        help_text="When the 15 working days for a rapid review start.",
    )
    agency_return_working_days = models.PositiveSmallIntegerField(
        default=10,
        help_text="Working days after awareness by which agencies return rapid review information.",
    )
    shares_benchmarks = models.BooleanField(
        "Shares figures for regional benchmarking",
        default=False,
        help_text="Other partnerships in the region may compare their indicators with ours "
        "(aggregates only; numbers under 5 are never shown).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    figures_version = models.UUIDField(
        default=uuid.uuid4,
        editable=False,
        help_text="Changes whenever a record the indicators count does, so that cached figures "
        "are never shown once they are out of date.",
    )

    history = HistoricalRecords(excluded_fields=["figures_version"])

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(
                fields=["region"],
                condition=Q(shares_benchmarks=True),
                name="partnership_benchmarks",
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return record_url("partnerships:partnership-detail", self.pk)

    @cached_property
    def is_constituted(self) -> bool:
        """True once it has a local authority, a health and a police safeguarding partner."""
        prefetched = getattr(self, "partner_seats", None)
        if prefetched is None:
            prefetched = getattr(self, "_prefetched_objects_cache", {}).get("memberships")
        if prefetched is not None:
            filled = {m.role for m in prefetched if m.is_current}
        else:
            filled = set(self.memberships.current().values_list("role", flat=True))
        return filled >= set(SAFEGUARDING_PARTNER_ROLES)

    @property
    def status_label(self) -> str:
        return "Constituted" if self.is_constituted else "Not constituted"


class PartnershipUserObjectPermission(UserPermissionOnRecord):
    content_object = models.ForeignKey(Partnership, on_delete=models.CASCADE)


class PartnershipGroupObjectPermission(GroupPermissionOnRecord):
    content_object = models.ForeignKey(Partnership, on_delete=models.CASCADE)


def check_last_day(first_day, last_day, *, field: str, message: str) -> None:
    """A last day (both it and the first day included) may be the day before the first: never
    held, as giving a role that began today yesterday's date ends it at once. Any earlier is a
    mistyped date, refused on `field` with `message`, which names the earliest allowed as {day}."""
    if first_day and last_day and last_day < first_day - timedelta(days=1):
        earliest = first_day - timedelta(days=1)
        raise ValidationError({field: message.format(day=f"{earliest:%-d %B %Y}")})


class MembershipQuerySet(models.QuerySet):
    def current(self, on=None):
        """Memberships that have begun and not yet ended on `on` (today): an agency is a member
        from its joining day to its leaving day, both included."""
        on = on or timezone.localdate()
        return self.filter(Q(left_on__isnull=True) | Q(left_on__gte=on), joined_on__lte=on)

    def local_authorities(self):
        return self.filter(role=MembershipRole.LOCAL_AUTHORITY_PARTNER)


class Membership(models.Model):
    """An agency's place in a partnership: a safeguarding partner seat or a relevant agency."""

    # Leads the unique rule on (partnership, agency), so needs no index of its own.
    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="memberships", db_index=False
    )
    # Leads the index on (agency, partnership), so needs no index of its own.
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="memberships", db_index=False
    )
    role = models.CharField(max_length=32, choices=MembershipRole.choices)
    joined_on = models.DateField(default=timezone.localdate)
    left_on = models.DateField(null=True, blank=True)

    objects = MembershipQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["partnership", "role", "agency__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "agency"], name="membership_unique_agency"
            )
        ]
        indexes = [models.Index(fields=["agency", "partnership"])]

    def __str__(self):
        return f"{self.agency} in {self.partnership} ({self.get_role_display()})"

    def clean(self):
        check_last_day(
            self.joined_on,
            self.left_on,
            field="left_on",
            message="The leaving day can be no earlier than the day before the joining day "
            "({day}), which means the agency is never a member.",
        )
        required = PARTNER_SECTORS.get(self.role)
        if required and self.agency_id and self.agency.sector != required:
            raise ValidationError(
                {"role": f"Only a {Sector(required).label} agency can hold this partner seat."}
            )

    @property
    def is_current(self) -> bool:
        today = timezone.localdate()
        return self.joined_on <= today and (self.left_on is None or self.left_on >= today)

    @property
    def partner_kind(self) -> str | None:
        """'local_authority', 'health' or 'police' for a partner seat, None otherwise."""
        if self.role in SAFEGUARDING_PARTNER_ROLES:
            return self.role.removesuffix("_partner")
        return None


class ClosureDay(models.Model):
    """A day the partnership does not count as a working day (beyond bank holidays)."""

    # Leads the unique rule on (partnership, date), so needs no index of its own.
    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="closure_days", db_index=False
    )
    date = models.DateField()
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "date"], name="closure_unique_day")
        ]

    def __str__(self):
        return f"{self.date}: {self.reason}"


def arrangement_upload_to(instance, filename):
    return f"arrangements/{instance.partnership_id}/v{instance.version}/{filename}"


class PublishedArrangement(models.Model):
    """A version of the partnership's published safeguarding arrangements."""

    # Leads the unique rule on (partnership, version), so needs no index of its own.
    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="arrangements", db_index=False
    )
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    document = models.FileField(upload_to=arrangement_upload_to, blank=True)
    url = models.URLField("Published at", blank=True)
    published_on = models.DateField()
    next_review_on = models.DateField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["partnership", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "version"], name="arrangement_unique_version"
            )
        ]
        indexes = [models.Index(fields=["next_review_on"])]

    def __str__(self):
        return f"{self.title} (version {self.version})"

    def clean(self):
        if self.published_on and self.next_review_on and self.next_review_on <= self.published_on:
            raise ValidationError({"next_review_on": "The review date must be after publication."})


class User(AbstractUser):
    """A person using the system. They work for one agency (scrutineers and admins may not)."""

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="staff", null=True, blank=True
    )
    job_title = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    is_demo_account = models.BooleanField(
        default=False,
        editable=False,
        help_text="Made by seed_demo; may skip two-factor sign-in only when DEMO_MODE is on.",
    )
    # What a person is found by, kept by the database: one trigram index answers a search by
    # part of it (migration 0013). With an index a column, the four scans a long word (such as
    # a username) needs looked dearer to the planner than reading every person.
    search_text = models.GeneratedField(
        expression=Concat(
            "first_name",
            Value(" "),
            "last_name",
            Value(" "),
            "username",
            Value(" "),
            "email",
            output_field=models.TextField(),
        ),
        output_field=models.TextField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self):
        return self.get_full_name() or self.username


class RoleAssignmentQuerySet(models.QuerySet):
    def current(self, on=None):
        """Roles held on `on` (today): a role is held from its first day (`started_on`) to its
        last (`ended_on`), both included, as an agency is a member of a partnership. So a role
        can be given ahead of its first day, or a leaving date entered ahead of it, and it counts
        only on the days between. The one definition of holding a role: people are found by
        the roles they hold through it too (`partnerships.selectors.people_with_role`). The
        groups a role puts its holder in follow on its first day and the day after its last
        (`partnerships.tasks.start_and_end_roles`)."""
        on = on or timezone.localdate()
        return self.filter(Q(ended_on__isnull=True) | Q(ended_on__gte=on), started_on__lte=on)


class RoleAssignment(models.Model):
    """A role a person holds in one partnership. Roles decide what they may see and do."""

    # Leads the unique rule on (user, partnership, role), so needs no index of its own.
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="role_assignments", db_index=False
    )
    # Leads the index on (partnership, role), so needs no index of its own.
    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="role_assignments", db_index=False
    )
    role = models.CharField(max_length=40, choices=Role.choices)
    started_on = models.DateField(
        default=timezone.localdate, help_text="The first day the role is held."
    )
    ended_on = models.DateField(
        null=True,
        blank=True,
        help_text=(
            "The last day the role is held: it ends at the end of this day. "
            "To end it at once, give yesterday's date."
        ),
    )

    objects = RoleAssignmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["partnership", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "partnership", "role"], name="role_assignment_unique"
            )
        ]
        indexes = [models.Index(fields=["partnership", "role"])]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} — {self.partnership}"

    def clean(self):
        check_last_day(
            self.started_on,
            self.ended_on,
            field="ended_on",
            message="The last day can be no earlier than the day before the first day ({day}), "
            "which means the role is never held.",
        )
        agency = self.user.agency if self.user_id else None
        if self.role == Role.FRONT_DOOR_WORKER and (
            agency is None or not agency.is_local_authority
        ):
            raise ValidationError({"role": "Front door workers work for a local authority."})
        if self.role in (Role.LEAD_SAFEGUARDING_PARTNER, Role.DELEGATED_SAFEGUARDING_PARTNER):
            seat = (
                Membership.objects.current()
                .filter(partnership_id=self.partnership_id, agency=agency)
                .exclude(role=MembershipRole.RELEVANT_AGENCY)
                .exists()
            )
            if not seat:
                raise ValidationError(
                    {"role": "Only staff of a safeguarding partner can speak for that partner."}
                )
        needs_agency = self.role not in (Role.INDEPENDENT_SCRUTINEER, Role.SYSTEM_ADMIN)
        if needs_agency and agency is None:
            raise ValidationError({"role": "This role needs the person to work for an agency."})


class DesignatedSafeguardingLead(models.Model):
    """An entry in the directory of designated safeguarding leads for schools and settings."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="safeguarding_leads")
    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="dsl_entries"
    )
    name = models.CharField(max_length=200)
    email = models.EmailField()
    phone = models.CharField(max_length=40, blank=True)
    is_deputy = models.BooleanField(default=False)
    trained_on = models.DateField(
        null=True, blank=True, help_text="Designated safeguarding lead training last completed."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["agency__name", "is_deputy", "name"]
        verbose_name = "designated safeguarding lead"

    def __str__(self):
        return f"{self.name} ({self.agency})"

    def clean(self):
        errors = {}
        if self.agency_id and not self.agency.is_education:
            errors["agency"] = (
                "Designated safeguarding leads are for schools, colleges and settings."
            )
        if self.trained_on is not None and self.trained_on > timezone.localdate():
            errors["trained_on"] = "Record training once it has happened: not a date in the future."
        if errors:
            raise ValidationError(errors)

    @property
    def training_due_on(self):
        """When the training is next due, or None if not recorded (or past the last date)."""
        # Keeping in Children Safe in Education: DSL training is refreshed every two years.
        trained = self.trained_on
        if trained is None or trained.year + 2 > date.max.year:
            return None
        if trained.month == 2 and trained.day == 29:
            return trained.replace(year=trained.year + 2, day=28)
        return trained.replace(year=trained.year + 2)


class ActionQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_ACTION_STATUSES)

    def overdue(self, on=None):
        return self.open().filter(due_on__lt=on or timezone.localdate())

    def review_recommendations(self):
        return self.filter(source_type__app_label="reviews")


class Action(models.Model):
    """Something an agency has agreed to do because of learning.

    Actions come from review recommendations, audit moderation and scrutiny challenges (the
    `source`); each is owned by one agency, has a due date, and is closed with evidence that it
    was done and of the difference it made.
    """

    # Leads the index on (partnership, status, due_on), so needs no index of its own.
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="actions", db_index=False
    )
    # Leads the index on (owner_agency, status, due_on), so needs no index of its own.
    owner_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="actions", db_index=False
    )
    # Leads the index on (source_type, source), so needs no index of its own.
    source_type = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    recommendation = models.TextField(blank=True, help_text="The recommendation it answers.")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    due_on = models.DateField()
    status = models.CharField(
        max_length=20, choices=ActionStatus.choices, default=ActionStatus.NOT_STARTED
    )
    completed_on = models.DateField(null=True, blank=True)
    evidence_of_completion = models.TextField(blank=True)
    evidence_of_impact = models.TextField(blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ActionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            # Holding the owner, the key and when each was completed too, the dashboards count a
            # partnership's overdue actions, and the indicators its actions due in a period,
            # from the index alone.
            models.Index(
                fields=["partnership", "status", "due_on"],
                include=["owner_agency", "id", "completed_on"],
                name="action_partnership_status_due",
            ),
            models.Index(fields=["owner_agency", "status", "due_on"]),
            models.Index(fields=["source_type", "source_id"]),
            models.Index(fields=["status", "due_on"]),
            # Lists in due order read this from the start and stop at a page, testing who may
            # see each action from the index alone; sorting tens of thousands first cost 40 ms.
            models.Index(
                fields=["due_on", "id"],
                include=["partnership", "owner_agency"],
                name="action_due_order",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return record_url("partnerships:action-detail", self.pk)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ACTION_STATUSES

    @property
    def is_review_recommendation(self) -> bool:
        return (
            self.source_type_id is not None
            and ContentType.objects.get_for_id(self.source_type_id).app_label == "reviews"
        )

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_on < timezone.localdate()

    @property
    def completed_on_time(self) -> bool | None:
        if self.status != ActionStatus.COMPLETED or self.completed_on is None:
            return None
        return self.completed_on <= self.due_on


class IndicatorTarget(models.Model):
    """A partnership's own target for a headline indicator, read as red, amber or green.

    For most indicators higher is better (a figure at or above `green_from` is green, at or
    above `amber_from` amber, else red); for repeat referrals lower is better and the thresholds
    are read the other way round.
    """

    # Leads the unique rule on (partnership, indicator), so needs no index of its own.
    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="indicator_targets", db_index=False
    )
    indicator = models.CharField(max_length=40, choices=IndicatorKey.choices)
    green_from = models.DecimalField("Green at", max_digits=5, decimal_places=1)
    amber_from = models.DecimalField("Amber at", max_digits=5, decimal_places=1)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["partnership", "indicator"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "indicator"], name="indicator_target_once"
            )
        ]

    def __str__(self):
        return f"{self.get_indicator_display()} target for {self.partnership}"

    @property
    def higher_is_better(self) -> bool:
        return self.indicator not in LOWER_IS_BETTER

    def clean(self):
        if self.green_from is None or self.amber_from is None:
            return
        wrong_way = (
            self.amber_from > self.green_from
            if self.higher_is_better
            else self.amber_from < self.green_from
        )
        if wrong_way:
            better = "above" if self.higher_is_better else "below"
            raise ValidationError(
                {"amber_from": f"For this indicator green must be at or {better} amber."}
            )

    def rag(self, value) -> str | None:
        """'green', 'amber' or 'red' for a percentage; None when there is no figure."""
        if value is None:
            return None
        if self.higher_is_better:
            if value >= self.green_from:
                return "green"
            return "amber" if value >= self.amber_from else "red"
        if value <= self.green_from:
            return "green"
        return "amber" if value <= self.amber_from else "red"


class ScrutinyChallenge(models.Model):
    """A finding or challenge the independent scrutineer puts to a partner or agency.

    The addressed agency's lead or delegated safeguarding partner (or, for a relevant agency,
    its safeguarding lead) must respond by `response_due_on`; reminders go out before the date
    and an overdue response is escalated, once, to the partnership's lead safeguarding partners.
    """

    # Leads the index on (partnership, raised_at), so needs no index of its own.
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="scrutiny_challenges", db_index=False
    )
    kind = models.CharField(max_length=20, choices=ScrutinyKind.choices)
    # Leads the index on (addressed_to, raised_at), so needs no index of its own.
    addressed_to = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="scrutiny_challenges", db_index=False
    )
    title = models.CharField(max_length=200)
    detail = models.TextField("What the scrutineer found or asks")
    response_due_on = models.DateField("Response due")
    raised_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(default=timezone.now)
    response = models.TextField(blank=True)
    responded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(
        null=True, blank=True, help_text="When the overdue response went to the lead partners."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-raised_at", "-pk"]
        indexes = [
            models.Index(fields=["partnership", "-raised_at"], name="scrutiny_by_partnership"),
            models.Index(fields=["addressed_to", "-raised_at"], name="scrutiny_by_agency"),
            # The reminder sweep: unanswered, by due date.
            models.Index(
                fields=["response_due_on"],
                condition=Q(responded_at__isnull=True),
                name="scrutiny_awaiting_due",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return record_url("partnerships:scrutiny-detail", self.pk)

    @property
    def is_answered(self) -> bool:
        return self.responded_at is not None

    @property
    def is_overdue(self) -> bool:
        return not self.is_answered and self.response_due_on < timezone.localdate()


class FinancialContribution(models.Model):
    """What one partner or agency paid into the partnership's budget for a financial year.

    Recorded once per agency per year, by the business team against the yearly report of the
    period (`year_starting` is the report's first day); money, and help given in kind.
    """

    # Leads the unique rule on (partnership, agency, year_starting), so needs no index of its own.
    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="contributions", db_index=False
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="contributions")
    year_starting = models.DateField(help_text="The first day of the financial year, e.g. 1 April.")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    in_kind = models.TextField(
        "Contribution in kind",
        blank=True,
        help_text="Staff time, rooms, training places or other help given instead of money.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["partnership", "-year_starting", "agency__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "agency", "year_starting"], name="contribution_once"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="contribution_not_negative"),
        ]

    def __str__(self):
        return f"{self.agency}: £{self.amount} from {self.year_starting:%-d %B %Y}"


class YearlyReport(models.Model):
    """The partnership's yearly report on what it did and how effective it was.

    It drafts itself from the records of a 12-month period; the business team writes a
    narrative beside each section's figures. The three lead safeguarding partners sign it off,
    it is published, and within 7 days it goes to the national Panel and the What Works Centre.
    """

    # Leads the unique rule on (partnership, period_start), so needs no index of its own.
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="yearly_reports", db_index=False
    )
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(
        max_length=20, choices=YearlyReportStatus.choices, default=YearlyReportStatus.DRAFT
    )
    narratives = models.JSONField(default=dict, blank=True, help_text="Section key: narrative.")
    young_people_summary = models.TextField(
        "Young person-friendly summary", blank=True, help_text="Short sentences, plain words."
    )
    published_on = models.DateField(null=True, blank=True)
    sent_to_panel_on = models.DateField(null=True, blank=True)
    sent_to_what_works_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["partnership", "-period_end"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "period_start"], name="yearly_report_once_per_period"
            )
        ]
        indexes = [
            models.Index(fields=["status", "published_on"], name="yearly_report_published"),
        ]

    def __str__(self):
        return f"Yearly report {self.period_start:%B %Y} to {self.period_end:%B %Y}"

    def get_absolute_url(self):
        return record_url("partnerships:report-detail", self.pk)

    @property
    def sending_due_on(self):
        """The national Panel and the What Works Centre get it within 7 days of publication."""
        return self.published_on + timedelta(days=7) if self.published_on else None


class YearlyReportSignOff(models.Model):
    """One of the three lead safeguarding partners agreeing the yearly report."""

    # Leads the unique rule on (report, partner_role), so needs no index of its own.
    report = models.ForeignKey(
        YearlyReport, on_delete=models.CASCADE, related_name="sign_offs", db_index=False
    )
    partner_role = models.CharField(max_length=32, choices=MembershipRole.choices)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    signed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["report", "partner_role"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "partner_role"], name="yearly_report_sign_off_once"
            )
        ]

    def __str__(self):
        return f"{self.get_partner_role_display()} signed off by {self.signed_by}"


class TrainingEvent(models.Model):
    """A multi-agency training event the partnership delivered.

    What the yearly report counts as training delivered: when it was held, the learning it came
    from (optionally the review recommendation it answers), the agencies it was for, how many
    attended (in total, and by agency where known) and how it was rated.
    """

    # Leads the index on (partnership, held_on), so needs no index of its own.
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="training_events", db_index=False
    )
    title = models.CharField(max_length=200)
    held_on = models.DateField("Date held")
    theme = models.CharField("Learning theme", max_length=40, choices=TrainingTheme.choices)
    learning_from = models.TextField(
        "The learning it came from",
        blank=True,
        help_text="For example, a rapid review, an audit, or a pattern in referrals.",
    )
    recommendation = models.ForeignKey(
        Action,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="training_events",
        help_text="The rapid or practice review recommendation it answers, if any.",
    )
    audience_agencies = models.ManyToManyField(
        Agency, blank=True, related_name="training_audiences", verbose_name="Who it was for"
    )
    attendees = models.PositiveIntegerField("Number of attendees")
    evaluation_score = models.DecimalField(
        "Average evaluation score",
        max_digits=2,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="Out of 5, from the attendees' evaluations.",
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["partnership", "held_on"], name="training_by_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(evaluation_score__isnull=True)
                | Q(evaluation_score__gte=1, evaluation_score__lte=5),
                name="training_score_1_to_5",
            )
        ]

    def __str__(self):
        return f"{self.title} ({self.held_on:%-d %B %Y})"

    def get_absolute_url(self):
        return record_url("partnerships:training-detail", self.pk)


class TrainingAttendance(models.Model):
    """How many of one agency's staff attended a training event."""

    # Leads the unique rule on (event, agency), so needs no index of its own.
    event = models.ForeignKey(
        TrainingEvent, on_delete=models.CASCADE, related_name="attendance", db_index=False
    )
    # Leads the index on (agency, event), so needs no index of its own.
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", db_index=False)
    attendees = models.PositiveIntegerField()

    class Meta:
        ordering = ["event", "agency__name"]
        constraints = [
            models.UniqueConstraint(fields=["event", "agency"], name="training_attendance_once")
        ]
        indexes = [models.Index(fields=["agency", "event"], name="training_attendance_agency")]

    def __str__(self):
        return f"{self.agency}: {self.attendees}"
