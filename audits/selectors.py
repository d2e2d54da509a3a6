"""Reads of audits and self-assessments, always through the permission layer."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q

from partnerships.choices import PARTNER_ROLES, Role
from partnerships.indicators import percent
from partnerships.selectors import actions_visible_to
from safeguarding import permissions

from .choices import GOOD_OR_BETTER, Grade, Rating, ReturnStatus
from .models import (
    Audit,
    AuditCase,
    AuditReturn,
    ChallengeEvent,
    SelfAssessment,
    SelfAssessmentRound,
    StandardRating,
)


def audits_visible_to(user):
    return permissions.restrict(Audit.objects.all(), user).select_related("partnership")


def returns_visible_to(user):
    return permissions.restrict(AuditReturn.objects.all(), user).select_related(
        "audit", "case", "agency"
    )


def sees_case_detail(user, audit: Audit) -> bool:
    """Whether a person sees case references and agencies' own words, not only aggregates.

    The business team, the safeguarding partners and participating agencies' staff do; a
    scrutineer sees grade distributions and findings only, also one a participating agency
    employs.
    """
    if user.is_superuser:
        return True
    if permissions.has_role(user, audit.partnership, Role.BUSINESS_TEAM, *PARTNER_ROLES):
        return True
    if not user.agency_id or permissions.scrutinises_only(user):
        return False
    return audit.agencies.filter(pk=user.agency_id).exists()


@dataclass
class GradeRow:
    """One line of the results table: how many returns gave each grade."""

    label: str
    agency_id: int | None = None
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Grade.values, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def good_or_better(self) -> float | None:
        """Percentage of returns graded good or outstanding, as the indicators round it."""
        return percent(sum(self.counts[g] for g in GOOD_OR_BETTER), self.total)

    def cells(self) -> list[int]:
        return [self.counts[g] for g in Grade.values]


@dataclass
class AuditResults:
    audit: Audit
    agencies: list[GradeRow]
    overall: GradeRow
    agreed: GradeRow
    previous: AuditResults | None = None

    def chart_data(self) -> dict:
        return {
            "labels": [row.label for row in self.agencies],
            "datasets": [
                {"label": label, "data": [row.counts[value] for row in self.agencies]}
                for value, label in Grade.choices
            ],
        }

    def as_dict(self) -> dict:
        def row(r: GradeRow) -> dict:
            return {"agency": r.agency_id, "name": r.label, **r.counts, "total": r.total}

        return {
            "audit": self.audit.pk,
            "theme": self.audit.theme,
            "agencies": [row(r) for r in self.agencies],
            "overall": row(self.overall),
            "agreed": row(self.agreed),
            "previous": self.previous
            and {
                "audit": self.previous.audit.pk,
                "title": self.previous.audit.title,
                "overall": row(self.previous.overall),
            },
        }


def audit_results(audit: Audit, user=None, *, with_previous: bool = True) -> AuditResults:
    """Submitted grades by agency and overall, and the agreed grades, counted in the database.

    With a user, also the previous audit on the theme that the user may see; without one, none:
    an earlier audit is only ever compared for someone allowed to open it.
    """
    rows = (
        AuditReturn.objects.filter(audit=audit, status=ReturnStatus.SUBMITTED)
        .values("agency_id", "agency__name", "grade")
        .annotate(n=Count("pk"))
        .order_by("agency__name")
    )
    by_agency: dict[int, GradeRow] = {
        a.pk: GradeRow(a.name, a.pk) for a in audit.agencies.order_by("name")
    }
    overall = GradeRow("All agencies")
    for row in rows:
        agency_row = by_agency.setdefault(
            row["agency_id"], GradeRow(row["agency__name"], row["agency_id"])
        )
        agency_row.counts[row["grade"]] += row["n"]
        overall.counts[row["grade"]] += row["n"]
    agreed = GradeRow("Agreed at moderation")
    agreed_counts = AuditCase.objects.filter(audit=audit).aggregate(
        **{g: Count("pk", filter=Q(agreed_grade=g)) for g in Grade.values}
    )
    agreed.counts.update(agreed_counts)
    previous = None
    if with_previous and user is not None:
        earlier = previous_audit(audit, user)
        previous = audit_results(earlier, with_previous=False) if earlier else None
    return AuditResults(audit, list(by_agency.values()), overall, agreed, previous)


def previous_audit(audit: Audit, user) -> Audit | None:
    """The partnership's last audit on the same theme before this one, if the user may see it.

    None when the user cannot open it, so its title and grades never leak to them.
    """
    earlier = (
        Audit.objects.filter(
            partnership_id=audit.partnership_id,
            theme=audit.theme,
            created_at__lt=audit.created_at,
        )
        .order_by("-created_at")
        .first()
    )
    if earlier is None:
        return None
    return audits_visible_to(user).filter(pk=earlier.pk).first()


def case_actions(case: AuditCase, user):
    """The actions agreed at a case's moderation that the person can see."""
    return actions_visible_to(user).filter(
        source_type=ContentType.objects.get_for_model(AuditCase), source_id=case.pk
    )


def self_assessments_visible_to(user):
    return permissions.restrict(SelfAssessment.objects.all(), user).select_related("agency")


def challenge_events_visible_to(user):
    return permissions.restrict(ChallengeEvent.objects.all(), user).select_related("agency")


def round_overview(round_: SelfAssessmentRound, *, years: int = 3) -> dict:
    """Each standard across the round's agencies, this year and the years before.

    One query for the ratings of every invited agency over `years` years; the page arranges
    them as standard by agency, each cell listing the ratings year by year. The totals count
    this year's submitted self-assessments only.
    """
    standards = list(round_.standards.all())
    agencies = list(round_.agencies.order_by("name"))
    year_range = list(range(round_.year - years + 1, round_.year + 1))
    ratings = StandardRating.objects.filter(
        assessment__agency__in=agencies,
        assessment__kind=round_.kind,
        assessment__year__in=year_range,
        code__in=[s.code for s in standards],
    ).values_list(
        "code", "assessment__agency_id", "assessment__year", "rating", "assessment__status"
    )
    cells = defaultdict(dict)
    totals = defaultdict(lambda: dict.fromkeys(Rating.values, 0))
    labels = dict(Rating.choices)
    for code, agency_id, year, rating, status in ratings:
        cells[(code, agency_id)][year] = rating
        # Only submitted returns count, as in the indicators: a draft's ratings, including
        # those carried forward from last year, may still change.
        if year == round_.year and rating and status == ReturnStatus.SUBMITTED:
            totals[code][rating] += 1
    return {
        "years": year_range,
        "agencies": agencies,
        "rows": [
            {
                "standard": s,
                "totals": totals[s.code],
                "cells": [
                    [(y, labels.get(cells[(s.code, a.pk)].get(y), "")) for y in year_range]
                    for a in agencies
                ],
            }
            for s in standards
        ],
    }


def rounds_visible_to(user):
    return permissions.restrict(SelfAssessmentRound.objects.all(), user).select_related(
        "partnership"
    )
