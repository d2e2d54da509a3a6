"""The interagency indicators: how well the partnership's agencies work together, for a period.

Every figure is counted in the database with a few aggregate queries, whatever the number of
rows, and split by calendar quarter so trends show. Functions are reads: they take a
partnership and a period and leave the permission question to the caller (only aggregates come
out, never a child's identity). A partnership's figures are cached under its `figures_version`,
which `figures_changed()` replaces in the same transaction as any change to a counted record
(`partnerships.signals`), so a cached figure is never older than the data.

A deadline indicator counts the items whose clock started in the period: *met* (done by the
deadline), *missed* (done late, or not done and the deadline has passed) and *pending* (not
done, still in time). The percentage is met out of met + missed, so work still in time neither
helps nor harms the figure.
"""

from __future__ import annotations

import datetime
import hashlib
import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import TruncQuarter
from django.utils import timezone

from audits.choices import GOOD_OR_BETTER, Grade, Rating, SelfAssessmentKind
from audits.choices import ReturnStatus as AuditReturnStatus
from audits.models import AuditReturn, SelfAssessmentRound, StandardRating
from referrals.choices import Decision, EscalationResolution, EscalationStatus, ReferralStatus
from referrals.models import Escalation, GoodPractice, Referral
from referrals.selectors import ASSESSMENT, CONFERENCE, Clock
from reviews.models import PracticeReview, RapidReview, SeriousIncident
from safeguarding.charts import chart as _chart
from safeguarding.working_days import FIRST_YEAR, LAST_YEAR

from .choices import OPEN_ACTION_STATUSES, ActionStatus, IndicatorKey
from .models import Action, Agency, Partnership

SMALL_NUMBER = 5  # counts below this are never shown outside the partnership
FIGURES_CACHE_SECONDS = 24 * 60 * 60  # today is part of the key: pending work turns overdue


OUT_OF_RANGE = f"Give a date in the years {FIRST_YEAR} to {LAST_YEAR}."


def period_date_errors(start, end) -> dict[str, str]:
    """Field messages for the ends of a period outside the years the service takes, if any."""
    return {
        name: OUT_OF_RANGE
        for name, day in (("start", start), ("end", end))
        if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR
    }


@dataclass(frozen=True)
class Period:
    """A span of whole days, both ends included."""

    start: datetime.date
    end: datetime.date

    def aware_bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """[start of the first day, start of the day after the last) in the site's time zone."""
        tz = timezone.get_current_timezone()
        start = datetime.datetime.combine(self.start, datetime.time.min, tzinfo=tz)
        end = datetime.datetime.combine(
            self.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
        )
        return start, end

    def quarters(self) -> list[str]:
        labels, year, quarter = [], self.start.year, (self.start.month - 1) // 3
        while (year, quarter) <= (self.end.year, (self.end.month - 1) // 3):
            labels.append(f"{year} Q{quarter + 1}")
            year, quarter = (year + 1, 0) if quarter == 3 else (year, quarter + 1)
        return labels


def default_period(today=None) -> Period:
    """The last 12 months, ending today."""
    today = today or timezone.localdate()
    # On 29 February a year back is 28 February: the 12 months start on 1 March.
    a_year_back = today.replace(
        year=today.year - 1, day=min(today.day, 28 if today.month == 2 else 31)
    )
    return Period(a_year_back + datetime.timedelta(days=1), today)


def quarter_label(value) -> str:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return f"{value.year} Q{(value.month - 1) // 3 + 1}"


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _in_period(field: str, period: Period, *, datetime_field: bool = False) -> Q:
    # Half-open bounds on the raw column keep the (partnership, date) indexes usable.
    if datetime_field:
        start, end = period.aware_bounds()
        return Q(**{f"{field}__gte": start, f"{field}__lt": end})
    return Q(**{f"{field}__gte": period.start, f"{field}__lte": period.end})


def _by_quarter(period: Period, rows, *, fields: tuple[str, ...]) -> list[dict]:
    """Every quarter of the period in order, with zero where nothing happened."""
    found = {quarter_label(row["quarter"]): row for row in rows}
    return [
        {"quarter": label, **{f: found.get(label, {}).get(f, 0) for f in fields}}
        for label in period.quarters()
    ]


def _met_and_missed(*, done: str, due: str, today) -> tuple[Q, Q]:
    met = Q(**{f"{done}__lte": F(due)})
    missed = Q(**{f"{done}__gt": F(due)}) | Q(**{f"{done}__isnull": True, f"{due}__lt": today})
    return met, missed


def timeliness(
    queryset, *, done: str, due: str, today, anchor: str = "", group_by: str = "quarter"
):
    """Met, missed and pending counts of a deadline, grouped by quarter of `anchor` (or a field).

    `done` may be a date lookup such as "decided_at__date" so a timestamp is compared with a
    due date in SQL.
    """
    met, missed = _met_and_missed(done=done, due=due, today=today)
    if group_by == "quarter":
        queryset = queryset.annotate(quarter=TruncQuarter(anchor))
    return (
        queryset.values(group_by)
        .annotate(
            total=Count("pk"),
            met=Count("pk", filter=met),
            missed=Count("pk", filter=missed),
        )
        .order_by(group_by)
    )


def _timeliness_summary(period: Period, rows) -> dict:
    quarters = _by_quarter(period, rows, fields=("total", "met", "missed"))
    for row in quarters:
        row["pending"] = row["total"] - row["met"] - row["missed"]
        row["percent"] = percent(row["met"], row["met"] + row["missed"])
    total = {f: sum(q[f] for q in quarters) for f in ("total", "met", "missed", "pending")}
    total["percent"] = percent(total["met"], total["met"] + total["missed"])
    return {**total, "by_quarter": quarters}


# ---------------------------------------------------------------------------
# Querysets: the rows each indicator counts, for one partnership or many


def received_referrals(partnerships, period: Period):
    return Referral.objects.filter(
        _in_period("received_at", period, datetime_field=True), partnership__in=partnerships
    ).exclude(status=ReferralStatus.DRAFT)


def incidents(partnerships, period: Period):
    return SeriousIncident.objects.filter(
        _in_period("became_aware_on", period), partnership__in=partnerships
    )


def rapid_reviews(partnerships, period: Period):
    return RapidReview.objects.filter(
        _in_period("clock_started_on", period), partnership__in=partnerships
    )


def practice_reviews(partnerships, period: Period):
    return PracticeReview.objects.filter(
        _in_period("decided_on", period), partnership__in=partnerships
    )


def submitted_audit_returns(partnerships, period: Period):
    return AuditReturn.objects.filter(
        _in_period("submitted_at", period, datetime_field=True),
        audit__partnership__in=partnerships,
        status=AuditReturnStatus.SUBMITTED,
    ).exclude(grade="")


def section_11_ratings(partnerships, period: Period):
    """Ratings in Section 11 returns submitted in the period by agencies a partnership invited.

    A self-assessment is shared by every partnership that invited the agency that year, so it
    counts for each of them.
    """
    invited = SelfAssessmentRound.objects.filter(
        partnership__in=partnerships,
        kind=OuterRef("assessment__kind"),
        year=OuterRef("assessment__year"),
        agencies=OuterRef("assessment__agency"),
    )
    return StandardRating.objects.filter(
        _in_period("assessment__submitted_at", period, datetime_field=True),
        Exists(invited),
        assessment__kind=SelfAssessmentKind.S11,
        assessment__status=AuditReturnStatus.SUBMITTED,
    ).exclude(rating="")


def escalations(partnerships, period: Period):
    return Escalation.objects.filter(
        _in_period("created_at", period, datetime_field=True), partnership__in=partnerships
    )


def good_practice_recorded(partnerships, period: Period):
    return GoodPractice.objects.filter(
        _in_period("recorded_at", period, datetime_field=True),
        escalation__partnership__in=partnerships,
    )


def actions_due(partnerships, period: Period):
    return Action.objects.filter(_in_period("due_on", period), partnership__in=partnerships)


# ---------------------------------------------------------------------------
# One partnership's indicators


def name_of(model, key: str) -> Subquery:
    """The name of the agency (or partnership) a group is keyed by, read once a group.

    Grouping by the name instead sorted every row by it, with the locale's collation, before
    counting: for a large partnership's year that cost more than reading the rows.
    """
    return Subquery(model.objects.filter(pk=OuterRef(key)).order_by().values("name"))


def told_apart(names: dict[int, str]) -> dict[int, str]:
    """Agencies' names by key, a name two of them share followed by each one's reference (two
    schools may share a name, never a URN). One query, and only when a name is shared."""
    keys_by_name: dict[str, list[int]] = {}
    for key, name in names.items():
        keys_by_name.setdefault(name, []).append(key)
    shared = [key for keys in keys_by_name.values() if len(keys) > 1 for key in keys]
    if not shared:
        return names
    agencies = Agency.objects.only("urn", "ods_code", "gss_code").in_bulk(shared)
    return {
        key: f"{name} ({agencies[key].reference})" if key in agencies else name
        for key, name in names.items()
    }


def by_agency(rows, key: str, name: str, counts) -> list[dict]:
    """Groups made by an agency's key, in the order read, with their counts summed: each
    labelled by the agency's name, told apart from another's of the same name."""
    summed: dict[int, dict] = {}
    for row in rows:
        into = summed.setdefault(row[key], {name: row[name], **dict.fromkeys(counts, 0)})
        for field in counts:
            into[field] += row[field]
    return told_apart_groups(summed, name)


def told_apart_groups(groups: dict[int, dict], name: str) -> list[dict]:
    """Groups by agency key, in order, each with its agency's name (in `name`) told apart."""
    labels = told_apart({key: group[name] for key, group in groups.items()})
    for key, group in groups.items():
        group[name] = labels[key]
    return list(groups.values())


def summed_by_name(rows, names: tuple[str, ...], counts) -> list[dict]:
    """Groups made by key, summed into one for each set of names, in the order read: the front
    doors, named by their council and its partnership (`by_agency` tells agencies apart)."""
    summed: dict[tuple, dict] = {}
    for row in rows:
        into = summed.setdefault(
            tuple(row[name] for name in names),
            {**{name: row[name] for name in names}, **dict.fromkeys(counts, 0)},
        )
        for field in counts:
            into[field] += row[field]
    return list(summed.values())


def _clock_counts(name: str, clock: Clock, today) -> dict:
    """A referral clock's counts (referrals.selectors.Clock), as `<name>_total`, `_met` and
    `_missed`: those started and needed (a conference found not needed is none of them)."""
    needed = Q(**{f"{clock.due}__isnull": False})
    if clock.not_needed:
        needed &= Q(**{f"{clock.not_needed}__isnull": True})
    met, missed = _met_and_missed(done=clock.done, due=clock.due, today=today)
    return {
        f"{name}_total": Count("pk", filter=needed),
        f"{name}_met": Count("pk", filter=needed & met),
        f"{name}_missed": Count("pk", filter=needed & missed),
    }


def referral_counts(partnership, period: Period, *, today) -> list[dict]:
    """The period's referrals in one grouped pass: by quarter, referring agency and decision,
    each group with its decisions made in time or late, its repeat referrals, and the
    assessments and conferences its decisions led to, in time or late.

    Grouped by the agency's key, which the covering index holds. With the statistics of these
    groups (migration referrals.0009) PostgreSQL expects a few thousand groups, not one a row, and
    hashes them instead of sorting.
    """
    met, missed = _met_and_missed(done="decided_at__date", due="decision_due_on", today=today)
    return list(
        received_referrals([partnership.pk], period)
        .annotate(quarter=TruncQuarter("received_at"))
        .values("quarter", "referrer_agency", "decision")
        .annotate(
            total=Count("pk"),
            met=Count("pk", filter=met),
            missed=Count("pk", filter=missed),
            repeats=Count("pk", filter=Q(is_repeat=True)),
            **_clock_counts("assessments", ASSESSMENT, today),
            **_clock_counts("conferences", CONFERENCE, today),
        )
        .annotate(agency_name=name_of(Agency, "referrer_agency"))
        .order_by("quarter", "agency_name", "decision")
    )


def _sum_by_quarter(rows: list[dict], fields: tuple[str, ...]) -> list[dict]:
    quarters: dict = {}
    for row in rows:
        summed = quarters.setdefault(row["quarter"], {"quarter": row["quarter"]})
        for f in fields:
            summed[f] = summed.get(f, 0) + row[f]
    return list(quarters.values())


def referrals_by_agency_and_outcome(period: Period, rows: list[dict]) -> dict:
    outcomes = {value: label for value, label in Decision.choices}
    agencies: dict[int, dict] = {}
    for row in sorted(rows, key=lambda r: (r["agency_name"], r["referrer_agency"], r["decision"])):
        agency = agencies.setdefault(
            row["referrer_agency"], {"agency": row["agency_name"], "total": 0, "outcomes": {}}
        )
        agency["total"] += row["total"]
        outcome = row["decision"] or "awaiting_decision"
        agency["outcomes"][outcome] = agency["outcomes"].get(outcome, 0) + row["total"]
    return {
        "total": sum(a["total"] for a in agencies.values()),
        "outcome_labels": {**outcomes, "awaiting_decision": "Awaiting a decision"},
        "by_agency": told_apart_groups(agencies, "agency"),
        "by_quarter": _by_quarter(period, _sum_by_quarter(rows, ("total",)), fields=("total",)),
    }


def front_door_timeliness(period: Period, rows: list[dict]) -> dict:
    return _timeliness_summary(period, _sum_by_quarter(rows, ("total", "met", "missed")))


def clock_timeliness(period: Period, rows: list[dict], name: str) -> dict:
    """The assessments' or the conferences' timeliness (`_clock_counts`), by quarter received."""
    fields = ("total", "met", "missed")
    quarters = _sum_by_quarter(rows, tuple(f"{name}_{f}" for f in fields))
    return _timeliness_summary(
        period,
        [{"quarter": q["quarter"], **{f: q[f"{name}_{f}"] for f in fields}} for q in quarters],
    )


def repeat_referrals(period: Period, rows: list[dict]) -> dict:
    fields = ("total", "repeats")
    quarters = _by_quarter(period, _sum_by_quarter(rows, fields), fields=fields)
    for row in quarters:
        row["percent"] = percent(row["repeats"], row["total"])
    total = sum(q["total"] for q in quarters)
    repeats = sum(q["repeats"] for q in quarters)
    return {
        "total": total,
        "repeats": repeats,
        "percent": percent(repeats, total),
        "by_quarter": quarters,
    }


def notification_timeliness(partnership, period: Period, *, today=None) -> dict:
    rows = timeliness(
        incidents([partnership.pk], period),
        anchor="became_aware_on",
        done="notified_on",
        due="notification_due_on",
        today=today or timezone.localdate(),
    )
    return _timeliness_summary(period, rows)


def rapid_review_timeliness(partnership, period: Period, *, today=None) -> dict:
    # Against the original 15 working days: an agreed extension explains lateness, it does
    # not make a review on time.
    rows = timeliness(
        rapid_reviews([partnership.pk], period),
        anchor="clock_started_on",
        done="submitted_on",
        due="original_due_on",
        today=today or timezone.localdate(),
    )
    return _timeliness_summary(period, rows)


def practice_review_timeliness(partnership, period: Period, *, today=None) -> dict:
    rows = timeliness(
        practice_reviews([partnership.pk], period),
        anchor="decided_on",
        done="published_on",
        due="target_publication_on",
        today=today or timezone.localdate(),
    )
    return _timeliness_summary(period, rows)


def audit_grades_by_agency(partnership, period: Period) -> dict:
    returns = submitted_audit_returns([partnership.pk], period)
    rows = (
        returns.values("agency", "grade")
        .annotate(count=Count("pk"))
        .annotate(agency_name=name_of(Agency, "agency"))
        .order_by("agency_name", "agency", "grade")
    )
    agencies: dict[int, dict] = {}
    for row in rows:
        agency = agencies.setdefault(
            row["agency"],
            {"agency": row["agency_name"], "total": 0, "grades": dict.fromkeys(Grade.values, 0)},
        )
        agency["grades"][row["grade"]] += row["count"]
        agency["total"] += row["count"]
    quarterly = (
        returns.annotate(quarter=TruncQuarter("submitted_at"))
        .values("quarter")
        .annotate(total=Count("pk"), good=Count("pk", filter=Q(grade__in=GOOD_OR_BETTER)))
        .order_by("quarter")
    )
    quarters = _by_quarter(period, quarterly, fields=("total", "good"))
    for row in quarters:
        row["percent"] = percent(row["good"], row["total"])
    total = sum(q["total"] for q in quarters)
    good = sum(q["good"] for q in quarters)
    return {
        "total": total,
        "good_or_better": good,
        "percent": percent(good, total),
        "grade_labels": dict(Grade.choices),
        "by_agency": told_apart_groups(agencies, "agency"),
        "by_quarter": quarters,
    }


def section_11_results(partnership, period: Period) -> dict:
    rows = (
        section_11_ratings([partnership.pk], period)
        .values("code", "rating")
        .annotate(count=Count("pk"))
        .order_by("code", "rating")
    )
    by_standard: dict[str, dict] = {}
    for row in rows:
        standard = by_standard.setdefault(
            row["code"], {"code": row["code"], "ratings": dict.fromkeys(Rating.values, 0)}
        )
        standard["ratings"][row["rating"]] = row["count"]
    # Standards in their own order: s11-2 before s11-10.
    standards = sorted(by_standard.values(), key=lambda s: _natural_key(s["code"]))
    total = sum(sum(s["ratings"].values()) for s in standards)
    met = sum(s["ratings"][Rating.MET] for s in standards)
    return {
        "total": total,
        "met": met,
        "percent": percent(met, total),
        "rating_labels": dict(Rating.choices),
        "by_standard": standards,
    }


def _natural_key(code: str):
    head, _, number = code.rpartition("-")
    return (head, int(number)) if number.isascii() and number.isdigit() else (code, 0)


def escalations_by_stage_and_outcome(partnership, period: Period) -> dict:
    found = escalations([partnership.pk], period)
    rows = (
        found.values("stage", "status", "resolution")
        .annotate(count=Count("pk"))
        .order_by("stage", "status", "resolution")
    )
    outcomes = {"open": "Still open", **dict(EscalationResolution.choices)}
    by_stage: dict[int, dict] = {}
    for row in rows:
        stage = by_stage.setdefault(
            row["stage"],
            {"stage": row["stage"], "total": 0, "outcomes": dict.fromkeys(outcomes, 0)},
        )
        outcome = "open" if row["status"] == EscalationStatus.OPEN else row["resolution"]
        stage["outcomes"][outcome] += row["count"]
        stage["total"] += row["count"]
    quarterly = (
        found.annotate(quarter=TruncQuarter("created_at"))
        .values("quarter")
        .annotate(
            total=Count("pk"), resolved=Count("pk", filter=Q(status=EscalationStatus.RESOLVED))
        )
        .order_by("quarter")
    )
    return {
        "total": sum(s["total"] for s in by_stage.values()),
        "outcome_labels": outcomes,
        "by_stage": list(by_stage.values()),
        "by_quarter": _by_quarter(period, quarterly, fields=("total", "resolved")),
    }


def actions_by_agency(partnership, period: Period, *, today=None) -> dict:
    """Actions due in the period, by owning agency: completed on time or late, overdue, open."""
    today = today or timezone.localdate()
    completed = Q(status=ActionStatus.COMPLETED)
    counts = {
        "total": Count("pk"),
        "on_time": Count("pk", filter=completed & Q(completed_on__lte=F("due_on"))),
        "late": Count("pk", filter=completed & Q(completed_on__gt=F("due_on"))),
        "overdue": Count("pk", filter=Q(status__in=OPEN_ACTION_STATUSES, due_on__lt=today)),
        "cancelled": Count("pk", filter=Q(status=ActionStatus.CANCELLED)),
    }
    found = actions_due([partnership.pk], period)
    by_owner = by_agency(
        found.values("owner_agency")
        .annotate(**counts)
        .annotate(agency=name_of(Agency, "owner_agency"))
        .order_by("agency", "owner_agency"),
        "owner_agency",
        "agency",
        counts,
    )
    for row in by_owner:
        row["open"] = row["total"] - row["on_time"] - row["late"] - row["overdue"]
        row["open"] -= row["cancelled"]
    quarterly = (
        found.annotate(quarter=TruncQuarter("due_on"))
        .values("quarter")
        .annotate(**counts)
        .order_by("quarter")
    )
    fields = ("total", "on_time", "late", "overdue", "cancelled")
    quarters = _by_quarter(period, quarterly, fields=fields)
    for row in quarters:
        row["percent"] = percent(row["on_time"], row["on_time"] + row["late"] + row["overdue"])
    totals = {f: sum(q[f] for q in quarters) for f in fields}
    totals["percent"] = percent(
        totals["on_time"], totals["on_time"] + totals["late"] + totals["overdue"]
    )
    return {**totals, "by_agency": by_owner, "by_quarter": quarters}


def figures_changed(partnership_ids=None) -> None:
    """The cached figures of these partnerships (of all, with None) are out of date.

    Called in the transaction that changes a counted record: the new version is seen exactly
    when the change is.
    """
    partnerships = Partnership.objects.all()
    if partnership_ids is not None:
        partnerships = partnerships.filter(pk__in=partnership_ids)
    partnerships.update(figures_version=uuid.uuid4())


def cached_figures(kind: str, versions, period: Period, today, count):
    """What `count()` gives, kept in the cache under the partnerships' (key, figures_version)
    pairs, the period and today: counted again once a counted record of one of them changes
    (`figures_changed`) or the day ends."""
    key = hashlib.sha256(repr((sorted(versions), period, today)).encode()).hexdigest()
    return cache.get_or_set(f"{kind}:{key}", count, FIGURES_CACHE_SECONDS)


def indicators_for(partnership, period: Period, *, today=None) -> dict:
    """Every indicator for the partnership and period, as plain data (for pages and the API),
    counted once and then read from the cache (`cached_figures`)."""
    today = today or timezone.localdate()
    version = Partnership.objects.filter(pk=partnership.pk).values_list(
        "figures_version", flat=True
    )
    figures = cached_figures(
        "indicators",
        [(partnership.pk, version.get())],
        period,
        today,
        lambda: _count_indicators(partnership, period, today),
    )
    return {"partnership": {"id": partnership.pk, "name": partnership.name}, **figures}


def _count_indicators(partnership, period: Period, today) -> dict:
    referrals = referral_counts(partnership, period, today=today)
    return {
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "quarters": period.quarters(),
        "referrals": referrals_by_agency_and_outcome(period, referrals),
        "front_door_decisions": front_door_timeliness(period, referrals),
        "repeat_referrals": repeat_referrals(period, referrals),
        "assessments": clock_timeliness(period, referrals, "assessments"),
        "conferences": clock_timeliness(period, referrals, "conferences"),
        "notifications": notification_timeliness(partnership, period, today=today),
        "rapid_reviews": rapid_review_timeliness(partnership, period, today=today),
        "practice_reviews": practice_review_timeliness(partnership, period, today=today),
        "audit_grades": audit_grades_by_agency(partnership, period),
        "section_11": section_11_results(partnership, period),
        "escalations": escalations_by_stage_and_outcome(partnership, period),
        "actions": actions_by_agency(partnership, period, today=today),
    }


# Where each headline percentage lives in `indicators_for()`'s answer.
HEADLINE_SOURCES = {
    IndicatorKey.FRONT_DOOR_TIMELINESS: "front_door_decisions",
    IndicatorKey.REPEAT_REFERRALS: "repeat_referrals",
    IndicatorKey.ASSESSMENT_TIMELINESS: "assessments",
    IndicatorKey.CONFERENCE_TIMELINESS: "conferences",
    IndicatorKey.NOTIFICATION_TIMELINESS: "notifications",
    IndicatorKey.RAPID_REVIEW_TIMELINESS: "rapid_reviews",
    IndicatorKey.PRACTICE_REVIEW_TIMELINESS: "practice_reviews",
    IndicatorKey.AUDIT_GOOD_OR_BETTER: "audit_grades",
    IndicatorKey.SECTION_11_MET: "section_11",
    IndicatorKey.ACTIONS_ON_TIME: "actions",
}


def headlines(indicators: dict, targets) -> list[dict]:
    """Each headline percentage with its trend and, where the partnership set one, its RAG."""
    targets = {t.indicator: t for t in targets}
    rows = []
    for key, source in HEADLINE_SOURCES.items():
        figures = indicators[source]
        target = targets.get(key)
        rows.append(
            {
                "key": key.value,
                "label": key.label,
                "percent": figures["percent"],
                "trend": [q.get("percent") for q in figures.get("by_quarter", [])],
                "target": target,
                "rag": target.rag(figures["percent"]) if target else None,
            }
        )
    return rows


# ---------------------------------------------------------------------------
# Regional benchmarking: aggregates only, small numbers suppressed


def suppressed(count: int, part: int | None = None) -> dict:
    """A count (and its percentage) safe to show outside the partnership.

    A count of 1 to 4 could point at a child, so it is shown as "fewer than 5" and no
    percentage is worked out from it. Nor is a percentage shown whose part, or what is left of
    the whole, is 1 to 4: "20% of 10" says 2.
    """
    if 0 < count < SMALL_NUMBER:
        return {"count": None, "percent": None, "suppressed": True, "percent_withheld": False}
    withheld = part is not None and any(0 < n < SMALL_NUMBER for n in (part, count - part))
    return {
        "count": count,
        "percent": None if part is None or withheld else percent(part, count),
        "suppressed": False,
        "percent_withheld": withheld,
    }


BENCHMARKS = (
    ("referrals", "Referrals received"),
    (IndicatorKey.FRONT_DOOR_TIMELINESS.value, IndicatorKey.FRONT_DOOR_TIMELINESS.label),
    (IndicatorKey.REPEAT_REFERRALS.value, IndicatorKey.REPEAT_REFERRALS.label),
    (IndicatorKey.ASSESSMENT_TIMELINESS.value, IndicatorKey.ASSESSMENT_TIMELINESS.label),
    (IndicatorKey.CONFERENCE_TIMELINESS.value, IndicatorKey.CONFERENCE_TIMELINESS.label),
    (IndicatorKey.NOTIFICATION_TIMELINESS.value, IndicatorKey.NOTIFICATION_TIMELINESS.label),
    (IndicatorKey.RAPID_REVIEW_TIMELINESS.value, IndicatorKey.RAPID_REVIEW_TIMELINESS.label),
    (IndicatorKey.PRACTICE_REVIEW_TIMELINESS.value, IndicatorKey.PRACTICE_REVIEW_TIMELINESS.label),
    (IndicatorKey.AUDIT_GOOD_OR_BETTER.value, IndicatorKey.AUDIT_GOOD_OR_BETTER.label),
    (IndicatorKey.ACTIONS_ON_TIME.value, IndicatorKey.ACTIONS_ON_TIME.label),
)


def benchmark(partnerships, period: Period, *, today=None) -> list[dict]:
    """Headline figures for each partnership side by side: one grouped query per figure."""
    today = today or timezone.localdate()
    ids = [p.pk for p in partnerships]
    figures: dict[int, dict] = {pk: {} for pk in ids}

    def put(key, rows, *, group, whole, part=None):
        for row in rows:
            figures[row[group]][key] = suppressed(row[whole], row[part] if part else None)

    referrals = received_referrals(ids, period)
    repeat = (
        referrals.values("partnership")
        .annotate(total=Count("pk"), repeats=Count("pk", filter=Q(is_repeat=True)))
        .order_by("partnership")
    )
    for row in repeat:
        figures[row["partnership"]]["referrals"] = suppressed(row["total"])
    put(IndicatorKey.REPEAT_REFERRALS, repeat, group="partnership", whole="total", part="repeats")

    deadlines = (
        (IndicatorKey.FRONT_DOOR_TIMELINESS, referrals, "decided_at__date", "decision_due_on"),
        (IndicatorKey.ASSESSMENT_TIMELINESS, referrals, ASSESSMENT.done, ASSESSMENT.due),
        (
            IndicatorKey.CONFERENCE_TIMELINESS,
            referrals.filter(**{f"{CONFERENCE.not_needed}__isnull": True}),
            CONFERENCE.done,
            CONFERENCE.due,
        ),
        (
            IndicatorKey.NOTIFICATION_TIMELINESS,
            incidents(ids, period),
            "notified_on",
            "notification_due_on",
        ),
        (
            IndicatorKey.RAPID_REVIEW_TIMELINESS,
            rapid_reviews(ids, period),
            "submitted_on",
            "original_due_on",
        ),
        (
            IndicatorKey.PRACTICE_REVIEW_TIMELINESS,
            practice_reviews(ids, period),
            "published_on",
            "target_publication_on",
        ),
    )
    for key, queryset, done, due in deadlines:
        rows = timeliness(
            queryset, done=done, due=due, today=today, group_by="partnership"
        ).annotate(decided=F("met") + F("missed"))
        put(key, rows, group="partnership", whole="decided", part="met")

    audits = (
        submitted_audit_returns(ids, period)
        .values("audit__partnership")
        .annotate(total=Count("pk"), good=Count("pk", filter=Q(grade__in=GOOD_OR_BETTER)))
        .order_by("audit__partnership")
    )
    put(
        IndicatorKey.AUDIT_GOOD_OR_BETTER,
        audits,
        group="audit__partnership",
        whole="total",
        part="good",
    )

    completed = Q(status=ActionStatus.COMPLETED)
    actions = (
        actions_due(ids, period)
        .values("partnership")
        .annotate(
            on_time=Count("pk", filter=completed & Q(completed_on__lte=F("due_on"))),
            judged=Count(
                "pk",
                filter=completed | Q(status__in=OPEN_ACTION_STATUSES, due_on__lt=today),
            ),
        )
        .order_by("partnership")
    )
    put(IndicatorKey.ACTIONS_ON_TIME, actions, group="partnership", whole="judged", part="on_time")

    nothing = suppressed(0)
    return [
        {
            "partnership": {"id": p.pk, "name": p.name},
            "figures": {key: figures[p.pk].get(key, nothing) for key, _ in BENCHMARKS},
        }
        for p in partnerships
    ]


# ---------------------------------------------------------------------------
# Charts, each with the table that carries the same figures


def _blank(value):
    return "No figure" if value is None else value


def charts(figures: dict) -> list[dict]:
    """The dashboard's charts: Chart.js data and an accessible table for each."""
    quarters = figures["quarters"]
    result = []

    referrals = figures["referrals"]
    outcomes = referrals["outcome_labels"]
    used = [k for k in outcomes if any(k in a["outcomes"] for a in referrals["by_agency"])]
    agencies = referrals["by_agency"]
    result.append(
        _chart(
            "referrals-by-agency",
            "Referrals by referring agency and outcome",
            ["Agency", *[outcomes[k] for k in used], "Total"],
            [[a["agency"], *[a["outcomes"].get(k, 0) for k in used], a["total"]] for a in agencies],
            labels=[a["agency"] for a in agencies],
            datasets=[
                {"label": outcomes[k], "data": [a["outcomes"].get(k, 0) for a in agencies]}
                for k in used
            ],
        )
    )

    timely = [(key.label, HEADLINE_SOURCES[key]) for key in IndicatorKey]
    result.append(
        _chart(
            "trends",
            "Percentages by quarter",
            ["Indicator", *quarters],
            [
                [label, *[_blank(q["percent"]) for q in figures[source]["by_quarter"]]]
                for label, source in timely
                if "by_quarter" in figures[source]
            ],
            labels=quarters,
            datasets=[
                {"label": label, "data": [q["percent"] for q in figures[source]["by_quarter"]]}
                for label, source in timely
                if "by_quarter" in figures[source]
            ],
            kind="line",
            stacked=False,
        )
    )

    audits = figures["audit_grades"]
    grades = audits["grade_labels"]
    result.append(
        _chart(
            "audit-grades",
            "Audit grades by agency",
            ["Agency", *grades.values(), "Total"],
            [[a["agency"], *a["grades"].values(), a["total"]] for a in audits["by_agency"]],
            labels=[a["agency"] for a in audits["by_agency"]],
            datasets=[
                {"label": label, "data": [a["grades"][g] for a in audits["by_agency"]]}
                for g, label in grades.items()
            ],
        )
    )

    s11 = figures["section_11"]
    ratings = s11["rating_labels"]
    result.append(
        _chart(
            "section-11",
            "Section 11 ratings by standard",
            ["Standard", *ratings.values()],
            [[s["code"], *s["ratings"].values()] for s in s11["by_standard"]],
            labels=[s["code"] for s in s11["by_standard"]],
            datasets=[
                {"label": label, "data": [s["ratings"][r] for s in s11["by_standard"]]}
                for r, label in ratings.items()
            ],
        )
    )

    escalations = figures["escalations"]
    stage_outcomes = escalations["outcome_labels"]
    stages = escalations["by_stage"]
    result.append(
        _chart(
            "escalations",
            "Escalations by highest stage reached and outcome",
            ["Stage", *stage_outcomes.values(), "Total"],
            [[f"Stage {s['stage']}", *s["outcomes"].values(), s["total"]] for s in stages],
            labels=[f"Stage {s['stage']}" for s in stages],
            datasets=[
                {"label": label, "data": [s["outcomes"][o] for s in stages]}
                for o, label in stage_outcomes.items()
            ],
        )
    )

    actions = figures["actions"]["by_agency"]
    states = (
        ("on_time", "Completed on time"),
        ("late", "Completed late"),
        ("overdue", "Overdue"),
        ("open", "Open, not yet due"),
    )
    result.append(
        _chart(
            "actions",
            "Actions due in the period, by owning agency",
            ["Agency", *[label for _, label in states], "Total"],
            [[a["agency"], *[a[s] for s, _ in states], a["total"]] for a in actions],
            labels=[a["agency"] for a in actions],
            datasets=[{"label": label, "data": [a[s] for a in actions]} for s, label in states],
        )
    )
    return result
