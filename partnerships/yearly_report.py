"""The yearly report's sections, drafted from the partnership's records for its period.

Every figure is an aggregate (counts, percentages, amounts, titles of audits and reviews by
reference): the report is published, so nothing in it identifies a child.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum

from audits.models import Audit, AuditReturn
from reviews.choices import Decision as ReviewDecision
from reviews.models import PracticeReview, RapidReview

from . import indicators
from .choices import SAFEGUARDING_PARTNER_ROLES, ActionStatus, MembershipRole, ReportSection
from .models import Action, FinancialContribution, Membership, ScrutinyChallenge


@dataclass
class Section:
    key: str
    title: str
    figures: list[tuple[str, object]] = field(default_factory=list)
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
        ("Relevant agencies", sum(m.role == MembershipRole.RELEVANT_AGENCY for m in members))
    ]

    contributions = (
        FinancialContribution.objects.filter(
            partnership=partnership, year_starting__gte=start, year_starting__lte=end
        )
        .values("agency__name")
        .annotate(total=Sum("amount"))
        .order_by("agency__name")
    )
    funding = sections[ReportSection.FUNDING]
    funding.figures = [(c["agency__name"], f"£{c['total']:,.2f}") for c in contributions]
    funding.figures.append(("Total", f"£{sum(c['total'] for c in contributions):,.2f}"))

    sections[ReportSection.INDICATORS].figures = [
        (h["label"], _percent(h["percent"])) for h in indicators.headlines(figures, [])
    ] + [("Referrals received", figures["referrals"]["total"])]

    rapid = RapidReview.objects.filter(
        partnership=partnership, clock_started_on__range=(start, end)
    )
    decisions = rapid.values("decision").annotate(count=Count("pk")).order_by("decision")
    published = PracticeReview.objects.filter(
        partnership=partnership, published_on__range=(start, end)
    )
    review_actions = Action.objects.filter(
        partnership=partnership,
        source_type__app_label="reviews",
        created_at__date__range=(start, end),
    ).aggregate(total=Count("pk"), completed=Count("pk", filter=Q(status=ActionStatus.COMPLETED)))
    reviews = sections[ReportSection.REVIEWS]
    reviews.figures = [
        ("Rapid reviews", rapid.count()),
        *[
            (dict(ReviewDecision.choices).get(d["decision"], "Not yet decided"), d["count"])
            for d in decisions
        ],
        ("Rapid reviews on time", _percent(figures["rapid_reviews"]["percent"])),
        ("Practice reviews published", published.count()),
        ("Actions from reviews", review_actions["total"]),
        ("of which completed", review_actions["completed"]),
    ]
    reviews.items = [r.learning_briefing for r in published.exclude(learning_briefing="")]

    audits = Audit.objects.filter(partnership=partnership, created_at__date__range=(start, end))
    sections[ReportSection.AUDITS].items = [f"{a.title} ({a.theme})" for a in audits]
    sections[ReportSection.AUDITS].figures = [
        ("Agency returns graded", figures["audit_grades"]["total"]),
        ("Good or outstanding", _percent(figures["audit_grades"]["percent"])),
    ]

    sections[ReportSection.SECTION_11].figures = [
        ("Standards rated", figures["section_11"]["total"]),
        ("Met", _percent(figures["section_11"]["percent"])),
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
        ("Disagreements raised", figures["escalations"]["total"]),
        *[(f"Reached stage {s['stage']}", s["total"]) for s in figures["escalations"]["by_stage"]],
    ]

    voice = AuditReturn.objects.filter(
        audit__partnership=partnership, submitted_at__date__range=(start, end)
    ).aggregate(total=Count("pk"), heard=Count("pk", filter=Q(child_voice_heard=True)))
    sections[ReportSection.VOICE].figures = [
        ("Audited cases where the child's voice was heard", f"{voice['heard']} of {voice['total']}")
    ]

    actions = figures["actions"]
    sections[ReportSection.PRIORITIES].figures = [
        ("Actions due", actions["total"]),
        ("Completed on time", actions["on_time"]),
        ("Overdue", actions["overdue"]),
    ]
    targets = list(partnership.indicator_targets.all())
    sections[ReportSection.LITTLE_PROGRESS].items = [
        f"{h['label']}: {_percent(h['percent'])} (red against our target)"
        for h in indicators.headlines(figures, targets)
        if h["rag"] == "red"
    ]

    for section in sections.values():
        section.narrative = report.narratives.get(section.key, "")
    return list(sections.values())


def _percent(value) -> str:
    return "No figure" if value is None else f"{value}%"
