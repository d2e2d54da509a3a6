"""The referral and escalation dashboards: counts and timeliness, never a child or a family.

Each figure is counted in the database (one aggregate query per table, whatever the number of
referrals) and comes with a chart of the same figures (see safeguarding/charts.py).
"""

from datetime import timedelta

from django.db.models import Avg, Count, F, Q
from django.utils import timezone

from partnerships.indicators import (
    by_agency,
    cached_figures,
    good_practice_recorded,
    name_of,
    received_referrals,
    summed_by_name,
)
from partnerships.indicators import escalations as raised_escalations
from partnerships.models import Agency, Partnership
from safeguarding.charts import chart

from . import selectors
from .choices import (
    Category,
    Decision,
    EscalationResolution,
    EscalationStatus,
    EscalationTheme,
    QualityRating,
    ReferralStatus,
)
from .models import Escalation


def _counts_chart(key, title, column, rows, *, label="label", count="count", empty="None yet."):
    """A single-series bar chart of (label, count) rows."""
    return chart(
        key,
        title,
        [column, "Number"],
        [[row[label], row[count]] for row in rows],
        labels=[row[label] for row in rows],
        datasets=[{"label": "Number", "data": [row[count] for row in rows]}],
        empty=empty,
    )


def _series_chart(
    key, title, column, rows, series, *, label, stacked=True, empty="None yet.", wide=False
):
    """A bar chart with a dataset for each (field, heading) of `series`; the table shows them."""
    return chart(
        key,
        title,
        [column, *[heading for _, heading in series]],
        [[row[label], *[row[field] for field, _ in series]] for row in rows],
        labels=[row[label] for row in rows],
        datasets=[
            {"label": heading, "data": [row[field] for row in rows]} for field, heading in series
        ],
        stacked=stacked,
        empty=empty,
        wide=wide,
    )


def referral_dashboard(partnerships, period) -> dict:
    """Referrals the partnerships (read) received in the period, by front door, decision,
    kind of harm and the quality of the referring agency's referrals.

    A large partnership receives some 55,000 referrals a year: counted once, then read from the
    cache until a counted record of one of the partnerships changes (their `figures_version`,
    see partnerships/indicators.py) or the day ends.
    """
    return _cached_figures("referral-dashboard", partnerships, period, _count_referrals)


def _cached_figures(kind: str, partnerships, period, count) -> dict:
    """What `count(partnerships, period, today)` gives, read from the cache until a counted
    record of one of the partnerships changes (their `figures_version`) or the day ends."""
    today = timezone.localdate()
    return cached_figures(
        kind,
        [(p.pk, p.figures_version) for p in partnerships],
        period,
        today,
        lambda: count(partnerships, period, today),
    )


def _timeliness_counts(name: str, clock: selectors.Clock, today) -> dict:
    """Counts of a clock that follows the decision, by `<name>_<count>`: started, done in time
    and late (by the stored due date), and still open in time and overdue (a conference found
    not needed is neither)."""
    due, done = clock.due, clock.done
    completed = Q(**{f"{done}__isnull": False})
    return {
        f"{name}_started": Count("pk", filter=Q(**{f"{due}__isnull": False})),
        f"{name}_on_time": Count("pk", filter=completed & Q(**{f"{done}__lte": F(due)})),
        f"{name}_late": Count("pk", filter=completed & Q(**{f"{done}__gt": F(due)})),
        f"{name}_open": Count("pk", filter=clock.open() & Q(**{f"{due}__gte": today})),
        f"{name}_overdue": Count("pk", filter=clock.open() & Q(**{f"{due}__lt": today})),
    }


def _count_referrals(partnerships, period, today) -> dict:
    referrals = received_referrals(partnerships, period)
    on_time = Q(decided_at__date__lte=F("decision_due_on"))
    front_door_counts = {
        "received": Count("pk"),
        "waiting": Count("pk", filter=Q(status=ReferralStatus.SUBMITTED)),
        "overdue": Count(
            "pk", filter=Q(status=ReferralStatus.SUBMITTED, decision_due_on__lt=today)
        ),
        "decided": Count("pk", filter=Q(status=ReferralStatus.DECIDED)),
        "decided_on_time": Count("pk", filter=Q(status=ReferralStatus.DECIDED) & on_time),
        "flagged": Count("pk", filter=Q(immediate_danger=True)),
        # What followed the decisions: the assessments (45 working days after the referral)
        # and the initial child protection conferences (15 after the strategy discussion).
        **{
            counts: count
            for name, clock in selectors.CLOCKS.items()
            for counts, count in _timeliness_counts(name, clock, today).items()
        },
    }
    by_front_door = summed_by_name(
        referrals.values("partnership", "front_door")
        .annotate(**front_door_counts)
        .annotate(
            partnership__name=name_of(Partnership, "partnership"),
            front_door__name=name_of(Agency, "front_door"),
        )
        .order_by("partnership__name", "front_door__name"),
        ("partnership__name", "front_door__name"),
        front_door_counts,
    )
    several = len({row["partnership__name"] for row in by_front_door}) > 1
    for row in by_front_door:
        row["label"] = row["front_door__name"] + (
            f" ({row['partnership__name']})" if several else ""
        )
        row["decided_late"] = row["decided"] - row["decided_on_time"]
        row["waiting_in_time"] = row["waiting"] - row["overdue"]
        for name in ("assessments", "conferences"):
            done = row[f"{name}_on_time"] + row[f"{name}_late"]
            row[f"{name}_done"] = done
            row[f"{name}_on_time_percent"] = (
                round(100 * row[f"{name}_on_time"] / done) if done else None
            )
    labels = dict(Decision.choices)
    decisions = [
        {**row, "label": labels[row["decision"]]}
        for row in referrals.filter(status=ReferralStatus.DECIDED)
        .values("decision")
        .annotate(count=Count("pk"))
        .order_by("-count", "decision")
    ]
    category_labels = dict(Category.choices)
    categories = [
        {**row, "label": category_labels[row["category"]]}
        for row in selectors.category_counts(referrals)
    ]
    quality_counts = {
        "rated": Count("pk"),
        "good": Count("pk", filter=Q(quality_rating=QualityRating.GOOD)),
        "adequate": Count("pk", filter=Q(quality_rating=QualityRating.ADEQUATE)),
        "poor": Count("pk", filter=Q(quality_rating=QualityRating.POOR)),
    }
    quality = by_agency(
        referrals.exclude(quality_rating="")
        .values("referrer_agency")
        .annotate(**quality_counts)
        .annotate(referrer_agency__name=name_of(Agency, "referrer_agency"))
        .order_by("referrer_agency__name", "referrer_agency"),
        "referrer_agency",
        "referrer_agency__name",
        quality_counts,
    )
    charts = [
        _series_chart(
            "referrals-by-front-door",
            "Referrals and decisions by front door",
            "Front door",
            by_front_door,
            [
                ("decided_on_time", "Decided within 1 working day"),
                ("decided_late", "Decided late"),
                ("waiting_in_time", "Waiting, still in time"),
                ("overdue", "Waiting, past the deadline"),
            ],
            label="label",
            empty="No referrals yet.",
            wide=True,
        ),
        *(
            _series_chart(
                f"referral-{name}",
                f"{title} by front door",
                "Front door",
                [row for row in by_front_door if row[f"{name}_started"]],
                [
                    (f"{name}_on_time", f"{done} within {days} working days"),
                    (f"{name}_late", f"{done} late"),
                    (f"{name}_open", "Open, still in time"),
                    (f"{name}_overdue", "Open, overdue"),
                ],
                label="label",
                empty=empty,
                wide=True,
            )
            for name, title, done, days, empty in (
                (
                    "assessments",
                    "Child and family assessments",
                    "Completed",
                    selectors.ASSESSMENT.days,
                    "No decisions have led to an assessment yet.",
                ),
                (
                    "conferences",
                    "Initial child protection conferences",
                    "Held",
                    selectors.CONFERENCE.days,
                    "No strategy discussions recorded yet.",
                ),
            )
        ),
        _counts_chart(
            "referral-decisions", "Decisions", "Decision", decisions, empty="None decided yet."
        ),
        _counts_chart("referral-categories", "Kinds of harm", "Kind of harm", categories),
        _series_chart(
            "referral-quality",
            "Quality of referrals by referring agency (for training)",
            "Agency",
            quality,
            [("good", "Good"), ("adequate", "Adequate"), ("poor", "Poor")],
            label="referrer_agency__name",
            empty="No referrals rated yet.",
        ),
    ]
    return {"by_front_door": by_front_door, "charts": charts}


def _counted_by_agency(rows, agency: str, **counts) -> list[dict]:
    """Rows counted by an agency, most `count` first, named in `<agency>__name`, told apart."""
    name = f"{agency}__name"
    return by_agency(
        rows.values(agency)
        .annotate(**counts)
        .annotate(**{name: name_of(Agency, agency)})
        .order_by("-count", name, agency),
        agency,
        name,
        counts,
    )


def escalation_dashboard(partnerships, period) -> dict:
    """Escalations of the partnerships (read): those open now by stage and age, however long
    ago they were raised; those raised in the period by outcome, theme and the agencies
    disputed and raising; and the good practice recorded in the period.

    Counting every escalation ever raised grew with the years kept (the largest partnership's
    13,930 took 42 ms of SQL a visit). Counted once, then read from the cache until a counted
    record of one of the partnerships changes (their `figures_version`) or the day ends.
    """
    return _cached_figures("escalation-dashboard", partnerships, period, _count_escalations)


def _count_escalations(partnerships, period, today) -> dict:
    raised = raised_escalations(partnerships, period)
    by_stage = [
        {**row, "label": f"Stage {row['stage']}"}
        for row in Escalation.objects.filter(
            partnership__in=partnerships, status=EscalationStatus.OPEN
        )
        .values("stage")
        .annotate(
            count=Count("pk"),
            under_a_week=Count("pk", filter=Q(created_at__date__gt=today - timedelta(days=7))),
            over_four_weeks=Count("pk", filter=Q(created_at__date__lte=today - timedelta(days=28))),
            stage_overdue=Count("pk", filter=Q(stage_due_on__lt=today)),
        )
        .order_by("stage")
    ]
    resolution_labels = dict(EscalationResolution.choices)
    outcomes = [
        {
            **row,
            "label": resolution_labels[row["resolution"]],
            "average_stage": round(row["average_stage"], 1),
        }
        for row in raised.filter(status=EscalationStatus.RESOLVED)
        .values("resolution")
        .annotate(count=Count("pk"), average_stage=Avg("stage"))
        .order_by("-count", "resolution")
    ]
    theme_labels = dict(EscalationTheme.choices)
    open_ = Count("pk", filter=Q(status=EscalationStatus.OPEN))
    themes = [
        {**row, "label": theme_labels[row["theme"]], "closed": row["count"] - row["open"]}
        for row in raised.values("theme")
        .annotate(count=Count("pk"), open=open_)
        .order_by("-count", "theme")
    ]
    against = [
        {**row, "closed": row["count"] - row["open"]}
        for row in _counted_by_agency(raised, "against_agency", count=Count("pk"), open=open_)
    ]
    raised_by = _counted_by_agency(raised, "raised_by_agency", count=Count("pk"))
    good_practice = _counted_by_agency(
        good_practice_recorded(partnerships, period), "agency", count=Count("pk")
    )
    open_and_resolved = [("open", "Open"), ("closed", "Resolved")]
    charts = [
        _series_chart(
            "escalations-by-stage",
            "Escalations open now, by stage and age",
            "Stage",
            by_stage,
            [
                ("count", "Open"),
                ("under_a_week", "Raised in the last week"),
                ("over_four_weeks", "Open over 4 weeks"),
                ("stage_overdue", "Stage response overdue"),
            ],
            label="label",
            stacked=False,
            empty="No open escalations.",
        ),
        chart(
            "escalation-outcomes",
            "Outcomes of escalations raised in the period",
            ["Outcome", "Resolved", "Average stage reached"],
            [[row["label"], row["count"], row["average_stage"]] for row in outcomes],
            labels=[row["label"] for row in outcomes],
            datasets=[{"label": "Resolved", "data": [row["count"] for row in outcomes]}],
            empty="None resolved yet.",
        ),
        _series_chart(
            "escalation-themes",
            "Themes of escalations raised in the period",
            "Theme",
            themes,
            open_and_resolved,
            label="label",
        ),
        _series_chart(
            "escalations-against",
            "Agencies whose decisions were disputed in the period",
            "Agency",
            against,
            open_and_resolved,
            label="against_agency__name",
        ),
        _counts_chart(
            "escalations-raised-by",
            "Agencies that raised escalations in the period",
            "Agency",
            raised_by,
            label="raised_by_agency__name",
        ),
        _counts_chart(
            "escalation-good-practice",
            "Good practice recorded in the period",
            "Agency",
            good_practice,
            label="agency__name",
            empty="None recorded yet.",
        ),
    ]
    return {"charts": charts}
