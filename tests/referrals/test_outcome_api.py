"""What followed a front door decision, through the API: read by all who see the referral,
recorded by its front door."""

from datetime import datetime

import pytest
from rest_framework.test import APIClient

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
from tests.referrals.factories import DecidedReferralFactory
from tests.support.clock import LONDON

RECEIVED = datetime(2026, 11, 19, 10, tzinfo=LONDON)
READ_ON = pytest.mark.time_machine(datetime(2027, 1, 20, 10, tzinfo=LONDON), tick=False)
OUTSIDERS = {
    BUSINESS: 404,
    PRACTITIONER_POLICE: 404,
    FRONT_DOOR_RIVERSIDE: 404,
    OTHER_PARTNERSHIP: 404,
    SCRUTINEER: 404,
    ANONYMOUS: 401,
}


@pytest.fixture
def api():
    return APIClient()


def decided(decision="strategy_discussion"):
    return DecidedReferralFactory(received_at=RECEIVED, decision=decision)


@READ_ON
def test_the_front_door_records_what_followed_and_the_referrer_reads_it(api, demo):
    url = f"/api/v1/referrals/{decided().pk}/"
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
def test_mistakes_answer_400_with_a_message_for_the_field(api, demo, address, answers, field):
    url = f"/api/v1/referrals/{decided().pk}/"
    sign_in(api, FRONT_DOOR_HILLFORD)

    response = api.post(f"{url}{address}", answers, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field] and response.json()[field][0]


@READ_ON
def test_the_conference_answers_are_checked(api, demo):
    url = f"/api/v1/referrals/{decided().pk}/"
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


def test_only_the_front_door_records_and_outsiders_are_not_told_the_referral_exists(api, demo):
    url = f"/api/v1/referrals/{decided().pk}/"

    for address, data in (
        ("assessment/", {"completed_on": "2026-12-01"}),
        ("strategy-discussion/", {"held_on": "2026-12-01"}),
        ("conference/", {"held_on": "2026-12-01"}),
    ):
        check_access(
            api,
            f"{url}{address}",
            {PRACTITIONER_HEALTH: 403, **OUTSIDERS},
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
