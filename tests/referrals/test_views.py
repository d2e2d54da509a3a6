import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partnerships.choices import Role
from partnerships.models import Membership
from referrals import demo as referral_demo
from referrals import selectors, services
from referrals.choices import Decision, ReferralStatus
from referrals.models import Escalation, Referral, ReferralCategory
from safeguarding.models import AccessLogEntry, Notification
from safeguarding.pagination import BoundedCountPaginator
from tests.partnerships.factories import RoleAssignmentFactory, UserFactory
from tests.personas import (
    ADMIN,
    ANONYMOUS,
    BUSINESS,
    DSL_SCHOOL,
    FRONT_DOOR_HILLFORD,
    FRONT_DOOR_RIVERSIDE,
    LEAD_HEALTH,
    OTHER_PARTNERSHIP,
    PRACTITIONER_HEALTH,
    PRACTITIONER_POLICE,
    SCRUTINEER,
    check_access,
    sign_in,
)
from tests.referrals.factories import (
    VALID_NHS_NUMBER,
    DecidedReferralFactory,
    DraftReferralFactory,
    OpenEscalationFactory,
    SubmittedReferralFactory,
    bulk_referrals,
    child_details,
    referral_shared_with_the_police,
)
from tests.support.dates import date_input
from tests.support.pages import assert_error_summary_links_land, part_from

CANNOT_SEE = {
    FRONT_DOOR_RIVERSIDE: 404,
    PRACTITIONER_POLICE: 404,
    BUSINESS: 404,
    OTHER_PARTNERSHIP: 404,
    SCRUTINEER: 404,
    ANONYMOUS: 302,
}
CHILD = {
    "first_name": "Maya",
    "last_name": "Brook",
    **date_input("date_of_birth", date(2019, 5, 4)),
    "address": "1 Mill Lane, Hillford",
    "postcode": "HF1 2AB",
    "school": "Hillford Infants",
    "nhs_number": VALID_NHS_NUMBER,
}


def test_the_must_show_journey_through_the_pages(client, demo, mailoutbox):
    """practitioner.health refers a Hillford child page by page; its front door decides."""
    sign_in(client, PRACTITIONER_HEALTH)
    assert client.get("/referrals/new/").status_code == 200
    started = client.post("/referrals/new/")
    referral = Referral.objects.get(referrer__username=PRACTITIONER_HEALTH)
    assert started["Location"] == f"/referrals/{referral.pk}/child/"
    base = f"/referrals/{referral.pk}"

    # A mistake on a page is shown, and what was typed survives leaving the page.
    tomorrow = date.today() + timedelta(days=1)
    mistake = client.post(f"{base}/child/", {**CHILD, **date_input("date_of_birth", tomorrow)})
    assert mistake.status_code == 200
    assert "There is a problem" in mistake.content.decode()
    assert "must be in the past" in mistake.content.decode()
    assert "Hillford Infants" in client.get(f"{base}/child/").content.decode()

    steps = [
        ("child", CHILD, "household"),
        ("household", {"parents_and_carers": "Jo Brook (mother)"}, "local-authority"),
        (
            "local-authority",
            {"local_authority": demo.agency("Hillford Council").pk},
            "concerns",
        ),
        (
            "concerns",
            {
                "concerns": "Bruises on both arms; Maya said she was scared to go home.",
                "categories": ["physical", "emotional"],
                "immediate_danger": "yes",
            },
            "consent",
        ),
        (
            "consent",
            {"consent": "not_sought", "reason_without_consent": "Asking could put Maya at risk."},
            "check",
        ),
    ]
    for page, answers, next_page in steps:
        response = client.post(f"{base}/{page}/", answers)
        assert response.status_code == 302, (page, response.context["form"].errors)
        assert response["Location"] == f"{base}/{next_page}/"
    check = client.get(f"{base}/check/").content.decode()
    assert "Maya Brook" in check and "call 999" in check.lower()

    sent = client.post(f"{base}/check/")
    assert sent["Location"] == f"{base}/"
    referral.refresh_from_db()
    assert (referral.status, referral.immediate_danger) == ("submitted", True)
    assert referral.front_door == demo.agency("Hillford Council")

    responses = check_access(
        client, f"{base}/", {PRACTITIONER_HEALTH: 200, FRONT_DOOR_HILLFORD: 200, **CANNOT_SEE}
    )
    assert "Maya Brook" in responses[FRONT_DOOR_HILLFORD].content.decode()
    queue = check_access(
        client,
        "/referrals/queue/",
        {FRONT_DOOR_HILLFORD: 200, FRONT_DOOR_RIVERSIDE: 200, PRACTITIONER_HEALTH: 403},
    )
    assert referral.reference in queue[FRONT_DOOR_HILLFORD].content.decode()
    assert referral.reference not in queue[FRONT_DOOR_RIVERSIDE].content.decode()
    check_access(
        client,
        f"{base}/decision/",
        {FRONT_DOOR_HILLFORD: 200, PRACTITIONER_HEALTH: 403, **CANNOT_SEE},
    )

    sign_in(client, FRONT_DOOR_HILLFORD)
    decided = client.post(
        f"{base}/decision/",
        {
            "decision": "strategy_discussion",
            "reasons": "Strategy discussion with police today.",
            "quality_rating": "good",
        },
    )
    assert decided.status_code == 302

    sign_in(client, PRACTITIONER_HEALTH)
    outcome = client.get(f"{base}/").content.decode()
    assert "Strategy discussion / child protection enquiry" in outcome
    assert "Strategy discussion with police today." in outcome
    assert Notification.objects.filter(
        recipient__username=PRACTITIONER_HEALTH, kind="referral_decided"
    ).exists()
    mine = client.get("/referrals/").content.decode()
    assert referral.reference in mine
    assert AccessLogEntry.objects.filter(
        user__username=FRONT_DOOR_HILLFORD, object_id__in=referral.children.values("pk")
    ).exists()


def test_a_draft_and_its_pages_are_the_referrers_alone(client, demo):
    draft = DraftReferralFactory()

    for page in ("child", "household", "local-authority", "concerns", "consent", "check"):
        check_access(
            client,
            f"/referrals/{draft.pk}/{page}/",
            {PRACTITIONER_HEALTH: 200, FRONT_DOOR_HILLFORD: 404, **CANNOT_SEE},
        )
    check_access(client, f"/referrals/{draft.pk}/", {PRACTITIONER_HEALTH: 404})


def test_reads_of_a_drafts_child_and_household_are_logged_under_its_councils_partnership(
    client, demo
):
    draft = DraftReferralFactory()
    referrer = draft.referrer
    services.referral_child_save(referral=draft, by=referrer, **child_details())
    services.referral_draft_update(
        referral=draft,
        by=referrer,
        local_authority=demo.agency("Hillford Council"),
        household={"parents_and_carers": "Mother", "household_members": ""},
    )
    sign_in(client, PRACTITIONER_HEALTH)

    assert client.get(f"/referrals/{draft.pk}/check/").status_code == 200
    assert client.get(f"/referrals/{draft.pk}/child/").status_code == 200

    entries = AccessLogEntry.objects.filter(user=referrer)
    assert entries.count() == 3
    assert set(entries.values_list("partnership", flat=True)) == {demo.riverside.pk}


def test_sending_an_incomplete_draft_lists_what_is_missing(client, demo):
    draft = DraftReferralFactory()
    sign_in(client, PRACTITIONER_HEALTH)

    response = client.post(f"/referrals/{draft.pk}/check/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Add the child you are worried about." in page
    assert "Choose the local authority the child lives in." in page


def test_sending_to_a_council_that_is_no_longer_a_partner_says_so(client, demo):
    referrer = demo.user(PRACTITIONER_HEALTH)
    draft = DraftReferralFactory()
    services.referral_child_save(referral=draft, by=referrer, **child_details())
    hillford = demo.agency("Hillford Council")
    services.referral_draft_update(
        referral=draft, by=referrer, local_authority=hillford, concerns="Worried", consent="given"
    )
    # Hillford Council leaves the partnership after the referrer chose it.
    Membership.objects.filter(agency=hillford).update(left_on=date.today() - timedelta(days=1))
    sign_in(client, PRACTITIONER_HEALTH)

    check = client.get(f"/referrals/{draft.pk}/check/")
    sent = client.post(f"/referrals/{draft.pk}/check/")

    assert sent.status_code == 200
    page = sent.content.decode()
    assert "There is a problem" in page
    assert "not the local authority partner of any partnership" in page
    assert check.status_code == 200
    draft.refresh_from_db()
    assert draft.is_draft


NHS_NUMBER_REFUSED = "Enter an NHS number with 10 digits"
POSTCODE_REFUSED = "Enter a real postcode"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        # A superscript two: a "digit" to str.isdigit().
        ("nhs_number", "943476591\u00b2", NHS_NUMBER_REFUSED),
        # Arabic-Indic digits.
        (
            "nhs_number",
            "\u0669\u0664\u0663\u0664\u0667\u0666\u0665\u0669\u0661\u0669",
            NHS_NUMBER_REFUSED,
        ),
        ("postcode", "HF\u0661 2AB", POSTCODE_REFUSED),  # an Arabic-Indic one
        ("postcode", "HF1 \u0662AB", POSTCODE_REFUSED),
        ("postcode", "HF1\u30002AB", POSTCODE_REFUSED),  # an ideographic space
        ("postcode", "HF1\u00a02AB", POSTCODE_REFUSED),  # a no-break space
    ],
)
def test_characters_that_are_not_ascii_are_refused_in_an_nhs_number_or_postcode(
    client, demo, field, value, message
):
    draft = DraftReferralFactory()
    sign_in(client, PRACTITIONER_HEALTH)

    response = client.post(f"/referrals/{draft.pk}/child/", {**CHILD, field: value})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not draft.children.exists()
    assert client.get(f"/referrals/{draft.pk}/child/").status_code == 200


@pytest.mark.parametrize("postcode", ["HF1 2AB", "hf12ab", "RV2 7QT", "SW1A 1AA", "M1 1AE"])
def test_a_real_postcode_is_taken_on_the_page(client, demo, postcode):
    draft = DraftReferralFactory()
    sign_in(client, PRACTITIONER_HEALTH)

    response = client.post(f"/referrals/{draft.pk}/child/", {**CHILD, "postcode": postcode})

    assert response.status_code == 302
    assert draft.children.get().postcode == postcode


def test_consent_refused_needs_a_lawful_reason(client, demo):
    draft = DraftReferralFactory()
    sign_in(client, PRACTITIONER_HEALTH)

    response = client.post(f"/referrals/{draft.pk}/consent/", {"consent": "refused"})

    assert "Give the lawful reason" in response.content.decode()
    draft.refresh_from_db()
    assert draft.draft_answers["consent"] == {"consent": "refused"}


def test_the_referral_list_shows_each_kind_of_reach_on_its_own_tab(client, demo):
    referral = SubmittedReferralFactory()
    front_door_tab = "/referrals/sent-to-your-front-door/"

    made = check_access(
        client,
        "/referrals/",
        {
            PRACTITIONER_HEALTH: 200,
            FRONT_DOOR_HILLFORD: 200,
            BUSINESS: 200,
            OTHER_PARTNERSHIP: 200,
            SCRUTINEER: 200,
            ANONYMOUS: 302,
        },
    )
    sent = check_access(
        client,
        front_door_tab,
        {
            FRONT_DOOR_HILLFORD: 200,
            FRONT_DOOR_RIVERSIDE: 200,
            PRACTITIONER_HEALTH: 404,
            BUSINESS: 404,
            OTHER_PARTNERSHIP: 404,
            SCRUTINEER: 404,
            ANONYMOUS: 302,
        },
    )

    assert referral.reference in made[PRACTITIONER_HEALTH].content.decode()
    assert referral.reference not in made[FRONT_DOOR_HILLFORD].content.decode()
    assert referral.reference in sent[FRONT_DOOR_HILLFORD].content.decode()
    assert referral.reference not in sent[FRONT_DOOR_RIVERSIDE].content.decode()
    for persona in (BUSINESS, OTHER_PARTNERSHIP, SCRUTINEER):
        assert referral.reference not in made[persona].content.decode()
    front_door_page = sent[FRONT_DOOR_HILLFORD].content.decode()
    tabs = re.findall(r'class="govuk-tabs__tab" href="([^"]+)"', front_door_page)
    assert tabs == ["/referrals/", "/referrals/shared-with-your-agency/", front_door_tab]
    assert f'href="{front_door_tab}" aria-current="page"' in front_door_page
    assert "govuk-tabs" not in made[SCRUTINEER].content.decode()  # no agency: one kind, no tabs


def test_each_referral_in_the_list_shows_where_it_stands_as_a_tag(client, demo):
    draft, waiting, decided = (
        DraftReferralFactory(),
        SubmittedReferralFactory(),
        DecidedReferralFactory(),
    )
    sign_in(client, PRACTITIONER_HEALTH)
    page = client.get("/referrals/").content.decode()

    def tag_of(referral):
        row = re.search(rf"{referral.reference}</a>.*?</tr>", page, re.S).group()
        return re.search(
            r'<strong class="govuk-tag govuk-tag--(\w+)">([^<]+)</strong>', row
        ).groups()

    assert tag_of(draft) == ("grey", "Draft")
    assert tag_of(waiting) == ("blue", "Waiting for a decision")
    assert tag_of(decided) == ("green", "Early help")
    detail = client.get(decided.get_absolute_url()).content.decode()
    assert '<strong class="govuk-tag govuk-tag--green">Early help</strong></h1>' in detail


def test_the_referral_list_filters_and_stays_within_a_query_budget(
    client, demo, django_assert_max_num_queries
):
    rows = bulk_referrals(60)
    Referral.objects.bulk_create(rows)
    ReferralCategory.objects.bulk_create(
        [ReferralCategory(referral=r, category="neglect") for r in rows]
    )
    sign_in(client, PRACTITIONER_HEALTH)

    with django_assert_max_num_queries(14):
        response = client.get("/referrals/", {"category": "neglect", "status": "submitted"})

    assert response.context["paginator"].count == 60
    assert client.get("/referrals/", {"category": "physical"}).context["paginator"].count == 0


def test_the_referral_list_pages_newest_first_with_each_referral_once(client, demo):
    now = timezone.now()
    rows = bulk_referrals(60)
    for index, referral in enumerate(rows):
        referral.created_at = now - timedelta(hours=index % 20)  # ties, broken by the newest id
    Referral.objects.bulk_create(rows)
    expected = [
        r.pk
        for r in sorted(
            Referral.objects.filter(pk__in=[r.pk for r in rows]),
            key=lambda r: (r.created_at, r.pk),
            reverse=True,
        )
    ]
    sign_in(client, PRACTITIONER_HEALTH)

    pages = [client.get("/referrals/", {"page": number}) for number in (1, 2, 3)]

    assert [p.context["paginator"].count for p in pages] == [60, 60, 60]
    assert [r.pk for p in pages for r in p.context["object_list"]] == expected
    assert [len(p.context["object_list"]) for p in pages] == [25, 25, 10]
    assert client.get("/referrals/", {"page": "last"}).context["page_obj"].number == 3
    assert client.get("/referrals/", {"page": 4}).status_code == 404
    assert client.get("/referrals/", {"status": "decided"}).context["paginator"].count == 0


def test_the_page_links_keep_every_query_value_as_sent(client, demo):
    Referral.objects.bulk_create(bulk_referrals(30))
    sign_in(client, PRACTITIONER_HEALTH)

    page = client.get("/referrals/", {"status": "sent", "note": ["a&page=9", "b"], "page": 2})

    links = re.findall(r'href="([^"]*)" rel="prev"', page.content.decode())
    assert links == ["?status=sent&amp;note=a%26page%3D9&amp;note=b&amp;page=1"]


def test_a_list_too_long_to_count_says_there_are_more_and_pages_on(client, demo, monkeypatch):
    monkeypatch.setattr(BoundedCountPaginator, "ahead", 30)
    Referral.objects.bulk_create(bulk_referrals(60))
    sign_in(client, PRACTITIONER_HEALTH)

    with CaptureQueriesContext(connection) as queries:
        first = client.get("/referrals/")
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(*)" in q["sql"]]
    pages = [first, *(client.get("/referrals/", {"page": number}) for number in (2, 3))]

    page = first.content.decode()
    assert "More than 30 referrals made by you: use the filters to find one" in page
    assert "Page 1</span>" in page and "Page 1 of" not in page
    assert 'rel="next"' in page
    assert any("LIMIT 31" in sql for sql in counts)  # counted no further than it says
    seen = [r.pk for p in pages for r in p.context["object_list"]]
    assert len(seen) == len(set(seen)) == 60
    # From the third page what is left is counted: 60 in all.
    last = pages[2].content.decode()
    assert "60 referrals made by you" in last and "Page 3 of 3" in last
    assert client.get("/referrals/", {"page": 4}).status_code == 404
    # "last" is the last page counted (the second), which says there are more.
    last_counted = client.get("/referrals/", {"page": "last"}).content.decode()
    assert "More than 30 referrals" in last_counted and "Page 2</span>" in last_counted
    assert 'rel="next"' in last_counted


def test_the_front_door_queue_with_10000_referrals_is_bounded_and_ordered(
    client, demo, django_assert_max_num_queries
):
    now = timezone.now()
    rows = bulk_referrals(10_000, partnership=demo.riverside)
    for index, referral in enumerate(rows):
        referral.received_at = now - timedelta(minutes=index)
        referral.immediate_danger = index == 5000
    Referral.objects.bulk_create(rows, batch_size=2000)
    sign_in(client, FRONT_DOOR_HILLFORD)

    with django_assert_max_num_queries(14):
        response = client.get("/referrals/queue/")

    listed = list(response.context["object_list"])
    assert response.context["paginator"].count == 10_000
    assert listed[0].pk == rows[5000].pk  # flagged first
    assert listed[1].pk == rows[-1].pk  # then the oldest
    assert "Late by" in response.content.decode() or "Due today" in response.content.decode()


@pytest.mark.parametrize(
    ("today", "received", "expected", "not_shown"),
    [
        # Due Friday 20 November, looked at on the Saturday: a day late, not due today.
        (
            datetime(2026, 11, 21, 10),
            datetime(2026, 11, 19, 10),
            "Late by 1 working day",
            "Due today",
        ),
        # Due Thursday 24 December, looked at on Christmas Day (a bank holiday).
        (
            datetime(2026, 12, 25, 10),
            datetime(2026, 12, 23, 10),
            "Late by 1 working day",
            "Due today",
        ),
        # Due Monday 23 November, looked at that day, and on the Saturday before.
        (datetime(2026, 11, 23, 10), datetime(2026, 11, 20, 10), "Due today", "Late by"),
        (datetime(2026, 11, 21, 10), datetime(2026, 11, 20, 10), None, "Due today"),
    ],
)
def test_the_queue_says_a_referral_is_late_once_its_day_has_passed_even_at_a_weekend(
    client, demo, time_machine, today, received, expected, not_shown
):
    london = ZoneInfo("Europe/London")
    time_machine.move_to(today.replace(tzinfo=london), tick=False)
    referral = SubmittedReferralFactory(received_at=received.replace(tzinfo=london))
    sign_in(client, FRONT_DOOR_HILLFORD)

    row = part_from(client.get("/referrals/queue/").content.decode(), referral.reference, "</tr>")
    detail = client.get(referral.get_absolute_url()).content.decode()

    if expected:
        assert expected in row
    assert not_shown not in row
    assert ("Deadline passed" in detail) == (expected or "").startswith("Late")


def test_the_queue_reads_referrals_only_through_indexes(demo, needs_services):
    decided = {"status": ReferralStatus.DECIDED, "decision": Decision.NO_FURTHER_ACTION}
    Referral.objects.bulk_create(bulk_referrals(3000, **decided))
    Referral.objects.bulk_create(bulk_referrals(5))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE referrals_referral")

    plan = selectors.front_door_queue(demo.user(FRONT_DOOR_HILLFORD))[:50].explain()

    # The few waiting are found through an index, not by reading every referral the council has.
    assert re.search(r"Seq Scan on referrals_referral\w*", plan) is None, plan
    assert "Index" in plan


def test_the_front_door_sees_possible_duplicates_and_the_referrer_does_not(client, demo):
    SubmittedReferralFactory()
    later = SubmittedReferralFactory()

    responses = check_access(
        client, f"/referrals/{later.pk}/", {FRONT_DOOR_HILLFORD: 200, PRACTITIONER_HEALTH: 200}
    )

    assert "Possible duplicate" in responses[FRONT_DOOR_HILLFORD].content.decode()
    assert "Possible duplicate" not in responses[PRACTITIONER_HEALTH].content.decode()


def test_the_front_door_shares_a_referral_and_withdraws_it(client, demo):
    referral = SubmittedReferralFactory()
    url = f"/referrals/{referral.pk}/share/"
    check_access(client, url, {FRONT_DOOR_HILLFORD: 200, PRACTITIONER_HEALTH: 403, **CANNOT_SEE})
    sign_in(client, FRONT_DOOR_HILLFORD)

    shared = client.post(
        url,
        {
            "agency": demo.agency("Midshire Police").pk,
            "reason": "Police hold information about the household.",
            "lawful_basis": "safeguarding",
        },
    )
    assert shared.status_code == 302
    check_access(client, f"/referrals/{referral.pk}/", {PRACTITIONER_POLICE: 200})

    decision = referral.sharing.get()
    sign_in(client, FRONT_DOOR_HILLFORD)
    client.post(f"/referrals/{referral.pk}/share/{decision.pk}/withdraw/")
    check_access(client, f"/referrals/{referral.pk}/", {PRACTITIONER_POLICE: 404})


def test_share_sent_twice_records_one_decision_and_withdrawing_it_ends_the_access(client, demo):
    referral = SubmittedReferralFactory()
    url = f"/referrals/{referral.pk}/share/"
    police = demo.agency("Midshire Police")
    share = {
        "agency": police.pk,
        "reason": "Police hold information.",
        "lawful_basis": "safeguarding",
    }
    sign_in(client, FRONT_DOOR_HILLFORD)

    first = client.post(url, share)
    second = client.post(url, share)

    assert first.status_code == 302
    assert second.status_code == 200
    assert "already shared with Midshire Police" in second.content.decode()
    decision = referral.sharing.get()
    client.post(f"/referrals/{referral.pk}/share/{decision.pk}/withdraw/")
    check_access(client, f"/referrals/{referral.pk}/", {PRACTITIONER_POLICE: 404})
    sign_in(client, FRONT_DOOR_HILLFORD)  # withdrawn, it can be shared again
    assert client.post(url, share).status_code == 302
    check_access(client, f"/referrals/{referral.pk}/", {PRACTITIONER_POLICE: 200})
    assert referral.sharing.filter(withdrawn_at__isnull=True).count() == 1


def test_a_draft_cannot_be_shared_even_by_a_front_door_worker_who_wrote_it(client, demo):
    front_door = demo.user(FRONT_DOOR_HILLFORD)
    draft = DraftReferralFactory(referrer=front_door)
    services.referral_draft_update(
        referral=draft, by=front_door, local_authority=demo.agency("Hillford Council")
    )
    url = f"/referrals/{draft.pk}/share/"

    check_access(client, url, {FRONT_DOOR_HILLFORD: 404, FRONT_DOOR_RIVERSIDE: 404})
    check_access(
        client,
        url,
        {FRONT_DOOR_HILLFORD: 404},
        method="post",
        data={
            "agency": demo.agency("Midshire Police").pk,
            "reason": "x",
            "lawful_basis": "safeguarding",
        },
    )
    assert not selectors.is_front_door_for(front_door, draft)
    assert not draft.sharing.exists()


def test_a_draft_has_no_decision_page_even_for_a_front_door_worker_who_wrote_it(client, demo):
    front_door = demo.user(FRONT_DOOR_HILLFORD)
    draft = DraftReferralFactory(referrer=front_door)
    services.referral_draft_update(
        referral=draft, by=front_door, local_authority=demo.agency("Hillford Council")
    )
    own_draft = DraftReferralFactory()  # practitioner.health's
    url = f"/referrals/{draft.pk}/decision/"

    check_access(client, url, {FRONT_DOOR_HILLFORD: 404, FRONT_DOOR_RIVERSIDE: 404})
    check_access(
        client,
        url,
        {FRONT_DOOR_HILLFORD: 404},
        method="post",
        data={"decision": "early_help", "reasons": "x"},
    )
    check_access(client, f"/referrals/{own_draft.pk}/decision/", {PRACTITIONER_HEALTH: 404})
    assert Referral.objects.get(pk=draft.pk).status == ReferralStatus.DRAFT


def test_a_decided_referral_cannot_be_decided_again(client, demo):
    referral = DecidedReferralFactory()

    check_access(client, f"/referrals/{referral.pk}/decision/", {FRONT_DOOR_HILLFORD: 403})


def test_the_referral_dashboard_shows_counts_and_never_names(
    client, demo, django_assert_max_num_queries
):
    DecidedReferralFactory()
    SubmittedReferralFactory(categories=["neglect", "domestic_abuse"])
    responses = check_access(
        client,
        "/referrals/dashboard/",
        {
            BUSINESS: 200,
            SCRUTINEER: 200,
            LEAD_HEALTH: 200,
            OTHER_PARTNERSHIP: 200,
            PRACTITIONER_POLICE: 403,
            FRONT_DOOR_HILLFORD: 403,
            ANONYMOUS: 302,
        },
    )

    page = responses[SCRUTINEER].content.decode()
    assert "Hillford Council" in page and "Early help" in page and "Domestic abuse" in page
    assert "Maya" not in page and "Brook" not in page
    assert "Hillford Council" not in responses[OTHER_PARTNERSHIP].content.decode()
    Referral.objects.bulk_create(bulk_referrals(500, partnership=demo.riverside))
    sign_in(client, BUSINESS)
    with django_assert_max_num_queries(16):
        assert client.get("/referrals/dashboard/").status_code == 200


def test_escalation_pages_for_each_person(client, demo, django_assert_max_num_queries):
    referral = DecidedReferralFactory()
    sign_in(client, PRACTITIONER_HEALTH)
    form = client.get(f"/referrals/escalations/new/?referral={referral.pk}")
    assert "Early help on referral" in form.content.decode()
    raised = client.post(
        f"/referrals/escalations/new/?referral={referral.pk}",
        {
            "against_agency": demo.agency("Hillford Council").pk,
            "decision_disputed": "Early help",
            "reason": "A sibling was injured last year.",
            "outcome_sought": "A strategy discussion.",
            "theme": "threshold",
        },
    )
    escalation = referral.escalations.get()
    assert raised["Location"] == f"/referrals/escalations/{escalation.pk}/"
    url = f"/referrals/escalations/{escalation.pk}/"

    check_access(
        client,
        url,
        {
            PRACTITIONER_HEALTH: 200,
            FRONT_DOOR_HILLFORD: 200,
            FRONT_DOOR_RIVERSIDE: 404,
            PRACTITIONER_POLICE: 404,
            BUSINESS: 404,
            OTHER_PARTNERSHIP: 404,
            SCRUTINEER: 404,
            ANONYMOUS: 302,
        },
    )
    check_access(
        client,
        f"{url}respond/",
        {PRACTITIONER_POLICE: 404, ANONYMOUS: 302},
        method="post",
        data={"text": "x"},
    )
    sign_in(client, FRONT_DOOR_HILLFORD)
    client.post(f"{url}respond/", {"text": "We will hold a strategy discussion."})
    client.post(f"{url}resolve/", {"resolution": "agreed"})  # not the raiser: refused
    client.post(
        f"{url}good-practice/",
        {"agency": demo.agency("Riverside Community Health NHS Trust").pk, "description": "Clear"},
    )
    escalation.refresh_from_db()
    assert escalation.is_open and escalation.good_practice.count() == 1
    sign_in(client, PRACTITIONER_HEALTH)
    # The raiser's page asks once whether they may change the escalation, for all its buttons.
    with django_assert_max_num_queries(12):
        page = client.get(url).content.decode()
    assert "We will hold a strategy discussion." in page
    assert "Escalate to stage 2" in page
    client.post(f"{url}escalate/")
    assert referral.escalations.get().stage == 2
    client.post(f"{url}resolve/", {"resolution": "decision_changed", "notes": "Strategy held."})
    escalation.refresh_from_db()
    assert escalation.resolution == "decision_changed"


def test_the_business_team_told_of_a_stage_nobody_holds_can_open_the_escalation(client, demo):
    escalation = OpenEscalationFactory(today=date(2026, 11, 20))
    url = escalation.get_absolute_url()
    check_access(client, url, {BUSINESS: 404})

    # Hillford Council has no line manager for stage 2: the business team is told instead.
    services.escalation_stage_sweep(today=date(2026, 11, 30))

    told = Notification.objects.get(stage="stage_2", recipient__username=BUSINESS)
    assert told.url == url
    check_access(client, url, {BUSINESS: 200, OTHER_PARTNERSHIP: 404, PRACTITIONER_POLICE: 404})
    sign_in(client, BUSINESS)
    client.post(f"{url}respond/", {"text": "Chased Hillford's service manager today."})
    assert escalation.responses.get().agency.name == "Riverside Council"
    # And it hears the outcome, as the stage's contacts would.
    services.escalation_resolve(escalation=escalation, by=escalation.raised_by, resolution="agreed")
    assert Notification.objects.filter(
        kind="escalation_resolved", recipient__username=BUSINESS
    ).exists()


def test_the_escalation_form_for_a_referral_offers_only_its_partnerships_agencies(client, demo):
    referral = referral_shared_with_the_police(demo)  # a Riverside referral
    northgate = demo.agency("Northgate Council")
    sign_in(client, PRACTITIONER_POLICE)  # Midshire Police is in Riverside and Northgate
    url = f"/referrals/escalations/new/?referral={referral.pk}"

    form = client.get(url).content.decode()
    refused = client.post(
        url,
        {
            "against_agency": northgate.pk,
            "decision_disputed": "No further action.",
            "reason": "Not explained.",
            "outcome_sought": "A strategy discussion.",
            "theme": "threshold",
        },
    )

    assert "Hillford Council" in form and "Northgate Council" not in form
    assert refused.status_code == 200 and "There is a problem" in refused.content.decode()
    assert not referral.escalations.exists()
    about_none = client.get("/referrals/escalations/new/", {"partnership": demo.northgate.pk})
    assert "Northgate Council" in about_none.content.decode()


def test_a_disagreement_about_a_referral_is_raised_in_its_partnership_without_asking(client, demo):
    referral = referral_shared_with_the_police(demo)  # a Riverside referral
    sign_in(client, PRACTITIONER_POLICE)  # Midshire Police is in Riverside and Northgate
    url = f"/referrals/escalations/new/?referral={referral.pk}"

    form = client.get(url).content.decode()
    raised = client.post(
        url,
        {
            "against_agency": demo.agency("Hillford Council").pk,
            "decision_disputed": "No further action.",
            "reason": "Not explained.",
            "outcome_sought": "A strategy discussion.",
            "theme": "threshold",
        },
    )

    assert "Which partnership" not in form and "Choose another partnership" not in form
    assert f'<span class="govuk-caption-l">{demo.riverside.name}</span>' in form
    assert raised.status_code == 302
    assert referral.escalations.get().partnership == demo.riverside


def test_the_raisers_agency_safeguarding_lead_is_offered_resolve_and_escalate(client, demo):
    escalation = OpenEscalationFactory()
    trust = escalation.raised_by_agency
    lead = UserFactory(agency=trust)
    RoleAssignmentFactory(
        user=lead, partnership=escalation.partnership, role=Role.AGENCY_SAFEGUARDING_LEAD
    )
    url = escalation.get_absolute_url()

    client.force_login(lead)
    page = client.get(url).content.decode()
    assert '<h2 class="govuk-heading-m">Resolve</h2>' in page
    assert "Escalate to stage 2" in page
    client.post(f"{url}escalate/")
    assert Escalation.objects.get(pk=escalation.pk).stage == 2
    client.post(f"{url}resolve/", {"resolution": "agreed"})
    assert Escalation.objects.get(pk=escalation.pk).resolution == "agreed"

    sign_in(client, FRONT_DOOR_HILLFORD)  # the other side: may respond, not resolve
    other_side = client.get(url).content.decode()
    assert "Resolve</h2>" not in other_side and "Escalate to stage" not in other_side


def test_an_escalation_form_with_mistakes_says_what_is_wrong(client, demo):
    sign_in(client, PRACTITIONER_HEALTH)

    response = client.post(
        "/referrals/escalations/new/",
        {
            "against_agency": demo.agency("Riverside Community Health NHS Trust").pk,
            "decision_disputed": "x",
            "reason": "y",
            "outcome_sought": "z",
            "theme": "other",
        },
    )

    assert "another agency, not your own" in response.content.decode()


@pytest.mark.parametrize("referral", ["\u00b2", "\u0661", "9" * 40, "-1", "1 "])
def test_the_escalation_form_ignores_a_referral_that_is_not_a_number(client, demo, referral):
    sign_in(client, PRACTITIONER_HEALTH)

    response = client.get("/referrals/escalations/new/", {"referral": referral})

    assert response.status_code == 200


def test_the_escalation_list_and_dashboard(client, demo, django_assert_max_num_queries):
    for _ in range(12):
        OpenEscalationFactory()
    services.escalation_resolve(
        escalation=OpenEscalationFactory(),
        by=demo.user(PRACTITIONER_HEALTH),
        resolution="decision_upheld",
    )
    lists = check_access(
        client,
        "/referrals/escalations/",
        {
            PRACTITIONER_HEALTH: 200,
            FRONT_DOOR_HILLFORD: 200,
            PRACTITIONER_POLICE: 200,
            OTHER_PARTNERSHIP: 200,
            ANONYMOUS: 302,
        },
    )
    assert lists[PRACTITIONER_HEALTH].context["paginator"].count == 13
    assert lists[PRACTITIONER_POLICE].context["paginator"].count == 0
    dashboards = check_access(
        client,
        "/referrals/escalations/dashboard/",
        {
            BUSINESS: 200,
            SCRUTINEER: 200,
            OTHER_PARTNERSHIP: 200,
            PRACTITIONER_HEALTH: 403,
            DSL_SCHOOL: 403,
            ANONYMOUS: 302,
        },
    )
    page = dashboards[SCRUTINEER].content.decode()
    assert "Decision upheld" in page and "Threshold for a service" in page
    assert "Stage 1" in page
    assert "Hillford Council" not in dashboards[OTHER_PARTNERSHIP].content.decode()
    sign_in(client, PRACTITIONER_HEALTH)
    with django_assert_max_num_queries(12):
        client.get("/referrals/escalations/", {"status": "open"})
    sign_in(client, BUSINESS)
    with django_assert_max_num_queries(16):
        client.get("/referrals/escalations/dashboard/")


@pytest.mark.parametrize(
    "url",
    [
        "/admin/referrals/referral/",
        "/admin/referrals/referral/?status__exact=submitted&q=R-000001",
        "/admin/referrals/referral/?q=R-\u00b2",
        "/admin/referrals/referral/?q=R-\u0661\u0662",
        "/admin/referrals/escalation/",
        "/admin/referrals/escalationstage/",
        "/admin/referrals/informationsharingdecision/",
    ],
)
def test_the_admin_serves_referral_models_to_admins_only(client, demo, url):
    SubmittedReferralFactory()
    OpenEscalationFactory()
    check_access(client, url, {ADMIN: 200, BUSINESS: 302})


def test_the_admin_lists_referrals_newest_first_with_front_doors_to_filter_by(
    client, demo, django_assert_max_num_queries
):
    older, newer = SubmittedReferralFactory(), SubmittedReferralFactory()
    SubmittedReferralFactory.create_batch(3)
    sign_in(client, ADMIN)
    with django_assert_max_num_queries(12):
        page = client.get("/admin/referrals/referral/").content.decode()

    assert page.index(newer.reference) < page.index(older.reference)
    front_doors = part_from(page, "By local authority", "</ul>")
    assert "Hillford Council" in front_doors and "Riverside Council" in front_doors
    # Only councils are front doors: the filter does not list every agency in the country.
    assert "Midshire Police" not in front_doors and "St Anne" not in front_doors
    sharing = client.get("/admin/referrals/informationsharingdecision/").content.decode()
    assert "By agency" not in sharing


def test_the_admin_never_shows_a_childs_details_typed_on_a_draft_page_that_failed(client, demo):
    # Kept on the draft, not yet any child's record, so no read of them could be logged.
    draft = DraftReferralFactory()
    sign_in(client, PRACTITIONER_HEALTH)
    client.post(
        f"/referrals/{draft.pk}/child/", {**CHILD, "first_name": "Zephyrine", "postcode": ""}
    )
    draft.refresh_from_db()
    assert draft.draft_answers["child-new"]["first_name"] == "Zephyrine"
    sign_in(client, ADMIN)

    page = client.get(f"/admin/referrals/referral/{draft.pk}/change/")

    assert page.status_code == 200
    assert "Zephyrine" not in page.content.decode()


def test_a_person_without_an_agency_cannot_start_a_referral(client, demo):
    sign_in(client, SCRUTINEER)

    assert client.post("/referrals/new/").status_code == 403


def test_the_business_team_sets_the_escalation_stages(client, demo):
    url = f"/referrals/escalations/stages/{demo.riverside.pk}/"
    check_access(
        client,
        url,
        {
            BUSINESS: 200,
            PRACTITIONER_HEALTH: 403,
            SCRUTINEER: 403,
            OTHER_PARTNERSHIP: 404,
            ANONYMOUS: 302,
        },
    )
    stages = services.escalation_stages_for(demo.riverside)
    data = {"form-TOTAL_FORMS": "4", "form-INITIAL_FORMS": "4"}
    for index, stage in enumerate(stages):
        data |= {
            f"form-{index}-id": stage.pk,
            f"form-{index}-name": stage.name,
            f"form-{index}-response_working_days": 3 if index == 0 else 5,
        }
    sign_in(client, BUSINESS)

    assert client.post(url, data).status_code == 302
    assert client.post(url, {**data, "form-1-response_working_days": 0}).status_code == 200

    escalation = OpenEscalationFactory(today=date(2026, 11, 20))
    assert escalation.stage_due_on == date(2026, 11, 25)


def test_the_demo_referrals_load_once_and_show_the_front_door_at_work(client, demo):
    referral_demo.seed(partnerships={})
    referral_demo.seed(partnerships={})

    assert Referral.objects.count() == 4
    sign_in(client, FRONT_DOOR_HILLFORD)
    queue = client.get("/referrals/queue/").content.decode()
    waiting = Referral.objects.get(referrer__username=PRACTITIONER_HEALTH, decision="")
    assert waiting.reference in queue
    # The decisions start the clocks that follow them: a conference and two assessments.
    assert Referral.objects.exclude(conference_due_on=None).count() == 1
    assert Referral.objects.exclude(assessment_due_on=None).count() == 2


def test_a_referrer_adds_a_second_child_and_removes_it(client, demo):
    draft = DraftReferralFactory()
    sign_in(client, PRACTITIONER_HEALTH)
    client.post(f"/referrals/{draft.pk}/child/", CHILD)

    added = client.post(
        f"/referrals/{draft.pk}/child/add/?return=check", {**CHILD, "first_name": "Ava"}
    )

    assert added["Location"] == f"/referrals/{draft.pk}/check/"
    ava = draft.children.get(first_name="Ava")
    assert "Remove child 2" in client.get(f"/referrals/{draft.pk}/check/").content.decode()
    check_access(
        client,
        f"/referrals/{draft.pk}/child/{ava.pk}/remove/",
        {FRONT_DOOR_HILLFORD: 404, ANONYMOUS: 302},
        method="post",
    )
    sign_in(client, PRACTITIONER_HEALTH)
    client.post(f"/referrals/{draft.pk}/child/{ava.pk}/remove/")
    assert list(draft.children.values_list("first_name", flat=True)) == ["Maya"]


def test_the_api_schema_describes_the_referral_endpoints(client, demo):
    sign_in(client, BUSINESS)

    paths = client.get("/api/v1/schema/", {"format": "json"}).json()["paths"]

    assert {
        "/api/v1/referrals/",
        "/api/v1/referrals/{id}/decision/",
        "/api/v1/escalations/{id}/respond/",
        "/api/v1/escalations/{id}/resolve/",
    } <= set(paths)


def test_an_agency_safeguarding_lead_sees_their_agencys_referrals(client, demo):
    teacher = UserFactory(agency=demo.agency("St Anne's Primary School"))
    referral = SubmittedReferralFactory(referrer=teacher)

    responses = check_access(
        client,
        "/referrals/made-by-your-agency/",
        {DSL_SCHOOL: 200, PRACTITIONER_HEALTH: 404},
    )

    assert referral.reference in responses[DSL_SCHOOL].content.decode()
    check_access(client, f"/referrals/{referral.pk}/", {DSL_SCHOOL: 200, PRACTITIONER_HEALTH: 404})


def test_reading_a_referral_in_the_admin_is_logged(client, demo):
    referral = SubmittedReferralFactory()

    check_access(client, f"/admin/referrals/referral/{referral.pk}/change/", {ADMIN: 200})

    entry = AccessLogEntry.objects.get(channel="admin")
    assert entry.record == f"Child {referral.children.get().pk} on referral {referral.reference}"
    assert entry.partnership == demo.riverside


OUTSIDERS = {
    BUSINESS: 404,
    PRACTITIONER_POLICE: 404,
    FRONT_DOOR_RIVERSIDE: 404,
    OTHER_PARTNERSHIP: 404,
    SCRUTINEER: 404,
    ANONYMOUS: 302,
}


def test_every_referral_page_answers_each_persona(client, demo):
    draft = DraftReferralFactory()
    referral = SubmittedReferralFactory()
    decision = services.information_sharing_record(
        referral=referral,
        by=demo.user(FRONT_DOOR_HILLFORD),
        agency=demo.agency("Riverside Homes"),
        reason="Housing are rehousing the family.",
        lawful_basis="public_task",
    )

    check_access(
        client,
        "/referrals/new/",
        {PRACTITIONER_HEALTH: 200, BUSINESS: 200, OTHER_PARTNERSHIP: 200, ANONYMOUS: 302},
    )
    check_access(client, "/referrals/new/", {SCRUTINEER: 403, ANONYMOUS: 302}, method="post")
    check_access(
        client, f"/referrals/{draft.pk}/child/add/", {PRACTITIONER_HEALTH: 200, **OUTSIDERS}
    )
    check_access(
        client,
        f"/referrals/{referral.pk}/share/{decision.pk}/withdraw/",
        {PRACTITIONER_HEALTH: 403, **OUTSIDERS},
        method="post",
    )
    check_access(
        client,
        "/referrals/queue/",
        {
            FRONT_DOOR_HILLFORD: 200,
            BUSINESS: 403,
            PRACTITIONER_POLICE: 403,
            OTHER_PARTNERSHIP: 403,
            SCRUTINEER: 403,
            ANONYMOUS: 302,
        },
    )


def test_every_escalation_page_answers_each_persona(client, demo):
    escalation = OpenEscalationFactory()
    url = f"/referrals/escalations/{escalation.pk}/"

    check_access(
        client,
        "/referrals/escalations/new/",
        {PRACTITIONER_HEALTH: 200, BUSINESS: 200, SCRUTINEER: 403, ADMIN: 403, ANONYMOUS: 302},
    )
    # Only staff of an agency raise disagreements: the others are not offered the button.
    for persona, offered in ((PRACTITIONER_HEALTH, True), (SCRUTINEER, False), (ADMIN, False)):
        sign_in(client, persona)
        listed = client.get("/referrals/escalations/").content.decode()
        assert ('href="/referrals/escalations/new/"' in listed) is offered, persona
    check_access(
        client,
        "/referrals/escalations/",
        {BUSINESS: 200, SCRUTINEER: 200, OTHER_PARTNERSHIP: 200, ANONYMOUS: 302},
    )
    for action in ("respond", "resolve", "escalate", "good-practice"):
        check_access(client, f"{url}{action}/", OUTSIDERS, method="post", data={"text": "x"})
    escalation.refresh_from_db()
    assert (escalation.stage, escalation.status, escalation.responses.count()) == (1, "open", 0)


def test_escalation_stages_sent_with_an_extra_blank_row_are_refused_with_a_message(client, demo):
    url = f"/referrals/escalations/stages/{demo.riverside.pk}/"
    stages = services.escalation_stages_for(demo.riverside)
    data = {
        "form-TOTAL_FORMS": str(len(stages) + 1),
        "form-INITIAL_FORMS": str(len(stages)),
        f"form-{len(stages)}-id": "",
        f"form-{len(stages)}-name": "",
        f"form-{len(stages)}-response_working_days": "",
    }
    for index, stage in enumerate(stages):
        data |= {
            f"form-{index}-id": stage.pk,
            f"form-{index}-name": stage.name,
            f"form-{index}-response_working_days": 9,
        }
    sign_in(client, BUSINESS)

    response = client.post(url, data, follow=True)

    assert response.status_code == 200
    assert "nothing was saved" in response.content.decode()
    assert [s.response_working_days for s in services.escalation_stages_for(demo.riverside)] == [
        s.response_working_days for s in stages
    ]


def test_an_escalation_step_with_mistakes_comes_back_with_what_was_typed(client, demo):
    escalation = OpenEscalationFactory()
    url = escalation.get_absolute_url()
    sign_in(client, PRACTITIONER_HEALTH)

    resolved = client.post(f"{url}resolve/", {"notes": "A strategy discussion was held."})
    good_practice = client.post(
        f"{url}good-practice/", {"description": "Called back within the hour."}
    )

    for response in (resolved, good_practice):
        assert response.status_code == 200
        assert_error_summary_links_land(response.content.decode())
    assert "Choose the outcome." in resolved.content.decode()
    assert "A strategy discussion was held.</textarea>" in resolved.content.decode()
    assert "Choose the agency." in good_practice.content.decode()
    assert '<details class="govuk-details" open>' in good_practice.content.decode()
    assert "Called back within the hour.</textarea>" in good_practice.content.decode()
    assert Escalation.objects.get(pk=escalation.pk).is_open
    assert not escalation.good_practice.exists()


def test_an_escalation_response_left_blank_says_so_beside_the_box(client, demo):
    escalation = OpenEscalationFactory()
    sign_in(client, FRONT_DOOR_HILLFORD)

    response = client.post(f"{escalation.get_absolute_url()}respond/", {"text": "   "})

    assert response.status_code == 200
    assert_error_summary_links_land(response.content.decode())
    assert "Write your response." in response.content.decode()
    assert not escalation.responses.exists()
