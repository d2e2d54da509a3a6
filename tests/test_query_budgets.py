"""Every list page, dashboard and list endpoint runs the same queries for many rows as for few.

Each listing lists a few rows, then many more, and asserts that the page or endpoint runs the
same number of queries both times (a query per row would grow with the rows) and stays within
an upper bound (`assert_queries_do_not_grow`, tests/budget_coverage.py). Each app's tests hold
some of them to budgets over larger data too.
"""

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from partnerships.choices import ScrutinyKind
from partnerships.indicators import figures_changed
from partnerships.management.commands.seed_demo import RIVERSIDE
from partnerships.models import (
    Action,
    Agency,
    Partnership,
    PublishedArrangement,
    ScrutinyChallenge,
    User,
    YearlyReport,
)
from referrals.choices import Decision, ReferralStatus
from referrals.models import InformationSharingDecision, Referral, ReferralCategory
from reviews import services as review_services
from reviews.models import RapidReview
from safeguarding.access_log import record_access
from safeguarding.models import Notification
from tests.audits.factories import AuditFactory, SelfAssessmentRoundFactory
from tests.budget_coverage import FEW, GROWTH_CHECKED, MANY, list_routes, unchecked
from tests.partnerships.factories import (
    AgencyFactory,
    ConstitutedPartnershipFactory,
    DesignatedSafeguardingLeadFactory,
    MembershipFactory,
    PartnershipFactory,
    SchoolFactory,
    TrainingEventFactory,
)
from tests.personas import (
    BUSINESS,
    DSL_SCHOOL,
    FRONT_DOOR_HILLFORD,
    PRACTITIONER_HEALTH,
    PRACTITIONER_POLICE,
    SCRUTINEER,
    sign_in,
)
from tests.referrals.factories import OpenEscalationFactory, bulk_referrals
from tests.reviews.factories import make_reviews
from tests.support.dates import date_input


@pytest.fixture
def api():
    return APIClient()


# ---------------------------------------------------------------------------
# Measuring


def paginated(response) -> int:
    return response.context["paginator"].count


def page_rows(response) -> int:
    return len(response.context["object_list"])


def api_count(response) -> int:
    return response.json()["count"]


def api_page_length(response) -> int:
    """For lists paged by position, which do not count the whole list."""
    return len(response.json()["results"])


def riverside_agencies(demo) -> list[Agency]:
    return list(Agency.objects.filter(memberships__partnership=demo.riverside).order_by("name"))


# ---------------------------------------------------------------------------
# Rows, made as each page's readers would see them


def notifications_to(recipients, **fields):
    """add(n) records n notifications, to each of `recipients` in turn."""
    people = itertools.cycle(recipients)
    subject_type = ContentType.objects.get_for_model(Partnership)
    numbers = itertools.count()

    def add(n):
        Notification.objects.bulk_create(
            Notification(
                recipient=next(people),
                kind="query_budget",
                subject_type=subject_type,
                subject_id=number,
                stage="test",
                title=f"Reminder {number}",
                url="/partnerships/",
                **fields,
            )
            for number in itertools.islice(numbers, n)
        )

    return add


def notifications_for(username: str):
    recipient = User.objects.get(username=username)
    recipient.notifications.all().delete()  # the demo's own would fill the home page's five
    return notifications_to([recipient])


def emails_given_up_in(partnership):
    """Emails given up, each to another of the partnership's people about one of its records."""
    return notifications_to(
        list(User.objects.filter(agency__memberships__partnership=partnership).distinct()),
        partnership=partnership,
        attempts=10,
        last_error="SMTPRecipientsRefused: 550 No such user",
        given_up_at=timezone.now(),
    )


def tokens_for(username: str):
    user = User.objects.get(username=username)

    def add(n):
        for _ in range(n):
            AuthToken.objects.create(user=user)

    return add


def partnerships_with(agency_name: str):
    """Constituted partnerships the agency is a member of (so its staff can see them)."""
    agency = Agency.objects.get(name=agency_name)

    def add(n):
        for partnership in ConstitutedPartnershipFactory.create_batch(n):
            MembershipFactory(partnership=partnership, agency=agency)

    return add


def safeguarding_leads_in(partnership):
    """A designated safeguarding lead at each of n new member schools."""

    def add(n):
        for _ in range(n):
            school = SchoolFactory()
            MembershipFactory(partnership=partnership, agency=school)
            DesignatedSafeguardingLeadFactory(agency=school)

    return add


def benchmarked_partnerships(n):
    """Partnerships of the demo's region (Midlands) that share their figures."""
    PartnershipFactory.create_batch(n, shares_benchmarks=True)


def yearly_reports(partnership, by):
    years = itertools.count(1950)

    def add(n):
        YearlyReport.objects.bulk_create(
            YearlyReport(
                partnership=partnership,
                period_start=date(year, 4, 1),
                period_end=date(year + 1, 3, 31),
                created_by=by,
            )
            for year in itertools.islice(years, n)
        )

    return add


def practice_reviews(partnership):
    """Rapid reviews that decided on a practice review, started through the service."""

    def add(n):
        reviews = make_reviews(partnership, n)
        RapidReview.objects.filter(pk__in=[r.pk for r in reviews]).update(
            decision="lcspr", decided_on=date(2026, 10, 1)
        )
        for review in RapidReview.objects.filter(pk__in=[r.pk for r in reviews]):
            review_services.practice_review_create(rapid_review=review)

    return add


def case_records(partnership):
    """Incidents, their rapid reviews and the council's returns, readable by the business team."""

    def add(n):
        make_reviews(partnership, n)

    return add


def audits_in_riverside(n):
    AuditFactory.create_batch(n)


def self_assessment_rounds(demo):
    """Rounds inviting one agency each, so each makes one self-assessment too."""
    agencies = itertools.cycle(riverside_agencies(demo))
    years = itertools.count(2040)

    def add(n):
        for year in itertools.islice(years, n):
            SelfAssessmentRoundFactory(year=year, agencies=[next(agencies)])

    return add


def referrals_made_by(username: str, **fields):
    """Submitted referrals to Hillford's front door, each with a category."""
    referrer = User.objects.select_related("agency").get(username=username)

    def add(n):
        rows = Referral.objects.bulk_create(
            bulk_referrals(n, referrer=referrer, referrer_agency=referrer.agency, **fields)
        )
        ReferralCategory.objects.bulk_create(
            ReferralCategory(referral=r, category="neglect") for r in rows
        )
        return rows

    return add


def referrals_shared_with(agency_name: str):
    """Referrals Hillford's front door has shared with the agency."""
    agency = Agency.objects.get(name=agency_name)
    front_door = User.objects.get(username=FRONT_DOOR_HILLFORD)
    made = referrals_made_by(PRACTITIONER_HEALTH)

    def add(n):
        InformationSharingDecision.objects.bulk_create(
            InformationSharingDecision(
                referral=referral,
                agency=agency,
                reason="Police are holding a strategy discussion.",
                lawful_basis="safeguarding",
                recorded_by=front_door,
            )
            for referral in made(n)
        )

    return add


# Decided on 1 December 2026 with a strategy discussion held on the 3rd, so both of the
# clocks that follow are open.
FOLLOWING_A_STRATEGY_DISCUSSION = {
    "status": ReferralStatus.DECIDED,
    "decision": Decision.STRATEGY_DISCUSSION,
    "decided_at": datetime(2026, 12, 1, 12, tzinfo=UTC),
    "assessment_due_on": date(2027, 2, 3),
    "strategy_discussion_on": date(2026, 12, 3),
    "conference_due_on": date(2026, 12, 24),
}


def scrutiny_challenges(demo):
    agencies = itertools.cycle(riverside_agencies(demo))
    scrutineer = demo.user(SCRUTINEER)

    def add(n):
        ScrutinyChallenge.objects.bulk_create(
            ScrutinyChallenge(
                partnership=demo.riverside,
                kind=ScrutinyKind.CHALLENGE,
                addressed_to=next(agencies),
                title="Repeat referrals for domestic abuse",
                detail="Why do so many domestic abuse referrals come back within a year?",
                response_due_on=timezone.localdate() + timedelta(days=20),
                raised_by=scrutineer,
            )
            for _ in range(n)
        )

    return add


def access_log_reads(demo):
    """Reads of a record by a health practitioner, as the access log records them."""
    request = RequestFactory().get("/api/v1/partnerships/")
    request.user = demo.user(PRACTITIONER_HEALTH)
    request.resolver_match = resolve(request.path)
    record = PublishedArrangement.objects.get(partnership=demo.riverside)

    def add(n):
        record_access(request, [record] * n)

    return add


def member_agencies(partnership):
    def add(n):
        for agency in AgencyFactory.create_batch(n):
            MembershipFactory(agency=agency, partnership=partnership)

    return add


def actions_in(demo):
    """Actions owned in turn by each of the partnership's agencies."""
    owners = itertools.cycle(riverside_agencies(demo))

    def add(n):
        Action.objects.bulk_create(
            Action(
                partnership=demo.riverside,
                owner_agency=next(owners),
                title="Audit the neglect toolkit's use",
                due_on=date(2027, 1, 1),
            )
            for _ in range(n)
        )

    return add


def training_events(demo):
    """Training events attended by staff of two of the partnership's agencies."""
    attending = dict.fromkeys(riverside_agencies(demo)[:2], 5)

    def add(n):
        TrainingEventFactory.create_batch(
            n, partnership=demo.riverside, created_by=demo.user(BUSINESS), attending=attending
        )

    return add


def escalations_raised_by(username: str):
    """Disagreements with Hillford's front door, raised through the service."""

    def add(n):
        OpenEscalationFactory.create_batch(n, raised_by=User.objects.get(username=username))

    return add


def audits_of(agency_name: str):
    """Audits in Riverside of one agency's cases: two cases, so two returns, each."""
    agency = Agency.objects.get(name=agency_name)

    def add(n):
        AuditFactory.create_batch(n, agencies=[agency])

    return add


def referrals_to_riverside(n):
    """Referrals the partnership's dashboards and indicators count."""
    Referral.objects.bulk_create(
        bulk_referrals(n, partnership=Partnership.objects.get(name=RIVERSIDE))
    )


def referral_dashboard_rows(response) -> int:
    return sum(row["received"] for row in response.context["by_front_door"])


def open_escalations(response) -> int:
    by_stage = response.context["charts"][0]
    return sum(by_stage["data"]["datasets"][0]["data"])


def indicator_referrals(response) -> int:
    return response.context["figures"]["referrals"]["total"]


def this_year(demo):
    today = timezone.localdate()
    return {
        "partnership": demo.riverside.pk,
        **date_input("date_from", today.replace(month=1, day=1)),
        **date_input("date_to", today),
    }


# ---------------------------------------------------------------------------
# Pages and endpoints


@dataclass(frozen=True)
class Listing:
    url: str
    persona: str
    rows: Callable  # demo -> add(n)
    listed: Callable  # response -> rows listed
    budget: int
    api: bool = False
    data: Callable = lambda demo: None  # demo -> query string
    added: int = MANY - FEW
    afresh: Callable = lambda: None  # before each counted request, where figures are cached


def _shares_benchmarks(demo):
    Partnership.objects.filter(pk=demo.riverside.pk).update(shares_benchmarks=True)
    return {"partnership": demo.riverside.pk}


LISTINGS = [
    Listing("/notifications/", BUSINESS, lambda d: notifications_for(BUSINESS), paginated, 13),
    # The home page shows the latest five notifications.
    Listing(
        "/",
        BUSINESS,
        lambda d: notifications_for(BUSINESS),
        lambda response: len(response.context["recent_notifications"]),
        13,
        added=5 - FEW,
    ),
    Listing(
        "/notifications/undelivered/",
        BUSINESS,
        lambda d: emails_given_up_in(d.riverside),
        paginated,
        13,
    ),
    Listing(
        "/account/",
        BUSINESS,
        lambda d: tokens_for(BUSINESS),
        lambda response: len(response.context["tokens"]),
        13,
    ),
    Listing(
        "/partnerships/", BUSINESS, lambda d: partnerships_with("Riverside Council"), page_rows, 13
    ),
    Listing(
        "/partnerships/safeguarding-leads/",
        BUSINESS,
        lambda d: safeguarding_leads_in(d.riverside),
        paginated,
        14,
    ),
    Listing(
        "/partnerships/benchmarking/",
        BUSINESS,
        lambda d: benchmarked_partnerships,
        lambda response: len(response.context["compared"]),
        26,
        data=_shares_benchmarks,
    ),
    Listing(
        "/partnerships/reports/",
        BUSINESS,
        lambda d: yearly_reports(d.riverside, d.user(BUSINESS)),
        paginated,
        16,
    ),
    Listing(
        "/reviews/practice-reviews/",
        BUSINESS,
        lambda d: practice_reviews(d.riverside),
        paginated,
        14,
    ),
    Listing("/audits/", BUSINESS, lambda d: audits_in_riverside, paginated, 15),
    Listing("/audits/self-assessments/", BUSINESS, self_assessment_rounds, paginated, 15),
    Listing(
        "/api/v1/auth/tokens/",
        BUSINESS,
        lambda d: tokens_for(BUSINESS),
        lambda response: len(response.json()),
        9,
        api=True,
    ),
    Listing(
        "/api/v1/incidents/",
        BUSINESS,
        lambda d: case_records(d.riverside),
        api_count,
        11,
        api=True,
    ),
    Listing(
        "/api/v1/agency-returns/",
        BUSINESS,
        lambda d: case_records(d.riverside),
        api_count,
        11,
        api=True,
    ),
    Listing(
        "/api/v1/practice-reviews/",
        BUSINESS,
        lambda d: practice_reviews(d.riverside),
        api_count,
        11,
        api=True,
    ),
    Listing("/api/v1/audits/", BUSINESS, lambda d: audits_in_riverside, api_count, 12, api=True),
    Listing("/api/v1/self-assessments/", BUSINESS, self_assessment_rounds, api_count, 12, api=True),
    Listing(
        "/api/v1/self-assessment-rounds/", BUSINESS, self_assessment_rounds, api_count, 12, api=True
    ),
    Listing(
        "/referrals/made-by-your-agency/",
        DSL_SCHOOL,
        lambda d: referrals_made_by(DSL_SCHOOL),
        paginated,
        10,
    ),
    Listing(
        "/referrals/sent-to-your-front-door/",
        FRONT_DOOR_HILLFORD,
        lambda d: referrals_made_by(PRACTITIONER_HEALTH),
        paginated,
        10,
    ),
    Listing(
        "/referrals/shared-with-your-agency/",
        PRACTITIONER_POLICE,
        lambda d: referrals_shared_with("Midshire Police"),
        paginated,
        10,
    ),
    *(
        Listing(
            f"/referrals/queue/{clock}/",
            FRONT_DOOR_HILLFORD,
            lambda d: referrals_made_by(PRACTITIONER_HEALTH, **FOLLOWING_A_STRATEGY_DISCUSSION),
            paginated,
            10,
        )
        for clock in ("assessments", "conferences")
    ),
    Listing(
        "/api/v1/referrals/",
        PRACTITIONER_HEALTH,
        lambda d: referrals_made_by(PRACTITIONER_HEALTH),
        api_page_length,
        11,
        api=True,
    ),
    Listing(
        "/api/v1/scrutiny-challenges/", SCRUTINEER, scrutiny_challenges, api_count, 10, api=True
    ),
    Listing("/access-log/", BUSINESS, access_log_reads, page_rows, 13),
    Listing(
        "/partnerships/agencies/", BUSINESS, lambda d: member_agencies(d.riverside), paginated, 14
    ),
    Listing("/partnerships/actions/", BUSINESS, actions_in, paginated, 16),
    Listing("/partnerships/scrutiny/", SCRUTINEER, scrutiny_challenges, paginated, 13),
    Listing("/partnerships/training/", BUSINESS, training_events, paginated, 13),
    Listing(
        "/partnerships/indicators/",
        BUSINESS,
        lambda d: referrals_to_riverside,
        indicator_referrals,
        40,
        data=this_year,
        afresh=figures_changed,
    ),
    Listing("/reviews/", BUSINESS, lambda d: case_records(d.riverside), paginated, 25),
    Listing("/reviews/incidents/", BUSINESS, lambda d: case_records(d.riverside), paginated, 25),
    # make_reviews submits every fourth review: 20 of the 27 added are open.
    Listing(
        "/reviews/dashboard/",
        BUSINESS,
        lambda d: case_records(d.riverside),
        lambda response: response.context["open_total"],
        25,
        added=20,
    ),
    Listing(
        "/referrals/",
        PRACTITIONER_HEALTH,
        lambda d: referrals_made_by(PRACTITIONER_HEALTH),
        paginated,
        14,
    ),
    Listing(
        "/referrals/queue/",
        FRONT_DOOR_HILLFORD,
        lambda d: referrals_made_by(PRACTITIONER_HEALTH),
        paginated,
        14,
    ),
    Listing(
        "/referrals/dashboard/",
        BUSINESS,
        lambda d: referrals_to_riverside,
        referral_dashboard_rows,
        16,
        afresh=figures_changed,
    ),
    Listing(
        "/referrals/escalations/",
        PRACTITIONER_HEALTH,
        lambda d: escalations_raised_by(PRACTITIONER_HEALTH),
        paginated,
        12,
    ),
    Listing(
        "/referrals/escalations/dashboard/",
        BUSINESS,
        lambda d: escalations_raised_by(PRACTITIONER_HEALTH),
        open_escalations,
        16,
        afresh=figures_changed,
    ),
    Listing(
        "/audits/returns/",
        DSL_SCHOOL,
        lambda d: audits_of("St Anne's Primary School"),
        paginated,
        20,
        added=2 * (MANY - FEW),
    ),
    Listing(
        "/api/v1/partnerships/",
        BUSINESS,
        lambda d: partnerships_with("Riverside Council"),
        api_count,
        8,
        api=True,
    ),
    Listing(
        "/api/v1/agencies/",
        BUSINESS,
        lambda d: member_agencies(d.riverside),
        api_count,
        8,
        api=True,
    ),
    Listing("/api/v1/actions/", BUSINESS, actions_in, api_page_length, 8, api=True),
    Listing(
        "/api/v1/yearly-reports/",
        BUSINESS,
        lambda d: yearly_reports(d.riverside, d.user(BUSINESS)),
        api_count,
        8,
        api=True,
    ),
    Listing(
        "/api/v1/rapid-reviews/",
        BUSINESS,
        lambda d: case_records(d.riverside),
        api_count,
        12,
        api=True,
    ),
    Listing(
        "/api/v1/escalations/",
        PRACTITIONER_HEALTH,
        lambda d: escalations_raised_by(PRACTITIONER_HEALTH),
        api_page_length,
        8,
        api=True,
    ),
    Listing(
        "/api/v1/audit-returns/",
        DSL_SCHOOL,
        lambda d: audits_of("St Anne's Primary School"),
        api_page_length,
        16,
        api=True,
        added=50 - 2 * FEW,  # a page of 50 of the 60 returns
    ),
]


@pytest.mark.parametrize("listing", LISTINGS, ids=lambda listing: listing.url)
def test_the_queries_do_not_grow_with_the_rows_listed(
    client, api, demo, assert_queries_do_not_grow, listing
):
    browser = api if listing.api else client
    sign_in(browser, listing.persona)
    assert_queries_do_not_grow(
        browser,
        listing.url,
        listing.rows(demo),
        listing.listed,
        budget=listing.budget,
        data=listing.data(demo),
        added=listing.added,
        afresh=listing.afresh,
    )


# ---------------------------------------------------------------------------
# Every list checked (tests/budget_coverage.py)


def test_the_lists_and_dashboards_are_told_from_the_other_pages():
    lists = list_routes()
    assert {
        "referrals:referral-list",
        "referrals:list-made-by-your-agency",
        "referrals:queue-conferences",
        "reviews:dashboard",
        "partnerships:indicators",
        "referral-list",  # the API's
    } <= lists
    assert not {"referrals:referral-detail", "referrals:referral-start", "home"} & lists
    assert {listing.url for listing in LISTINGS} >= {reverse(name) for name in lists}
    assert unchecked(set()) == sorted(lists)


def test_a_growth_check_is_recorded_against_its_route_and_a_fixed_budget_is_not(
    client, demo, assert_queries_do_not_grow, django_assert_max_num_queries, request
):
    sign_in(client, BUSINESS)
    with django_assert_max_num_queries(30):
        assert client.get("/referrals/escalations/").status_code == 200
    assert_queries_do_not_grow(
        client,
        "/notifications/",
        notifications_for(BUSINESS),
        paginated,
        budget=13,
    )

    recorded = [value for key, value in request.node.user_properties if key == GROWTH_CHECKED]
    assert recorded == ["notifications"]
