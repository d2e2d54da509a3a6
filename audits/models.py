from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from safeguarding.models import GroupPermissionOnRecord, UserPermissionOnRecord
from safeguarding.record_urls import record_url

from .choices import Grade, Rating, ReturnStatus, SelfAssessmentKind


class Audit(models.Model):
    """A multi-agency case file audit: a theme, a sample of cases and the agencies that hold them.

    Each participating agency grades its own practice on every case; a moderation meeting then
    agrees a grade, findings and actions per case. A follow-up audit on the same theme tests
    whether practice improved.
    """

    # Leads the index on (partnership, theme, created_at), so needs no index of its own.
    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.PROTECT, related_name="audits", db_index=False
    )
    title = models.CharField(max_length=200)
    theme = models.CharField(
        max_length=100, help_text="For example, neglect, parental mental health, exploitation."
    )
    scope = models.TextField(blank=True, help_text="Which children and which period.")
    agencies = models.ManyToManyField(
        "partnerships.Agency", related_name="audits", verbose_name="participating agencies"
    )
    return_due_on = models.DateField("Returns due")
    moderation_on = models.DateField("Moderation meeting", null=True, blank=True)
    follow_up_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="follow_ups"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["partnership", "theme", "created_at"]),
            models.Index(fields=["return_due_on"]),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return record_url("audits:audit-detail", self.pk)


class AuditUserObjectPermission(UserPermissionOnRecord):
    content_object = models.ForeignKey(Audit, on_delete=models.CASCADE)


class AuditGroupObjectPermission(GroupPermissionOnRecord):
    content_object = models.ForeignKey(Audit, on_delete=models.CASCADE)


class AuditQuestion(models.Model):
    """A question on the audit's theme that every agency answers for every case."""

    # Leads the unique rule on (audit, position), so needs no index of its own.
    audit = models.ForeignKey(
        Audit, on_delete=models.CASCADE, related_name="questions", db_index=False
    )
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=500)

    class Meta:
        ordering = ["audit", "position"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "position"], name="audit_question_position")
        ]

    def __str__(self):
        return self.text


class AuditSample(models.Model):
    """A random draw of cases from a list the business team uploaded.

    The candidates are kept sorted with the seed, so `draw_sample(candidates, size, seed)`
    gives exactly the same cases again.
    """

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="samples")
    seed = models.BigIntegerField()
    size = models.PositiveIntegerField()
    candidates = models.JSONField(help_text="The uploaded references, sorted.")
    drawn = models.JSONField(help_text="The references drawn, in the order drawn.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["audit", "created_at"]

    def __str__(self):
        return f"{self.size} of {len(self.candidates)} cases, seed {self.seed}"


class AuditCase(models.Model):
    """One case in an audit, known only by a pseudonymised reference (never a child's name).

    The moderation meeting records the grade the agencies agreed and what they found.
    """

    # Leads the unique rule on (audit, reference), so needs no index of its own.
    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="cases", db_index=False)
    reference = models.CharField(max_length=40, help_text="A pseudonymised case reference.")
    agreed_grade = models.CharField(max_length=24, choices=Grade.choices, blank=True)
    findings = models.TextField(blank=True)
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    pseudonymised_at = models.DateTimeField(
        null=True, blank=True, help_text="When the retention period ended and its free text went."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["audit", "reference"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "reference"], name="audit_case_unique")
        ]

    def __str__(self):
        return f"Case {self.reference}"

    def get_absolute_url(self):
        return record_url("audits:case-moderate", self.pk)


class AuditReturn(models.Model):
    """An agency's grading of its own practice on one case, with what worked and what worries.

    Drafts save as often as needed; a submitted return is final unless the business team
    reopens it with a reason (kept in the history).
    """

    # Leads the index on (audit, submitted_at), so needs no index of its own.
    audit = models.ForeignKey(
        Audit, on_delete=models.CASCADE, related_name="returns", db_index=False
    )
    # Leads the unique rule on (case, agency), so needs no index of its own.
    case = models.ForeignKey(
        AuditCase, on_delete=models.CASCADE, related_name="returns", db_index=False
    )
    # Leads the index on (agency, status), so needs no index of its own.
    agency = models.ForeignKey(
        "partnerships.Agency",
        on_delete=models.PROTECT,
        related_name="audit_returns",
        db_index=False,
    )
    grade = models.CharField(max_length=24, choices=Grade.choices, blank=True)
    worked_well = models.TextField("What worked well", blank=True)
    worries = models.TextField("What worries you", blank=True)
    child_voice_heard = models.BooleanField(
        "The child's voice was heard and recorded", null=True, blank=True
    )
    family_feedback = models.TextField("Family feedback", blank=True)
    immediate_concern = models.BooleanField(default=False)
    immediate_concern_details = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=ReturnStatus.choices, default=ReturnStatus.DRAFT
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reopened_reason = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["audit", "case", "agency"]
        constraints = [
            models.UniqueConstraint(fields=["case", "agency"], name="audit_return_unique")
        ]
        indexes = [
            models.Index(
                fields=["audit"], condition=Q(immediate_concern=True), name="audit_return_concern"
            ),
            models.Index(fields=["audit", "case", "agency"]),
            models.Index(fields=["audit", "agency", "status"]),
            models.Index(fields=["audit", "status", "grade"]),
            models.Index(fields=["agency", "status"]),
            models.Index(fields=["status", "audit"]),
            # The indicators count each audit's returns submitted in a period, by grade and
            # agency, from this alone: through the table they read every return of every audit.
            models.Index(
                fields=["audit", "submitted_at"],
                include=["id", "status", "grade", "agency"],
                name="audit_return_figures",
            ),
        ]

    def __str__(self):
        return f"{self.agency} on case {self.case.reference}"

    def get_absolute_url(self):
        return record_url("audits:return-detail", self.pk)

    @property
    def is_submitted(self) -> bool:
        return self.status == ReturnStatus.SUBMITTED


class AuditAnswer(models.Model):
    """An agency's answer to one of the audit's theme questions, for one case."""

    # Leads the unique rule on (audit_return, question), so needs no index of its own.
    audit_return = models.ForeignKey(
        AuditReturn, on_delete=models.CASCADE, related_name="answers", db_index=False
    )
    question = models.ForeignKey(AuditQuestion, on_delete=models.CASCADE, related_name="answers")
    answer = models.TextField(blank=True)

    class Meta:
        ordering = ["audit_return", "question__position"]
        constraints = [
            models.UniqueConstraint(fields=["audit_return", "question"], name="audit_answer_unique")
        ]

    def __str__(self):
        return self.answer[:50]


class SelfAssessmentRound(models.Model):
    """A partnership's yearly Section 11 or Section 175 round: its standards, invitees, deadline."""

    # Leads the unique rule on (partnership, kind, year), so needs no index of its own.
    partnership = models.ForeignKey(
        "partnerships.Partnership",
        on_delete=models.PROTECT,
        related_name="self_assessment_rounds",
        db_index=False,
    )
    kind = models.CharField(max_length=8, choices=SelfAssessmentKind.choices)
    year = models.PositiveSmallIntegerField()
    deadline = models.DateField()
    agencies = models.ManyToManyField(
        "partnerships.Agency", related_name="self_assessment_rounds", verbose_name="invited"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "kind", "year"], name="self_assessment_round_unique"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} self-assessment {self.year}"

    def get_absolute_url(self):
        return record_url("audits:round-detail", self.pk)


class Standard(models.Model):
    """A standard agencies rate themselves against in a round (codes match across years)."""

    # Leads the unique rule on (round, code), so needs no index of its own.
    round = models.ForeignKey(
        SelfAssessmentRound, on_delete=models.CASCADE, related_name="standards", db_index=False
    )
    position = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=20)
    title = models.CharField(max_length=300)

    class Meta:
        ordering = ["round", "position"]
        constraints = [
            models.UniqueConstraint(fields=["round", "code"], name="standard_unique_code")
        ]

    def __str__(self):
        return self.title


class SelfAssessment(models.Model):
    """An agency's own yearly return: one per agency, kind and year, whichever partnerships ask.

    An agency in several partnerships completes it once and each of them reads it.
    """

    # Leads the unique rule on (agency, kind, year), so needs no index of its own.
    agency = models.ForeignKey(
        "partnerships.Agency",
        on_delete=models.PROTECT,
        related_name="self_assessments",
        db_index=False,
    )
    kind = models.CharField(max_length=8, choices=SelfAssessmentKind.choices)
    year = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=10, choices=ReturnStatus.choices, default=ReturnStatus.DRAFT
    )
    carried_forward_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "agency__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "kind", "year"], name="self_assessment_unique"
            )
        ]
        indexes = [models.Index(fields=["kind", "year", "agency"])]

    def __str__(self):
        return f"{self.agency}: {self.get_kind_display()} {self.year}"

    def get_absolute_url(self):
        return record_url("audits:self-assessment-detail", self.pk)


class SelfAssessmentUserObjectPermission(UserPermissionOnRecord):
    content_object = models.ForeignKey(SelfAssessment, on_delete=models.CASCADE)


class SelfAssessmentGroupObjectPermission(GroupPermissionOnRecord):
    content_object = models.ForeignKey(SelfAssessment, on_delete=models.CASCADE)


class StandardRating(models.Model):
    """How an agency rates itself against one standard, its evidence and its plan for any gap."""

    # Leads the unique rule on (assessment, code), so needs no index of its own.
    assessment = models.ForeignKey(
        SelfAssessment, on_delete=models.CASCADE, related_name="ratings", db_index=False
    )
    code = models.CharField(max_length=20)
    title = models.CharField(max_length=300)
    rating = models.CharField(max_length=12, choices=Rating.choices, blank=True)
    evidence = models.TextField(blank=True)
    action_plan = models.TextField("Action plan for gaps", blank=True)
    carried_forward = models.BooleanField(
        default=False, help_text="Copied from last year's return and not yet changed."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "code"], name="standard_rating_unique")
        ]

    def __str__(self):
        return f"{self.title}: {self.get_rating_display() or 'not rated'}"


class ChallengeEvent(models.Model):
    """A challenge event: the partnership questions an agency's self-assessment, which responds."""

    round = models.ForeignKey(
        SelfAssessmentRound, on_delete=models.CASCADE, related_name="challenge_events"
    )
    # Leads the index on (agency, held_on), so needs no index of its own.
    agency = models.ForeignKey(
        "partnerships.Agency",
        on_delete=models.PROTECT,
        related_name="challenge_events",
        db_index=False,
    )
    held_on = models.DateField()
    discussion = models.TextField()
    challenges = models.TextField("Challenges raised", blank=True)
    responses = models.TextField("Responses", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["round", "-held_on"]
        indexes = [models.Index(fields=["agency", "held_on"])]

    def __str__(self):
        return f"Challenge event with {self.agency} on {self.held_on}"
