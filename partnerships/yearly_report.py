"""The yearly report's sections, drafted from the partnership's records for its period.

Every figure is an aggregate (counts, percentages, amounts, titles of audits and reviews by
reference): the report is published, so nothing in it identifies a child.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Avg, Count, Q, Sum

from audits.models import Audit
from reviews.choices import Decision as ReviewDecision
from reviews.models import PracticeReview, RapidReview

from . import indicators
from .choices import (
    SAFEGUARDING_PARTNER_ROLES,
    ActionStatus,
    MembershipRole,
    ReportSection,
    TrainingTheme,
)
from .models import (
    Action,
    FinancialContribution,
    Membership,
    ScrutinyChallenge,
    TrainingAttendance,
    TrainingEvent,
)


@dataclass(frozen=True)
class Figure:
    """One figure of a section: a count, a percentage, an amount of money or a score out of 5.

    `value` is None where there is nothing to measure (a percentage of nothing).
    """

    label: str
    value: int | float | Decimal | None
    kind: str = "count"

    KINDS = ("count", "percent", "money", "score")

    @property
    def display(self) -> str:
        if self.value is None:
            return "No figure"
        if self.kind == "percent":
            return f"{self.value}%"
        if self.kind == "money":
            return f"£{self.value:,.2f}"
        if self.kind == "score":
            return f"{self.value} out of 5"
        return str(self.value)


@dataclass
class Section:
    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    narrative: str = ""

    @property
    def as_list(self) -> list[Section]:
        """This section alone, for templates that lay sections out one at a time."""
        return [self]


def sections_for(report) -> list[Section]:
    """Each section of the report with its figures and the narrative written so far."""
    partnership = report.partnership
    period = indicators.Period(report.period_start, report.period_end)
    figures = indicators.indicators_for(partnership, period)
    start, end = report.period_start, report.period_end
    sections = {key: Section(key, label) for key, label in ReportSection.choices}

    members = list(
        Membership.objects.current().filter(partnership=partnership).select_related("agency")
    )
    sections[ReportSection.ARRANGEMENTS].items = [
        f"{m.agency.name}: {m.get_role_display()}"
        for m in members
        if m.role in SAFEGUARDING_PARTNER_ROLES
    ]
    sections[ReportSection.ARRANGEMENTS].figures = [
        Figure("Relevant agencies", sum(m.role == MembershipRole.RELEVANT_AGENCY for m in members))
    ]

    contributions = list(
        FinancialContribution.objects.filter(
            partnership=partnership, year_starting__gte=start, year_starting__lte=end
        )
        .select_related("agency")
        .order_by("agency__name", "year_starting")
    )
    funding = sections[ReportSection.FUNDING]
    totals: dict[str, Decimal] = {}
    for c in contributions:
        totals[c.agency.name] = totals.get(c.agency.name, Decimal(0)) + c.amount
    funding.figures = [Figure(name, total, "money") for name, total in totals.items()]
    funding.figures.append(Figure("Total", sum(totals.values(), Decimal(0)), "money"))
    funding.items = [f"{c.agency.name}, in kind: {c.in_kind}" for c in contributions if c.in_kind]

    sections[ReportSection.INDICATORS].figures = [
        Figure(h["label"], h["percent"], "percent") for h in indicators.headlines(figures, [])
    ] + [Figure("Referrals received", figures["referrals"]["total"])]

    rapid = RapidReview.objects.filter(
        partnership=partnership, clock_started_on__range=(start, end)
    )
    decisions = rapid.values("decision").annotate(count=Count("pk")).order_by("decision")
    published = PracticeReview.objects.filter(
        partnership=partnership, published_on__range=(start, end)
    )
    review_actions = (
        Action.objects.review_recommendations()
        .filter(partnership=partnership, created_at__date__range=(start, end))
        .aggregate(
            total=Count("pk"), completed=Count("pk", filter=Q(status=ActionStatus.COMPLETED))
        )
    )
    reviews = sections[ReportSection.REVIEWS]
    reviews.figures = [
        Figure("Rapid reviews", rapid.count()),
        *[
            Figure(dict(ReviewDecision.choices).get(d["decision"], "Not yet decided"), d["count"])
            for d in decisions
        ],
        Figure("Rapid reviews on time", figures["rapid_reviews"]["percent"], "percent"),
        Figure("Practice reviews published", published.count()),
        Figure("Actions from reviews", review_actions["total"]),
        Figure("of which completed", review_actions["completed"]),
    ]
    reviews.items = [r.learning_briefing for r in published.exclude(learning_briefing="")]

    audits = Audit.objects.filter(partnership=partnership, created_at__date__range=(start, end))
    sections[ReportSection.AUDITS].items = [f"{a.title} ({a.theme})" for a in audits]
    sections[ReportSection.AUDITS].figures = [
        Figure("Agency returns graded", figures["audit_grades"]["total"]),
        Figure("Good or outstanding", figures["audit_grades"]["percent"], "percent"),
    ]

    sections[ReportSection.SECTION_11].figures = [
        Figure("Standards rated", figures["section_11"]["total"]),
        Figure("Met", figures["section_11"]["percent"], "percent"),
    ]

    scrutiny = ScrutinyChallenge.objects.filter(
        partnership=partnership, raised_at__date__range=(start, end)
    ).select_related("addressed_to")
    sections[ReportSection.SCRUTINY].items = [
        f"{c.get_kind_display()} to {c.addressed_to.name}: {c.title}. "
        + (f"Response: {c.response}" if c.response else "No response yet.")
        for c in scrutiny
    ]

    sections[ReportSection.ESCALATIONS].figures = [
        Figure("Disagreements raised", figures["escalations"]["total"]),
        *[
            Figure(f"Reached stage {s['stage']}", s["total"])
            for s in figures["escalations"]["by_stage"]
        ],
    ]

    training = training_delivered(partnership, start, end)
    sections[ReportSection.TRAINING].figures = training["figures"]
    sections[ReportSection.TRAINING].items = training["items"]

    # The returns the indicators count: submitted in the period, not reopened since.
    voice = indicators.submitted_audit_returns([partnership.pk], period).aggregate(
        total=Count("pk"), heard=Count("pk", filter=Q(child_voice_heard=True))
    )
    sections[ReportSection.VOICE].figures = [
        Figure("Audit returns submitted by agencies", voice["total"]),
        Figure("of which the child's voice was heard", voice["heard"]),
        Figure(
            "Child's voice heard", indicators.percent(voice["heard"], voice["total"]), "percent"
        ),
    ]

    actions = figures["actions"]
    sections[ReportSection.PRIORITIES].figures = [
        Figure("Actions due", actions["total"]),
        Figure("Completed on time", actions["on_time"]),
        Figure("Overdue", actions["overdue"]),
    ]
    targets = list(partnership.indicator_targets.all())
    sections[ReportSection.LITTLE_PROGRESS].items = [
        f"{h['label']}: {Figure('', h['percent'], 'percent').display} (red against our target)"
        for h in indicators.headlines(figures, targets)
        if h["rag"] == "red"
    ]

    for section in sections.values():
        section.narrative = report.narratives.get(section.key, "")
    return list(sections.values())


def training_delivered(partnership, start, end) -> dict:
    """Multi-agency training held in the period: events, people attending (in total and by
    agency), learning themes, events answering a review recommendation, evaluation scores.

    Counted in the database: four queries whatever the number of events.
    """
    events = TrainingEvent.objects.filter(partnership=partnership, held_on__range=(start, end))
    totals = events.aggregate(
        events=Count("pk"),
        attendees=Sum("attendees", default=0),
        from_recommendations=Count("pk", filter=Q(recommendation__isnull=False)),
        evaluated=Count("pk", filter=Q(evaluation_score__isnull=False)),
        average_score=Avg("evaluation_score"),
    )
    by_agency = indicators.by_agency(
        TrainingAttendance.objects.filter(event__in=events)
        .values("agency", "agency__name")
        .annotate(attendees=Sum("attendees"))
        .order_by("agency__name", "agency"),
        "agency",
        "agency__name",
        ("attendees",),
    )
    by_theme = list(
        events.values("theme").annotate(events=Count("pk")).order_by("-events", "theme")
    )
    listed = events.order_by("held_on", "pk").values("held_on", "title", "attendees", "theme")

    themes = dict(TrainingTheme.choices)
    average = totals["average_score"]
    recorded = sum(row["attendees"] for row in by_agency)
    figures = [
        Figure("Training events", totals["events"]),
        Figure("People attending", totals["attendees"]),
        *[Figure(f"Attending from {row['agency__name']}", row["attendees"]) for row in by_agency],
    ]
    if by_agency and totals["attendees"] > recorded:
        figures.append(Figure("Attending, agency not recorded", totals["attendees"] - recorded))
    figures += [
        *[Figure(f"Events on {themes[row['theme']]}", row["events"]) for row in by_theme],
        Figure("Events answering a review recommendation", totals["from_recommendations"]),
        Figure("Events evaluated", totals["evaluated"]),
        Figure(
            "Average evaluation score",
            None if average is None else round(Decimal(average), 1),
            "score",
        ),
    ]
    items = [
        f"{e['held_on']:%-d %B %Y}: {e['title']} ({themes[e['theme']]}, {e['attendees']} attending)"
        for e in listed
    ]
    return {"figures": figures, "items": items}
