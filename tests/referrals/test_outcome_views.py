"""The referral page's account of what followed the decision, and the front door's forms."""

import re
from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from referrals import selectors, services
from referrals.models import Referral
from tests.personas import (
    ANONYMOUS,
    BUSINESS,
    FRONT_DOOR_HILLFORD,
    FRONT_DOOR_RIVERSIDE,
    OTHER_PARTNERSHIP,
    PRACTITIONER_HEALTH,
    PRACTITIONER_POLICE,
    SCRUTINEER,
    check_access,
    sign_in,
)
from tests.referrals.factories import (
    DecidedReferralFactory,
    bulk_referrals,
    referral_shared_with_the_police,
)
from tests.support.clock import LONDON
from tests.support.dates import date_input
from tests.support.pages import assert_error_summary_links_land, tags

# Received on Thursday 19 November 2026; the page is read on Wednesday 20 January 2027.
RECEIVED = datetime(2026, 11, 19, 10, tzinfo=LONDON)
READ_ON = pytest.mark.time_machine(datetime(2027, 1, 20, 10, tzinfo=LONDON), tick=False)
OUTSIDERS = {
    FRONT_DOOR_RIVERSIDE: 404,
    PRACTITIONER_POLICE: 404,
    BUSINESS: 404,
    OTHER_PARTNERSHIP: 404,
    SCRUTINEER: 404,
    ANONYMOUS: 302,
}


def decided(decision="strategy_discussion"):
    return DecidedReferralFactory(received_at=RECEIVED, decision=decision)


def after_a_strategy_discussion(client) -> str:
    """The address of a referral whose front door (signed in) has recorded its strategy
    discussion on Monday 14 December 2026, through the page."""
    url = decided().get_absolute_url()
    sign_in(client, FRONT_DOOR_HILLFORD)
    client.post(f"{url}strategy-discussion/", date_input("strategy-held_on", "2026-12-14"))
    return url


def outcome_tags(html: str) -> list[tuple[str, str]]:
    """The tags in the page's "What followed the decision" part."""
    return tags(html.split("What followed the decision", 1)[1].split("</dl>", 1)[0])


@READ_ON
def test_the_front_door_records_what_followed_and_the_referrer_reads_it(client, demo):
    referral = decided()
    url = referral.get_absolute_url()
    sign_in(client, FRONT_DOOR_HILLFORD)

    before = client.get(url).content.decode()
    assert outcome_tags(before) == [("blue", "Due in 4 working days")]
    assert "45 working days after Thursday 19 November 2026 is Tuesday 26 January 2027." in before
    assert "Bank holiday: Boxing Day (observed)" in before
    assert "Due 15 working days after the strategy discussion, once it is recorded" in before
    assert "Record the strategy discussion" in before and "Record the conference" not in before

    recorded = client.post(
        f"{url}strategy-discussion/", date_input("strategy-held_on", "2026-12-14")
    )
    assert recorded.status_code == 302 and recorded["Location"] == url
    page = client.get(url).content.decode()
    assert "15 working days after Monday 14 December 2026 is Thursday 7 January 2027." in page
    assert outcome_tags(page) == [("blue", "Due in 4 working days"), ("red", "Overdue")]
    assert 'data-keep-draft="referral-no-conference"' in page

    client.post(f"{url}conference/", date_input("conference-held_on", "2027-01-08"))
    client.post(f"{url}assessment/", date_input("assessment-completed_on", "2027-01-19"))
    done = client.get(url).content.decode()
    assert outcome_tags(done) == [("green", "Completed on time"), ("red", "Completed late")]
    assert "Record" not in done.split("What followed the decision", 1)[1].split("<h2", 1)[0]

    sign_in(client, PRACTITIONER_HEALTH)
    referrer = client.get(url).content.decode()
    assert outcome_tags(referrer) == outcome_tags(done)
    assert "Held Monday 14 December 2026" in referrer and "Held Friday 8 January 2027" in referrer
    assert "<form" not in referrer.split("What followed the decision", 1)[1].split("<h2", 1)[0]


@READ_ON
def test_no_conference_needed_is_shown_with_its_reason(client, demo):
    url = after_a_strategy_discussion(client)

    response = client.post(
        f"{url}conference/not-needed/",
        {
            **date_input("no_conference-not_needed_on", "2027-01-05"),
            "no_conference-not_needed_reason": "The enquiry found no conference was needed.",
        },
    )

    assert response.status_code == 302
    sign_in(client, PRACTITIONER_HEALTH)
    page = client.get(url).content.decode()
    assert ("grey", "Not needed") in outcome_tags(page)
    assert "The enquiry found no conference was needed." in page


@READ_ON
def test_a_child_in_need_assessment_shows_only_the_assessment(client, demo):
    referral = decided("child_in_need_assessment")
    sign_in(client, FRONT_DOOR_HILLFORD)

    page = client.get(referral.get_absolute_url()).content.decode()

    assert outcome_tags(page) == [("blue", "Due in 4 working days")]
    assert "Strategy discussion" not in page.split("What followed the decision", 1)[1]
    assert "Record the assessment's completion" in page


def test_early_help_has_nothing_following_it(client, demo):
    referral = decided("early_help")
    sign_in(client, FRONT_DOOR_HILLFORD)

    assert (
        "What followed the decision" not in client.get(referral.get_absolute_url()).content.decode()
    )


@READ_ON
@pytest.mark.parametrize(
    ("address", "answers", "message"),
    [
        (
            "strategy-discussion/",
            date_input("strategy-held_on", "2027-02-01"),
            "cannot be in the future",
        ),
        (
            "strategy-discussion/",
            date_input("strategy-held_on", "2027-02-31"),
            "discussion must be a real date",
        ),
        ("strategy-discussion/", {}, "Enter date of the strategy discussion"),
        ("assessment/", date_input("assessment-completed_on", "2026-11-01"), "before the referral"),
    ],
)
def test_a_form_with_mistakes_draws_the_page_again_with_an_error_summary(
    client, demo, address, answers, message
):
    referral = decided()
    sign_in(client, FRONT_DOOR_HILLFORD)

    response = client.post(f"{referral.get_absolute_url()}{address}", answers)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("There is a problem") == 1 and message in html
    assert_error_summary_links_land(html)
    assert "<title>Error: " in html
    referral.refresh_from_db()
    assert (referral.strategy_discussion_on, referral.assessment_completed_on) == (None, None)


@READ_ON
def test_no_conference_without_a_reason_keeps_what_was_typed_open(client, demo):
    url = after_a_strategy_discussion(client)

    response = client.post(
        f"{url}conference/not-needed/", date_input("no_conference-not_needed_on", "2026-12-01")
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Say why no conference was needed." in html
    assert '<details class="govuk-details" open>' in html
    assert_error_summary_links_land(html)


@READ_ON
def test_a_step_recorded_meanwhile_from_another_page_is_refused_with_a_message(client, demo):
    url = after_a_strategy_discussion(client)

    again = client.post(
        f"{url}strategy-discussion/", date_input("strategy-held_on", "2026-12-15"), follow=True
    )

    assert again.redirect_chain[-1][0] == url
    assert "already recorded: 14 December 2026" in again.content.decode()
    referral = Referral.objects.get(pk=url.split("/")[2])
    assert referral.strategy_discussion_on == date(2026, 12, 14)


@READ_ON
def test_only_the_front_door_records_what_followed(client, demo):
    referral = decided()
    shared = referral_shared_with_the_police(demo)
    services.referral_decide(
        referral=shared,
        by=demo.user(FRONT_DOOR_HILLFORD),
        decision="strategy_discussion",
        reasons="Police and social care meet today.",
    )
    answers = {
        "assessment/": date_input("assessment-completed_on", "2027-01-19"),
        "strategy-discussion/": date_input("strategy-held_on", "2026-12-14"),
        "conference/": date_input("conference-held_on", "2027-01-08"),
        "conference/not-needed/": {
            **date_input("no_conference-not_needed_on", "2027-01-08"),
            "no_conference-not_needed_reason": "Not needed.",
        },
    }

    for address, data in answers.items():
        check_access(
            client,
            f"{referral.get_absolute_url()}{address}",
            {PRACTITIONER_HEALTH: 403, **OUTSIDERS},
            method="post",
            data=data,
        )
        # The police can read the shared referral, but it is not theirs to record on.
        check_access(
            client,
            f"{shared.get_absolute_url()}{address}",
            {PRACTITIONER_POLICE: 403},
            method="post",
            data=data,
        )
        check_access(client, f"{referral.get_absolute_url()}{address}", {FRONT_DOOR_HILLFORD: 405})

    referral.refresh_from_db()
    assert referral.strategy_discussion_on is None and referral.assessment_completed_on is None


@READ_ON
def test_the_referral_page_reads_no_more_with_the_clocks_started(
    client, demo, django_assert_max_num_queries
):
    early_help = decided("early_help")
    followed = decided()
    services.referral_strategy_discussion_record(
        referral=followed, by=demo.user(FRONT_DOOR_HILLFORD), held_on=date(2026, 12, 14)
    )
    sign_in(client, FRONT_DOOR_HILLFORD)
    client.get(early_help.get_absolute_url())  # the session and the role caches warmed

    counts = []
    for referral in (early_help, followed):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(referral.get_absolute_url()).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]
    with django_assert_max_num_queries(counts[1]):
        client.get(followed.get_absolute_url())


@READ_ON
def test_the_front_door_lists_its_open_assessments_and_conferences_soonest_due_first(
    client, demo, django_assert_max_num_queries
):
    front_door = demo.user(FRONT_DOOR_HILLFORD)
    later = DecidedReferralFactory(
        received_at=datetime(2026, 12, 1, 10, tzinfo=LONDON), decision="child_in_need_assessment"
    )
    overdue = DecidedReferralFactory(
        received_at=datetime(2026, 10, 1, 10, tzinfo=LONDON), decision="strategy_discussion"
    )
    completed = decided("child_in_need_assessment")
    services.referral_assessment_record(
        referral=completed, by=front_door, completed_on=date(2027, 1, 19)
    )
    services.referral_strategy_discussion_record(
        referral=overdue, by=front_door, held_on=date(2026, 12, 14)
    )
    decided("early_help")
    sign_in(client, FRONT_DOOR_HILLFORD)

    with django_assert_max_num_queries(12):
        assessments = client.get("/referrals/queue/assessments/").content.decode()
    conferences = client.get("/referrals/queue/conferences/").content.decode()

    listed = re.findall(r'href="/referrals/(\d+)/">R-', assessments)
    assert listed == [str(overdue.pk), str(later.pk)]
    assert tags(assessments) == [("red", "Overdue"), ("blue", "Due in 12 working days")]
    assert "2 open" in assessments and 'aria-current="page">Assessments open' in assessments
    assert re.findall(r'href="/referrals/(\d+)/">R-', conferences) == [str(overdue.pk)]
    assert tags(conferences) == [("red", "Overdue")]
    queue = client.get("/referrals/queue/").content.decode()
    assert 'href="/referrals/queue/conferences/"' in queue

    sign_in(client, FRONT_DOOR_RIVERSIDE)
    assert "Nothing is open." in client.get("/referrals/queue/assessments/").content.decode()
    for url in ("/referrals/queue/assessments/", "/referrals/queue/conferences/"):
        check_access(
            client,
            url,
            {
                FRONT_DOOR_HILLFORD: 200,
                PRACTITIONER_HEALTH: 403,
                BUSINESS: 403,
                OTHER_PARTNERSHIP: 403,
                SCRUTINEER: 403,
                ANONYMOUS: 302,
            },
        )


def test_the_open_follow_ups_are_read_through_their_clocks_indexes(demo, needs_services):
    """A front door's open clocks are read in order from the partial index that holds only the
    open ones by front door, not from every council's open clocks or every referral."""
    today = date.today()
    open_clocks = {
        "status": "decided",
        "decision": "strategy_discussion",
        "assessment_due_on": today,
        "conference_due_on": today,
    }
    Referral.objects.bulk_create(bulk_referrals(3000, status="decided", decision="early_help"))
    Referral.objects.bulk_create(
        bulk_referrals(3000, front_door=demo.agency("Riverside Council"), **open_clocks)
    )
    Referral.objects.bulk_create(bulk_referrals(5, **open_clocks))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE referrals_referral")

    user = demo.user(FRONT_DOOR_HILLFORD)
    for name, clock in selectors.CLOCKS.items():
        plan = selectors.front_door_follow_ups(user, clock)[:50].explain()
        assert re.search(r"Seq Scan on referrals_referral\w*", plan) is None, plan
        assert f"referral_{name[:-1]}_open" in plan, plan
