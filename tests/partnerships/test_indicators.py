"""The interagency indicators against a small fixture whose every figure was worked out by hand."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from audits.models import Audit, AuditCase, AuditReturn, SelfAssessment, SelfAssessmentRound
from partnerships import indicators
from partnerships.choices import MembershipRole, Role
from partnerships.indicators import Period
from partnerships.models import Action, Partnership, RoleAssignment
from referrals.models import Escalation, Referral, ReferralChild
from referrals.services import referral_repeat_flags_recount
from reviews.models import PracticeReview, RapidReview, SeriousIncident
from tests.partnerships.factories import (
    AgencyFactory,
    ConstitutedPartnershipFactory,
    MembershipFactory,
    UserFactory,
)
from tests.personas import (
    ANONYMOUS,
    BUSINESS,
    LEAD_POLICE,
    OTHER_PARTNERSHIP,
    PRACTITIONER_POLICE,
    SCRUTINEER,
    check_access,
    sign_in,
)
from tests.support.indexes import columns_read, index_columns

LONDON = ZoneInfo("Europe/London")
PERIOD = Period(date(2026, 1, 1), date(2026, 6, 30))
TODAY = date(2026, 7, 15)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)


class Fixture:
    """Two agencies, A and B, in a fresh partnership, with a handful of records in 2026 H1."""

    def __init__(self):
        self.partnership = ConstitutedPartnershipFactory()
        self.council = self.partnership.memberships.get(
            role=MembershipRole.LOCAL_AUTHORITY_PARTNER
        ).agency
        self.a = MembershipFactory(partnership=self.partnership, agency__name="Agency A").agency
        self.b = MembershipFactory(partnership=self.partnership, agency__name="Agency B").agency
        self.user_a = UserFactory(agency=self.a)
        self.user_b = UserFactory(agency=self.b)

    def referral(self, by, received, due=None, decided=None, decision="", child=None, **kw):
        referral = Referral.objects.create(
            partnership=kw.pop("partnership", self.partnership),
            front_door=self.council,
            referrer=by,
            referrer_agency=by.agency,
            status="decided" if decided else ("submitted" if received else "draft"),
            received_at=at(received) if received else None,
            decision_due_on=due,
            decided_at=at(decided, 15) if decided else None,
            decision=decision,
        )
        if child:
            first, last, born = child
            ReferralChild.objects.create(
                referral=referral,
                first_name=first,
                last_name=last,
                date_of_birth=born,
                postcode="HF1 2AB",
            )
        return referral

    def incident(self, n, aware, due, notified=None):
        return SeriousIncident.objects.create(
            reference=f"SI-TEST-{self.partnership.pk}-{n}",
            partnership=self.partnership,
            local_authority=self.council,
            incident_type="serious_harm",
            became_aware_on=aware,
            notification_due_on=due,
            notified_on=notified,
            summary="Test",
        )

    def rapid_review(self, incident, original_due, submitted=None):
        return RapidReview.objects.create(
            incident=incident,
            partnership=self.partnership,
            clock_started_on=incident.became_aware_on,
            original_due_on=original_due,
            due_on=original_due,
            returns_due_on=original_due,
            submitted_on=submitted,
            status="submitted" if submitted else "gathering",
        )

    def build(self):
        self.referral(
            self.user_a,
            date(2026, 1, 5),
            date(2026, 1, 6),
            date(2026, 1, 6),
            "early_help",
            ("Jo", "Bloggs", date(2015, 1, 1)),
        )
        self.referral(  # the same child again (names in other case): a repeat, decided late
            self.user_a,
            date(2026, 2, 10),
            date(2026, 2, 11),
            date(2026, 2, 13),
            "no_further_action",
            ("jo", "BLOGGS", date(2015, 1, 1)),
        )
        self.referral(  # before the period: makes April's referral of Sam a repeat
            self.user_b,
            date(2025, 12, 20),
            date(2025, 12, 22),
            child=("Sam", "Smith", date(2016, 5, 5)),
        )
        self.referral(  # not decided and past its deadline: missed
            self.user_b,
            date(2026, 4, 1),
            date(2026, 4, 2),
            child=("Sam", "Smith", date(2016, 5, 5)),
        )
        self.referral(  # same name, another birthday: not a repeat
            self.user_b,
            date(2026, 5, 1),
            date(2026, 5, 5),
            date(2026, 5, 5),
            "early_help",
            ("Jo", "Bloggs", date(2014, 1, 1)),
        )
        self.referral(self.user_a, None)  # a draft counts for nothing
        # Made here as rows, not submitted: flagged as referrals loaded in bulk are.
        referral_repeat_flags_recount()
        other = ConstitutedPartnershipFactory()
        self.referral(self.user_a, date(2026, 3, 1), date(2026, 3, 2), partnership=other)

        i1 = self.incident(1, date(2026, 1, 10), date(2026, 1, 16), date(2026, 1, 15))
        i2 = self.incident(2, date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 10))
        self.incident(3, date(2026, 6, 25), date(2026, 7, 20))  # still in time
        rr1 = self.rapid_review(i1, date(2026, 1, 30), date(2026, 2, 5))
        rr2 = self.rapid_review(i2, date(2026, 3, 20), date(2026, 3, 19))
        PracticeReview.objects.create(
            rapid_review=rr1,
            partnership=self.partnership,
            decided_on=date(2026, 2, 6),
            target_publication_on=date(2026, 8, 6),
        )
        PracticeReview.objects.create(
            rapid_review=rr2,
            partnership=self.partnership,
            decided_on=date(2026, 3, 20),
            target_publication_on=date(2026, 9, 20),
            published_on=date(2026, 6, 1),
        )

        audit = Audit.objects.create(
            partnership=self.partnership, title="Neglect", theme="neglect", return_due_on=TODAY
        )
        for n, (agency, grade, submitted, status) in enumerate(
            (
                (self.a, "good", date(2026, 2, 1), "submitted"),
                (self.a, "requires_improvement", date(2026, 5, 1), "submitted"),
                (self.b, "outstanding", date(2026, 5, 2), "submitted"),
                (self.b, "inadequate", None, "draft"),
            )
        ):
            AuditReturn.objects.create(
                audit=audit,
                case=AuditCase.objects.create(audit=audit, reference=f"C{n}"),
                agency=agency,
                grade=grade,
                status=status,
                submitted_at=at(submitted) if submitted else None,
            )

        round_ = SelfAssessmentRound.objects.create(
            partnership=self.partnership, kind="s11", year=2026, deadline=date(2026, 3, 31)
        )
        round_.agencies.add(self.a)
        for agency, ratings in (
            (self.a, (("s11-1", "met"), ("s11-2", "partly_met"), ("s11-10", "met"))),
            (self.b, (("s11-1", "not_met"),)),  # not invited by this partnership
        ):
            assessment = SelfAssessment.objects.create(
                agency=agency,
                kind="s11",
                year=2026,
                status="submitted",
                submitted_at=at(date(2026, 3, 1)),
            )
            for code, rating in ratings:
                assessment.ratings.create(code=code, title=code, rating=rating)

        for created, stage, status, resolution in (
            (date(2026, 1, 20), 1, "open", ""),
            (date(2026, 4, 10), 2, "resolved", "agreed"),
            (date(2025, 11, 1), 3, "resolved", "decision_upheld"),
        ):
            Escalation.objects.create(
                partnership=self.partnership,
                raised_by=self.user_a,
                raised_by_agency=self.a,
                against_agency=self.council,
                decision_disputed="x",
                reason="y",
                outcome_sought="z",
                stage=stage,
                stage_started_on=created,
                stage_due_on=created,
                status=status,
                resolution=resolution,
                created_at=at(created),
            )

        for agency, due, status, completed in (
            (self.a, date(2026, 2, 1), "completed", date(2026, 1, 30)),
            (self.a, date(2026, 3, 1), "completed", date(2026, 3, 5)),
            (self.b, date(2026, 5, 1), "not_started", None),
            (self.b, date(2026, 6, 30), "cancelled", None),
            (self.b, date(2026, 8, 1), "not_started", None),  # due after the period
        ):
            Action.objects.create(
                partnership=self.partnership,
                owner_agency=agency,
                title="Do it",
                due_on=due,
                status=status,
                completed_on=completed,
            )
        return self


@pytest.fixture
def fixture(db):
    return Fixture().build()


def test_it_counts_referrals_by_agency_and_outcome(fixture):
    figures = indicators.indicators_for(fixture.partnership, PERIOD, today=TODAY)["referrals"]

    assert figures["total"] == 4
    assert figures["by_agency"] == [
        {
            "agency": "Agency A",
            "total": 2,
            "outcomes": {"early_help": 1, "no_further_action": 1},
        },
        {"agency": "Agency B", "total": 2, "outcomes": {"awaiting_decision": 1, "early_help": 1}},
    ]
    assert figures["by_quarter"] == [
        {"quarter": "2026 Q1", "total": 2},
        {"quarter": "2026 Q2", "total": 2},
    ]


def test_it_counts_front_door_decisions_within_one_working_day(fixture):
    figures = indicators.indicators_for(fixture.partnership, PERIOD, today=TODAY)

    front_door = figures["front_door_decisions"]
    assert (front_door["total"], front_door["met"], front_door["missed"]) == (4, 2, 2)
    assert front_door["percent"] == 50.0
    assert [(q["met"], q["missed"]) for q in front_door["by_quarter"]] == [(1, 1), (1, 1)]


def test_it_counts_assessments_and_conferences_against_their_due_dates(fixture):
    def followed(received, **dates):
        referral = fixture.referral(
            fixture.user_a, received, received, received, "strategy_discussion"
        )
        Referral.objects.filter(pk=referral.pk).update(**dates)

    followed(  # both in time
        date(2026, 1, 12),
        assessment_due_on=date(2026, 3, 16),
        assessment_completed_on=date(2026, 3, 1),
        conference_due_on=date(2026, 2, 2),
        conference_held_on=date(2026, 2, 2),
    )
    followed(  # the assessment late; no conference needed, so it is not counted
        date(2026, 2, 2),
        assessment_due_on=date(2026, 4, 6),
        assessment_completed_on=date(2026, 4, 7),
        conference_due_on=date(2026, 2, 23),
        conference_not_needed_on=date(2026, 2, 20),
    )
    followed(  # both open past their dates: missed
        date(2026, 4, 1), assessment_due_on=date(2026, 6, 5), conference_due_on=date(2026, 4, 22)
    )
    followed(date(2026, 6, 1), assessment_due_on=date(2026, 8, 4))  # open, still in time

    figures = indicators.indicators_for(fixture.partnership, PERIOD, today=TODAY)

    assessments, conferences = figures["assessments"], figures["conferences"]
    assert (assessments["total"], assessments["met"], assessments["missed"]) == (4, 1, 2)
    assert (assessments["pending"], assessments["percent"]) == (1, 33.3)
    assert [(q["met"], q["missed"]) for q in assessments["by_quarter"]] == [(1, 1), (0, 1)]
    assert (conferences["total"], conferences["met"], conferences["missed"]) == (2, 1, 1)
    assert (conferences["pending"], conferences["percent"]) == (0, 50.0)
    headline = {h["key"]: h["percent"] for h in indicators.headlines(figures, [])}
    assert (headline["assessment_timeliness"], headline["conference_timeliness"]) == (33.3, 50.0)
    [row] = indicators.benchmark([fixture.partnership], PERIOD, today=TODAY)
    assert row["figures"]["assessment_timeliness"]["suppressed"] is True  # 3 judged: too few


def test_it_finds_repeat_referrals_of_the_same_child_within_12_months(fixture):
    repeat = indicators.indicators_for(fixture.partnership, PERIOD, today=TODAY)["repeat_referrals"]

    assert (repeat["total"], repeat["repeats"], repeat["percent"]) == (4, 2, 50.0)
    assert [q["repeats"] for q in repeat["by_quarter"]] == [1, 1]


def test_it_counts_review_deadlines_met_missed_and_pending(fixture):
    figures = indicators.indicators_for(fixture.partnership, PERIOD, today=TODAY)

    notified = figures["notifications"]
    assert (notified["met"], notified["missed"], notified["pending"]) == (1, 1, 1)
    assert notified["percent"] == 50.0
    rapid = figures["rapid_reviews"]
    # Submitted before the extended deadline but after the original one: still late.
    assert (rapid["total"], rapid["met"], rapid["missed"], rapid["percent"]) == (2, 1, 1, 50.0)
    practice = figures["practice_reviews"]
    assert (practice["met"], practice["missed"], practice["pending"]) == (1, 0, 1)
    assert practice["percent"] == 100.0


def test_it_counts_audit_grades_and_section_11_ratings(fixture):
    figures = indicators.indicators_for(fixture.partnership, PERIOD, today=TODAY)

    audits = figures["audit_grades"]
    assert (audits["total"], audits["good_or_better"], audits["percent"]) == (3, 2, 66.7)
    by_agency = {row["agency"]: row["grades"] for row in audits["by_agency"]}
    assert by_agency["Agency A"]["good"] == 1
    assert by_agency["Agency A"]["requires_improvement"] == 1
    assert by_agency["Agency B"] == {
        "outstanding": 1,
        "good": 0,
        "requires_improvement": 0,
        "inadequate": 0,
    }
    s11 = figures["section_11"]
    assert (s11["total"], s11["met"], s11["percent"]) == (3, 2, 66.7)
    assert [s["code"] for s in s11["by_standard"]] == ["s11-1", "s11-2", "s11-10"]


def test_it_counts_escalations_and_actions(fixture):
    figures = indicators.indicators_for(fixture.partnership, PERIOD, today=TODAY)

    escalations = figures["escalations"]
    assert escalations["total"] == 2
    stages = {s["stage"]: s for s in escalations["by_stage"]}
    assert stages[1]["outcomes"]["open"] == 1 and stages[2]["outcomes"]["agreed"] == 1
    assert [(q["total"], q["resolved"]) for q in escalations["by_quarter"]] == [(1, 0), (1, 1)]
    actions = figures["actions"]
    assert (actions["on_time"], actions["late"], actions["overdue"]) == (1, 1, 1)
    assert actions["percent"] == 33.3
    assert actions["by_agency"] == [
        {
            "agency": "Agency A",
            "total": 2,
            "on_time": 1,
            "late": 1,
            "overdue": 0,
            "cancelled": 0,
            "open": 0,
        },
        {
            "agency": "Agency B",
            "total": 2,
            "on_time": 0,
            "late": 0,
            "overdue": 1,
            "cancelled": 1,
            "open": 0,
        },
    ]


def test_agencies_that_share_a_name_are_listed_apart_by_their_reference(fixture):
    """Two schools may share a name, never a URN: each keeps its own row, named with its URN."""
    before = indicators.indicators_for(fixture.partnership, PERIOD, today=TODAY)
    renamed = {}
    for agency, urn in ((fixture.a, "100001"), (fixture.b, "100002")):
        renamed[agency.name] = f"St Mary's Primary (URN {urn})"
        agency.name, agency.urn = "St Mary's Primary", urn
        agency.save()

    after = indicators.indicators_for(fixture.partnership, PERIOD, today=TODAY)

    for figure in ("referrals", "audit_grades", "actions"):
        rows = before[figure]["by_agency"]
        expected = [{**row, "agency": renamed[row["agency"]]} for row in rows]
        assert len(expected) == 2, figure
        assert sorted(after[figure]["by_agency"], key=str) == sorted(expected, key=str), figure


def test_it_suppresses_small_numbers_when_benchmarking(fixture):
    [row] = indicators.benchmark([fixture.partnership], PERIOD, today=TODAY)

    assert row["figures"]["referrals"] == {
        "count": None,
        "percent": None,
        "suppressed": True,
        "percent_withheld": False,
    }
    assert row["figures"]["rapid_review_timeliness"]["suppressed"] is True


# ---------------------------------------------------------------------------
# The endpoint


@pytest.fixture
def api():
    return APIClient()


def url(partnership, start="2026-01-01", end="2026-06-30"):
    return f"/api/v1/partnerships/{partnership.pk}/indicators/?from={start}&to={end}"


def test_it_answers_members_who_oversee_the_partnership(api, demo):
    check_access(
        api,
        url(demo.riverside),
        {
            BUSINESS: 200,
            SCRUTINEER: 200,
            LEAD_POLICE: 200,
            PRACTITIONER_POLICE: 403,
            OTHER_PARTNERSHIP: 404,
            ANONYMOUS: 401,
        },
    )


def test_it_answers_the_figures_as_json(api, fixture):
    user = UserFactory(agency=fixture.a)
    RoleAssignment.objects.create(
        user=user, partnership=fixture.partnership, role=Role.BUSINESS_TEAM
    )
    api.force_login(user)

    body = api.get(url(fixture.partnership)).json()

    assert body["from"] == "2026-01-01" and body["quarters"] == ["2026 Q1", "2026 Q2"]
    assert body["referrals"]["total"] == 4
    assert body["repeat_referrals"]["repeats"] == 2


@pytest.mark.parametrize(
    "start,end,field",
    [("2026-13-01", "2026-06-30", "from"), ("2026-06-30", "2026-01-01", "to"), ("", "", "from")],
)
def test_it_refuses_bad_dates_with_a_400(api, demo, start, end, field):
    sign_in(api, BUSINESS)

    response = api.get(url(demo.riverside, start, end))

    assert response.status_code == 400
    assert field in response.json()


def bulk_referrals(
    fixture, n, *, received_on=lambda i: date(2026, 2, 2), decisions=("early_help",)
):
    """`n` referrals from agency A, the i-th received on `received_on(i)` and decided that day."""
    referrals = Referral.objects.bulk_create(
        Referral(
            partnership=fixture.partnership,
            front_door=fixture.council,
            referrer=fixture.user_a,
            referrer_agency=fixture.a,
            status="decided",
            received_at=at(received_on(i)),
            decision_due_on=received_on(i) + timedelta(days=1),
            decided_at=at(received_on(i)),
            decision=decisions[i % len(decisions)],
        )
        for i in range(n)
    )
    ReferralChild.objects.bulk_create(
        ReferralChild(
            referral=r,
            first_name="Child",
            last_name=f"N{i % 50}",
            date_of_birth=date(2015, 1, 1),
            postcode="HF1 2AB",
        )
        for i, r in enumerate(referrals)
    )
    referral_repeat_flags_recount()  # which also marks the cached figures out of date


def sign_in_scrutineer(api, fixture):
    user = UserFactory(agency=fixture.a)
    RoleAssignment.objects.create(
        user=user, partnership=fixture.partnership, role=Role.INDEPENDENT_SCRUTINEER
    )
    api.force_login(user)


def test_it_answers_in_the_same_number_of_queries_for_50_or_5000_referrals(
    api, fixture, django_assert_max_num_queries
):
    sign_in_scrutineer(api, fixture)
    counts = []
    for n in (50, 4950):
        bulk_referrals(fixture, n)
        with django_assert_max_num_queries(30), CaptureQueriesContext(connection) as queries:
            response = api.get(url(fixture.partnership))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert response.json()["referrals"]["total"] == 5004


def test_postgresql_expects_as_many_referral_groups_as_there_are(api, fixture, needs_services):
    """Without statistics on the quarter they are grouped by, PostgreSQL expects nearly a group a
    referral and sorts them all to group them (migration referrals.0009): change the grouping or
    the time zone and this fails until the statistics follow."""
    bulk_referrals(
        fixture,
        6000,
        received_on=lambda i: date(2026, 1 + i % 6, 1 + i % 28),
        decisions=("early_help", "no_further_action", "section_17"),
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE referrals_referral")
    sign_in_scrutineer(api, fixture)

    with CaptureQueriesContext(connection) as queries:
        assert api.get(url(fixture.partnership)).status_code == 200
    grouped_by_agency = '"referrer_agency_id" AS'
    [grouping] = [q["sql"] for q in queries.captured_queries if grouped_by_agency in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {grouping}")
        plan = cursor.fetchone()[0][0]["Plan"]
    while plan["Node Type"] != "Aggregate":
        [plan] = plan["Plans"]

    # Two quarters of one agency's three decisions, and the fixture's own few: 6 groups or so.
    assert plan["Strategy"] == "Hashed"
    assert plan["Plan Rows"] < 100, plan["Plan Rows"]


@pytest.mark.parametrize(
    ("table", "period_column", "index"),
    [
        ("partnerships_action", "due_on", "action_partnership_status_due"),
        ("audits_auditreturn", "submitted_at", "audit_return_figures"),
    ],
)
def test_postgresql_can_count_actions_and_audit_returns_from_their_indexes_alone(
    api, fixture, needs_services, table, period_column, index
):
    """Count actions or returns by another column and this fails until the index holds it."""
    sign_in_scrutineer(api, fixture)
    with CaptureQueriesContext(connection) as queries:
        assert api.get(url(fixture.partnership)).status_code == 200
    counting = [
        q["sql"]
        for q in queries.captured_queries
        if "COUNT(" in q["sql"] and f'"{table}"."{period_column}" >=' in q["sql"]
    ]
    in_the_index = index_columns(index)

    assert len(counting) == 2  # by agency, and by quarter
    for sql in counting:
        read = columns_read(sql, table)
        assert read <= in_the_index, read - in_the_index


def test_figures_are_counted_once_then_served_until_a_counted_record_changes(api, fixture):
    sign_in_scrutineer(api, fixture)
    with CaptureQueriesContext(connection) as counted:
        first = api.get(url(fixture.partnership)).json()
    with CaptureQueriesContext(connection) as cached:
        again = api.get(url(fixture.partnership)).json()
    assert again == first
    assert len(cached) < len(counted) - 8  # none of the counting queries ran again

    fixture.referral(
        fixture.user_b, date(2026, 6, 1), date(2026, 6, 2), date(2026, 6, 2), "early_help"
    )
    changed = api.get(url(fixture.partnership)).json()

    assert changed["referrals"]["total"] == first["referrals"]["total"] + 1
    assert changed["front_door_decisions"]["met"] == first["front_door_decisions"]["met"] + 1
    Action.objects.filter(partnership=fixture.partnership).delete()
    assert api.get(url(fixture.partnership)).json()["actions"]["total"] == 0


def test_cached_figures_follow_audit_returns_self_assessments_and_agency_names(api, fixture):
    sign_in_scrutineer(api, fixture)
    first = api.get(url(fixture.partnership)).json()

    draft = AuditReturn.objects.get(audit__partnership=fixture.partnership, status="draft")
    draft.status, draft.submitted_at = "submitted", at(date(2026, 6, 2))
    draft.save()
    rating = SelfAssessment.objects.get(agency=fixture.a).ratings.get(code="s11-2")
    rating.rating = "met"
    rating.save()
    fixture.b.name = "Agency B, renamed"
    fixture.b.save()
    changed = api.get(url(fixture.partnership)).json()

    assert changed["audit_grades"]["total"] == first["audit_grades"]["total"] + 1
    assert changed["section_11"]["met"] == first["section_11"]["met"] + 1
    assert "Agency B, renamed" in {a["agency"] for a in changed["actions"]["by_agency"]}
    Audit.objects.filter(partnership=fixture.partnership).delete()  # and its returns with it
    assert api.get(url(fixture.partnership)).json()["audit_grades"]["total"] == 0


def test_cached_figures_are_served_without_reading_the_partnerships_directory(api, fixture):
    """A partnership's directory holds hundreds of agencies; the figures need none of them."""
    for agency in AgencyFactory.create_batch(30):
        MembershipFactory(agency=agency, partnership=fixture.partnership)
    sign_in_scrutineer(api, fixture)
    api.get(url(fixture.partnership))

    with CaptureQueriesContext(connection) as cached:
        response = api.get(url(fixture.partnership))

    assert response.status_code == 200
    # Whether the person may see the partnership is read from their own agency's memberships
    # (a row for each partnership it belongs to), inside the partnership's own lookup.
    reads = [q["sql"] for q in cached if "partnerships_membership" in q["sql"]]
    assert all(
        sql.startswith('SELECT "partnerships_partnership"')
        and f'"agency_id" = {fixture.a.pk}' in sql
        and '"partnership_id" =' not in sql
        for sql in reads
    ), reads


def test_cached_figures_follow_the_round_that_decides_which_ratings_count(api, fixture):
    sign_in_scrutineer(api, fixture)
    assert api.get(url(fixture.partnership)).json()["section_11"]["total"] == 3
    round_ = SelfAssessmentRound.objects.get(partnership=fixture.partnership)

    round_.year = 2025
    round_.save()
    moved = api.get(url(fixture.partnership)).json()["section_11"]["total"]
    round_.year = 2026
    round_.save()
    back = api.get(url(fixture.partnership)).json()["section_11"]["total"]
    round_.delete()

    assert (moved, back) == (0, 3)
    assert api.get(url(fixture.partnership)).json()["section_11"]["total"] == 0


def test_a_partnership_saved_as_read_before_a_change_does_not_bring_back_older_figures(
    api, fixture
):
    """A full save writes back the figures' version the partnership was read with."""
    sign_in_scrutineer(api, fixture)
    first = api.get(url(fixture.partnership)).json()
    read_before_the_change = Partnership.objects.get(pk=fixture.partnership.pk)
    fixture.referral(
        fixture.user_b, date(2026, 6, 1), date(2026, 6, 2), date(2026, 6, 2), "early_help"
    )

    read_before_the_change.save()

    after = api.get(url(fixture.partnership)).json()
    assert after["referrals"]["total"] == first["referrals"]["total"] + 1
