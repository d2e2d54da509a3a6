from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from referrals import services
from referrals.models import Escalation, Referral
from safeguarding.models import AccessLogEntry, Notification
from tests.partnerships.factories import MembershipFactory
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
    VALID_NHS_NUMBER,
    DecidedReferralFactory,
    DraftReferralFactory,
    OpenEscalationFactory,
    SubmittedReferralFactory,
    bulk_referrals,
    referral_shared_with_the_police,
)
from tests.support.clock import LONDON

OUTSIDERS = {
    BUSINESS: 404,
    PRACTITIONER_POLICE: 404,
    FRONT_DOOR_RIVERSIDE: 404,
    OTHER_PARTNERSHIP: 404,
    SCRUTINEER: 404,
}


@pytest.fixture
def api():
    return APIClient()


def referral_payload(demo, **overrides):
    child = {
        "first_name": "Maya",
        "last_name": "Brook",
        "date_of_birth": "2019-05-04",
        "local_authority": demo.agency("Hillford Council").pk,
        "postcode": "HF1 2AB",
        "nhs_number": VALID_NHS_NUMBER,
        **overrides.pop("child", {}),
    }
    return {
        "child": child,
        "concerns": "Bruising on both arms, explained differently by each parent.",
        "categories": ["physical", "neglect"],
        "immediate_danger": False,
        "consent": "given",
        "reason_without_consent": "",
        **overrides,
    }


def test_the_must_show_journey_through_the_api(api, demo, mailoutbox):
    """practitioner.health refers a Hillford child; its front door decides; others cannot see."""
    sign_in(api, PRACTITIONER_HEALTH)
    created = api.post("/api/v1/referrals/", referral_payload(demo), format="json")

    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "submitted"
    assert body["front_door"] == demo.agency("Hillford Council").pk
    assert date.fromisoformat(body["decision_due_by"]) > date.fromisoformat(
        body["received_at"][:10]
    )
    url = f"/api/v1/referrals/{body['id']}/"

    responses = check_access(
        api,
        url,
        {PRACTITIONER_HEALTH: 200, FRONT_DOOR_HILLFORD: 200, **OUTSIDERS, ANONYMOUS: 401},
    )
    assert responses[FRONT_DOOR_HILLFORD].json()["children"][0]["first_name"] == "Maya"
    check_access(
        api,
        f"{url}decision/",
        {
            PRACTITIONER_HEALTH: 403,
            FRONT_DOOR_RIVERSIDE: 404,
            PRACTITIONER_POLICE: 404,
            BUSINESS: 404,
            ANONYMOUS: 401,
        },
        method="post",
        data={"decision": "early_help", "reasons": "x"},
        format="json",
    )
    sign_in(api, PRACTITIONER_HEALTH)
    refused = api.post(f"{url}decision/", {"decision": "early_help", "reasons": "x"})
    assert "Only the front door" in refused.json()["detail"]

    sign_in(api, FRONT_DOOR_HILLFORD)
    decided = api.post(
        f"{url}decision/",
        {"decision": "strategy_discussion", "reasons": "Strategy meeting today at 3pm."},
    )
    assert decided.status_code == 200
    assert decided.json()["status"] == "decided"

    sign_in(api, PRACTITIONER_HEALTH)
    seen = api.get(url).json()
    assert seen["decision"] == "strategy_discussion"
    assert seen["decision_reasons"] == "Strategy meeting today at 3pm."
    assert seen["decided_at"]
    assert Notification.objects.filter(
        kind="referral_decided", recipient__username=PRACTITIONER_HEALTH
    ).exists()
    assert AccessLogEntry.objects.filter(channel="api", user__username=FRONT_DOOR_HILLFORD).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"child": {"date_of_birth": (date.today() + timedelta(days=2)).isoformat()}}, "child"),
        ({"child": {"nhs_number": "9434765918"}}, "child"),
        ({"child": {"nhs_number": "943476591\u00b2"}}, "child"),
        (
            {
                "child": {
                    "nhs_number": "\u0669\u0664\u0663\u0664\u0667\u0666\u0665\u0669\u0661\u0669"
                }
            },
            "child",
        ),
        ({"concerns": ""}, "concerns"),
        ({"consent": "refused", "reason_without_consent": ""}, "reason_without_consent"),
        ({"categories": ["aliens"]}, "categories"),
        ({"child": {"local_authority": 999999}}, "child"),
    ],
)
def test_bad_input_is_400_with_a_message_for_the_field(api, demo, overrides, field):
    sign_in(api, PRACTITIONER_HEALTH)

    response = api.post("/api/v1/referrals/", referral_payload(demo, **overrides), format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_a_future_date_of_birth_says_what_is_wrong(api, demo):
    sign_in(api, PRACTITIONER_HEALTH)
    tomorrow = (date.today() + timedelta(days=1)).isoformat()

    response = api.post(
        "/api/v1/referrals/",
        referral_payload(demo, child={"date_of_birth": tomorrow}),
        format="json",
    )

    assert "must be in the past" in response.json()["child"]["date_of_birth"][0]


def test_a_decision_on_a_decided_referral_or_a_bad_decision_is_400(api, demo):
    referral = SubmittedReferralFactory()
    sign_in(api, FRONT_DOOR_HILLFORD)
    url = f"/api/v1/referrals/{referral.pk}/decision/"

    bad = api.post(url, {"decision": "jail", "reasons": "x"})
    first = api.post(url, {"decision": "no_further_action", "reasons": "Nothing to add."})
    again = api.post(url, {"decision": "early_help", "reasons": "x"})

    assert (bad.status_code, first.status_code, again.status_code) == (400, 200, 400)
    assert "decision" in bad.json() and "already been decided" in again.json()["decision"][0]


def test_the_list_is_filtered_and_paginated_within_a_query_budget(
    api, demo, django_assert_max_num_queries
):
    SubmittedReferralFactory()
    Referral.objects.bulk_create(bulk_referrals(60, front_door=demo.agency("Riverside Council")))
    sign_in(api, FRONT_DOOR_HILLFORD)

    with django_assert_max_num_queries(8):
        response = api.get("/api/v1/referrals/", {"status": "submitted"})

    body = response.json()
    assert len(body["results"]) == 1  # another council's referrals are not seen
    assert body["results"][0]["categories"] == ["physical"]
    assert "children" not in body["results"][0]
    check_access(api, "/api/v1/referrals/", {PRACTITIONER_POLICE: 200, ANONYMOUS: 401})
    assert api.get("/api/v1/referrals/", {"status": "nonsense"}).status_code in (400, 401)


def test_the_list_pages_newest_first_by_position_without_counting(api, demo):
    now = timezone.now()
    rows = bulk_referrals(120)
    for minutes, referral in enumerate(rows):
        referral.received_at = now - timedelta(minutes=minutes)
    Referral.objects.bulk_create(rows)
    sign_in(api, FRONT_DOOR_HILLFORD)

    sizes, listed, url = [], [], "/api/v1/referrals/"
    while url:
        with CaptureQueriesContext(connection) as queries:
            body = api.get(url).json()
        counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"]]
        assert not counts, "a page counted the whole list"
        sizes.append(len(body["results"]))
        listed.extend(r["id"] for r in body["results"])
        url = body["next"]

    assert sizes == [50, 50, 20]
    assert listed == [r.pk for r in rows]  # newest first, each once


def test_escalations_through_the_api(api, demo):
    referral = SubmittedReferralFactory()
    sign_in(api, PRACTITIONER_HEALTH)
    created = api.post(
        "/api/v1/escalations/",
        {
            "referral": referral.pk,
            "against_agency": demo.agency("Hillford Council").pk,
            "decision_disputed": "No further action.",
            "reason": "The injuries were not explained.",
            "outcome_sought": "A strategy discussion.",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["stage"], body["status"]) == (1, "open")
    assert body["stage_due_on"]
    url = f"/api/v1/escalations/{body['id']}/"

    check_access(
        api,
        url,
        {
            PRACTITIONER_HEALTH: 200,
            FRONT_DOOR_HILLFORD: 200,
            PRACTITIONER_POLICE: 404,
            BUSINESS: 404,
            OTHER_PARTNERSHIP: 404,
            SCRUTINEER: 404,
            ANONYMOUS: 401,
        },
    )
    sign_in(api, FRONT_DOOR_HILLFORD)
    responded = api.post(f"{url}respond/", {"text": "We will hold a strategy discussion."})
    refused = api.post(f"{url}resolve/", {"resolution": "agreed"})
    assert responded.status_code == 201
    assert refused.status_code == 403

    assert api.post(f"{url}escalate/").status_code == 403
    sign_in(api, PRACTITIONER_HEALTH)
    escalated = api.post(f"{url}escalate/")
    assert (escalated.status_code, escalated.json()["stage"]) == (200, 2)
    assert api.post(f"{url}resolve/", {"resolution": "won"}).status_code == 400
    resolved = api.post(f"{url}resolve/", {"resolution": "decision_changed"})
    assert resolved.status_code == 200
    assert resolved.json()["status"] == "resolved"
    assert resolved.json()["responses"][0]["text"] == "We will hold a strategy discussion."


def test_an_escalation_about_a_referral_against_an_agency_outside_its_partnership_is_400(api, demo):
    referral = referral_shared_with_the_police(demo)  # a Riverside referral
    sign_in(api, PRACTITIONER_POLICE)

    response = api.post(
        "/api/v1/escalations/",
        {
            "referral": referral.pk,
            "against_agency": demo.agency("Northgate Council").pk,  # Northgate's, not Riverside's
            "decision_disputed": "No further action.",
            "reason": "The injuries were not explained.",
            "outcome_sought": "A strategy discussion.",
        },
        format="json",
    )

    assert response.status_code == 400
    assert "against_agency" in response.json()
    assert not Escalation.objects.exists()


def disagreement(against, **named):
    return {
        "against_agency": against.pk,
        "decision_disputed": "No further action.",
        "reason": "The injuries were not explained.",
        "outcome_sought": "A strategy discussion.",
        **named,
    }


def test_an_escalation_between_agencies_in_two_partnerships_says_which(api, demo):
    probation = demo.agency("Midshire Probation Service")  # in Riverside; now Northgate too
    MembershipFactory(partnership=demo.northgate, agency=probation)
    sign_in(api, PRACTITIONER_POLICE)  # Midshire Police is in Riverside and Northgate

    unsaid = api.post("/api/v1/escalations/", disagreement(probation), format="json")
    said = api.post(
        "/api/v1/escalations/",
        disagreement(probation, partnership=demo.northgate.pk),
        format="json",
    )

    assert unsaid.status_code == 400
    assert unsaid.json() == {
        "partnership": [
            f"Midshire Probation Service works with your agency in {demo.northgate.name} and "
            f"{demo.riverside.name}: say which partnership the disagreement is in."
        ]
    }
    assert said.status_code == 201, said.json()
    assert said.json()["partnership"] == demo.northgate.pk
    assert Escalation.objects.get().partnership == demo.northgate
    # Shared in one partnership only, it is raised there without being named.
    sign_in(api, PRACTITIONER_HEALTH)
    one = api.post("/api/v1/escalations/", disagreement(probation), format="json")
    assert (one.status_code, one.json()["partnership"]) == (201, demo.riverside.pk)


def test_an_escalation_cannot_be_raised_in_a_partnership_not_yours_or_not_the_referrals(api, demo):
    sign_in(api, PRACTITIONER_HEALTH)  # a Riverside trust
    elsewhere = api.post(
        "/api/v1/escalations/",
        disagreement(demo.agency("Midshire Police"), partnership=demo.northgate.pk),
        format="json",
    )
    referral = referral_shared_with_the_police(demo)  # a Riverside referral
    sign_in(api, PRACTITIONER_POLICE)
    not_the_referrals = api.post(
        "/api/v1/escalations/",
        disagreement(
            demo.agency("Hillford Council"), referral=referral.pk, partnership=demo.northgate.pk
        ),
        format="json",
    )

    assert elsewhere.status_code == 400
    assert "does not exist" in elsewhere.json()["partnership"][0]
    assert not_the_referrals.status_code == 400
    assert not_the_referrals.json()["partnership"] == [
        f"A disagreement about a referral is raised in its partnership, {demo.riverside.name}."
    ]
    assert not Escalation.objects.exists()


def test_an_escalation_cannot_name_a_referral_you_cannot_see_or_be_blank(api, demo):
    referral = SubmittedReferralFactory()
    sign_in(api, PRACTITIONER_POLICE)

    response = api.post(
        "/api/v1/escalations/",
        {"referral": referral.pk, "against_agency": demo.agency("Hillford Council").pk},
        format="json",
    )

    assert response.status_code == 400
    assert {"referral", "decision_disputed", "reason", "outcome_sought"} <= set(response.json())


def test_an_escalation_cannot_be_about_the_raisers_own_draft(api, client, demo):
    draft = DraftReferralFactory()  # practitioner.health's, not sent
    services.referral_draft_update(
        referral=draft, by=draft.referrer, local_authority=demo.agency("Hillford Council")
    )
    sign_in(api, PRACTITIONER_HEALTH)

    response = api.post(
        "/api/v1/escalations/",
        {
            "referral": draft.pk,
            "against_agency": demo.agency("Hillford Council").pk,
            "decision_disputed": "No further action.",
            "reason": "The injuries were not explained.",
            "outcome_sought": "A strategy discussion.",
        },
        format="json",
    )

    assert response.status_code == 400
    assert "still a draft" in response.json()["referral"][0]
    assert not Escalation.objects.exists()
    check_access(
        client, f"/referrals/escalations/new/?referral={draft.pk}", {PRACTITIONER_HEALTH: 404}
    )


def test_the_escalation_list_is_scoped_and_bounded(api, demo, django_assert_max_num_queries):
    raised = [OpenEscalationFactory() for _ in range(55)]
    sign_in(api, PRACTITIONER_HEALTH)

    listed, sizes, url = [], [], "/api/v1/escalations/?status=open"
    while url:
        with django_assert_max_num_queries(8) as queries:
            body = api.get(url).json()
        assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"]]
        sizes.append(len(body["results"]))
        listed.extend(e["id"] for e in body["results"])
        url = body["next"]

    assert sizes == [50, 5]
    assert listed == [e.pk for e in reversed(raised)]  # newest first, each once
    check_access(
        api,
        "/api/v1/escalations/",
        {PRACTITIONER_POLICE: 200, OTHER_PARTNERSHIP: 200, ANONYMOUS: 401},
    )
    sign_in(api, PRACTITIONER_POLICE)
    assert api.get("/api/v1/escalations/").json()["results"] == []


def test_every_referral_endpoint_answers_each_persona(api, demo):
    referral = SubmittedReferralFactory()
    escalation = OpenEscalationFactory()

    check_access(
        api,
        "/api/v1/referrals/",
        {BUSINESS: 200, OTHER_PARTNERSHIP: 200, SCRUTINEER: 200, ANONYMOUS: 401},
    )
    check_access(
        api,
        "/api/v1/referrals/",
        {SCRUTINEER: 403, ANONYMOUS: 401},
        method="post",
        data=referral_payload(demo),
        format="json",
    )
    check_access(
        api,
        f"/api/v1/referrals/{referral.pk}/decision/",
        {OTHER_PARTNERSHIP: 404, SCRUTINEER: 404},
        method="post",
        data={"decision": "early_help", "reasons": "x"},
    )
    check_access(
        api,
        "/api/v1/escalations/",
        {BUSINESS: 200, SCRUTINEER: 200, ANONYMOUS: 401},
    )
    for action in ("respond", "resolve", "escalate"):
        check_access(
            api,
            f"/api/v1/escalations/{escalation.pk}/{action}/",
            {**OUTSIDERS, ANONYMOUS: 401},
            method="post",
            data={"text": "x", "resolution": "agreed"},
        )


# ---------------------------------------------------------------------------
# What followed a front door decision: read by all who see the referral, recorded by its
# front door. Received on Thursday 19 November 2026, read on Wednesday 20 January 2027.

RECEIVED = datetime(2026, 11, 19, 10, tzinfo=LONDON)
READ_ON = pytest.mark.time_machine(datetime(2027, 1, 20, 10, tzinfo=LONDON), tick=False)


def decided_on_the_19th(decision="strategy_discussion"):
    return DecidedReferralFactory(received_at=RECEIVED, decision=decision)


@READ_ON
def test_the_front_door_records_what_followed_its_decision_and_the_referrer_reads_it(api, demo):
    url = f"/api/v1/referrals/{decided_on_the_19th().pk}/"
    sign_in(api, FRONT_DOOR_HILLFORD)

    before = api.get(url).json()
    assert (before["assessment_due_by"], before["conference_due_by"]) == ("2027-01-26", None)

    discussed = api.post(f"{url}strategy-discussion/", {"held_on": "2026-12-14"}, format="json")
    assert discussed.status_code == 200, discussed.json()
    assert discussed.json()["strategy_discussion_on"] == "2026-12-14"
    assert discussed.json()["conference_due_by"] == "2027-01-07"
    assert api.post(f"{url}conference/", {"held_on": "2027-01-08"}).status_code == 200
    assert api.post(f"{url}assessment/", {"completed_on": "2027-01-19"}).status_code == 200

    sign_in(api, PRACTITIONER_HEALTH)
    seen = api.get(url).json()
    assert {key: seen[key] for key in seen if "conference" in key or "assessment" in key} == {
        "assessment_due_by": "2027-01-26",
        "assessment_completed_on": "2027-01-19",
        "conference_due_by": "2027-01-07",
        "conference_held_on": "2027-01-08",
        "conference_not_needed_on": None,
        "conference_not_needed_reason": "",
    }
    listed = api.get("/api/v1/referrals/").json()["results"][0]
    assert listed["conference_due_by"] == "2027-01-07"


@READ_ON
@pytest.mark.parametrize(
    ("address", "answers", "field"),
    [
        ("strategy-discussion/", {}, "held_on"),
        ("strategy-discussion/", {"held_on": "not a date"}, "held_on"),
        ("strategy-discussion/", {"held_on": "2027-02-01"}, "held_on"),
        ("strategy-discussion/", {"held_on": "2026-11-18"}, "held_on"),
        ("assessment/", {"completed_on": "2027-02-01"}, "completed_on"),
        ("assessment/", {}, "completed_on"),
    ],
)
def test_what_followed_a_decision_answers_400_with_a_message_for_the_field(
    api, demo, address, answers, field
):
    url = f"/api/v1/referrals/{decided_on_the_19th().pk}/"
    sign_in(api, FRONT_DOOR_HILLFORD)

    response = api.post(f"{url}{address}", answers, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field] and response.json()[field][0]


@READ_ON
def test_the_conference_answers_are_checked_as_400s(api, demo):
    url = f"/api/v1/referrals/{decided_on_the_19th().pk}/"
    sign_in(api, FRONT_DOOR_HILLFORD)

    too_soon = api.post(f"{url}conference/", {"held_on": "2027-01-08"}, format="json")
    api.post(f"{url}strategy-discussion/", {"held_on": "2026-12-14"}, format="json")
    no_reason = api.post(f"{url}conference/", {"not_needed_on": "2027-01-05"}, format="json")
    both = api.post(
        f"{url}conference/",
        {"held_on": "2027-01-05", "not_needed_on": "2027-01-05", "not_needed_reason": "x"},
        format="json",
    )
    not_needed = api.post(
        f"{url}conference/",
        {"not_needed_on": "2027-01-05", "not_needed_reason": "Threshold not met."},
        format="json",
    )
    again = api.post(f"{url}conference/", {"held_on": "2027-01-08"}, format="json")

    assert too_soon.status_code == 400
    assert "Record the strategy discussion first" in too_soon.json()["non_field_errors"][0]
    assert no_reason.status_code == 400 and "not_needed_reason" in no_reason.json()
    assert both.status_code == 400 and "not both" in both.json()["not_needed_on"][0]
    assert not_needed.status_code == 200
    assert not_needed.json()["conference_not_needed_reason"] == "Threshold not met."
    assert again.status_code == 400 and "already recorded" in again.json()["non_field_errors"][0]


def test_only_the_front_door_records_what_followed_its_decision(api, demo):
    url = f"/api/v1/referrals/{decided_on_the_19th().pk}/"

    for address, data in (
        ("assessment/", {"completed_on": "2026-12-01"}),
        ("strategy-discussion/", {"held_on": "2026-12-01"}),
        ("conference/", {"held_on": "2026-12-01"}),
    ):
        check_access(
            api,
            f"{url}{address}",
            {PRACTITIONER_HEALTH: 403, **OUTSIDERS, ANONYMOUS: 401},
            method="post",
            data=data,
            format="json",
        )


def test_the_schema_documents_the_actions_and_the_dates(api, demo):
    sign_in(api, BUSINESS)

    schema = api.get("/api/v1/schema/?format=json").json()

    for action in ("assessment", "strategy-discussion", "conference"):
        operation = schema["paths"][f"/api/v1/referrals/{{id}}/{action}/"]["post"]
        assert set(operation["responses"]) >= {"200"}
        assert operation["requestBody"]
    referral = schema["components"]["schemas"]["ReferralDetail"]["properties"]
    assert {"assessment_due_by", "conference_due_by", "conference_held_on"} <= set(referral)
