from datetime import date, datetime

import pytest
from dateutil.relativedelta import relativedelta
from rest_framework.test import APIClient

from reviews.models import AgencyReturn, RapidReview
from safeguarding.models import AccessLogEntry
from tests.personas import (
    ANONYMOUS,
    BUSINESS,
    DSL_SCHOOL,
    LEAD_HEALTH,
    LEAD_LA,
    LEAD_POLICE,
    OTHER_PARTNERSHIP,
    PRACTITIONER_HEALTH,
    PRACTITIONER_POLICE,
    SCRUTINEER,
    check_access,
    sign_in,
)
from tests.reviews.factories import (
    INVOLVED,
    DecidedRapidReviewFactory,
    RapidReviewFactory,
    SeriousIncidentFactory,
    SignedOffRapidReviewFactory,
    SubmittedRapidReviewFactory,
    make_reviews,
)
from tests.support.clock import DURING_THE_REVIEW, LONDON, a_year_from_today
from tests.support.dates import date_input

# Steps only the business team takes on a record others can see.
BUSINESS_ONLY = {
    PRACTITIONER_POLICE: 403,
    LEAD_HEALTH: 403,
    DSL_SCHOOL: 404,
    OTHER_PARTNERSHIP: 404,
    SCRUTINEER: 404,
    ANONYMOUS: 401,
}


@pytest.fixture
def api():
    return APIClient()


def incident_payload(demo, **overrides):
    return {
        "partnership": demo.riverside.pk,
        "local_authority": demo.agency("Riverside Council").pk,
        "home_local_authority": demo.agency("Hillford Council").pk,
        "incident_type": "serious_harm",
        "looked_after": False,
        "categories": ["neglect", "physical"],
        "children": [
            {"first_name": "Alex", "last_name": "Example", "date_of_birth": "2024-03-01"},
            {"first_name": "Sam", "last_name": "Example", "date_of_birth": "2021-06-12"},
        ],
        "became_aware_on": "2026-11-20",
        "summary": "A baby was admitted to hospital with unexplained injuries.",
        "agencies_involved": [demo.agency(name).pk for name in INVOLVED],
        **overrides,
    }


@DURING_THE_REVIEW
def test_the_full_life_of_a_rapid_review_through_the_api(api, demo):
    sign_in(api, BUSINESS)
    created = api.post("/api/v1/incidents/", incident_payload(demo), format="json")
    assert created.status_code == 201, created.json()
    incident = created.json()
    assert incident["notification_due_on"] == "2026-11-27"
    assert incident["notified_on"] is None
    assert [c["first_name"] for c in incident["children"]] == ["Alex", "Sam"]

    early = api.post("/api/v1/rapid-reviews/", {"incident": incident["id"]}, format="json")
    assert early.status_code == 201
    review = early.json()
    assert review["due_on"] == "2026-12-11"
    assert review["status"] == "gathering"
    url = f"/api/v1/rapid-reviews/{review['id']}/"

    # Each agency returns its chronology and summary, first as a draft.
    sign_in(api, PRACTITIONER_POLICE)
    mine = api.get(f"/api/v1/agency-returns/?rapid_review={review['id']}").json()["results"]
    assert [r["agency_name"] for r in mine] == ["Midshire Police"]
    draft = api.post(
        f"/api/v1/agency-returns/{mine[0]['id']}/draft/", {"chronology": "1 Nov: call-out"}
    )
    submitted = api.post(
        f"/api/v1/agency-returns/{mine[0]['id']}/submit/",
        {"chronology": "1 Nov: call-out", "summary": "One domestic abuse call-out."},
    )
    assert draft.json()["status"] == "in_progress"
    assert submitted.json()["status"] == "submitted"

    sign_in(api, BUSINESS)
    premature = api.post(url + "submit/", {"submitted_on": "2026-11-21"}, format="json")
    assert premature.status_code == 400
    assert set(premature.json()) == {"notified_on", "decision", "sign_offs"}
    assert (
        api.post(
            f"/api/v1/incidents/{incident['id']}/notification/", {"notified_on": "2026-11-20"}
        ).json()["notified_on"]
        == "2026-11-20"
    )
    meeting = api.post(
        url + "meeting/",
        {
            "held_on": "2026-11-21",
            "attendees": "Business team and the three partners",
            "immediate_safety_actions": "Siblings seen and safe.",
            "learning": "Bruising in non-mobile babies was not escalated.",
        },
        format="json",
    )
    assert meeting.json()["status"] == "meeting_held"
    no_reasons = api.post(url + "decision/", {"decision": "lcspr"}, format="json")
    assert no_reasons.status_code == 400
    assert no_reasons.json() == {"reasons": ["Give the reasons for the decision."]}
    decided = api.post(
        url + "decision/",
        {"decision": "lcspr", "reasons": "Learning across agencies."},
        format="json",
    )
    assert decided.json()["decision"] == "lcspr"

    refused = api.post(url + "sign-off/")
    assert refused.status_code == 403
    for partner in (LEAD_LA, LEAD_HEALTH, LEAD_POLICE):
        sign_in(api, partner)
        assert api.post(url + "sign-off/").status_code == 200
    sign_in(api, BUSINESS)
    done = api.post(url + "submit/", {"submitted_on": "2026-11-22"}, format="json")

    assert done.status_code == 200, done.json()
    body = done.json()
    assert body["status"] == "submitted"
    assert body["signed_off_by"] == ["health", "local_authority", "police"]
    assert (body["on_time"], body["late_by"]) == (True, None)
    listed = api.get("/api/v1/rapid-reviews/").json()["results"]
    in_list = next(row for row in listed if row["id"] == review["id"])
    assert in_list["signed_off_by"] == ["health", "local_authority", "police"]
    practice_reviews = api.get("/api/v1/practice-reviews/").json()["results"]
    assert [p["rapid_review"] for p in practice_reviews] == [review["id"]]
    # Publication is due six months from the day the decision was recorded.
    decided_on = date.fromisoformat(decided.json()["decided_on"])
    assert practice_reviews[0]["target_publication_on"] == str(decided_on + relativedelta(months=6))
    action = api.post(
        url + "recommendations/",
        {
            "owner_agency": demo.agency("Midshire Police").pk,
            "recommendation": "Police attend strategy discussions for babies.",
            "title": "Attend every strategy discussion for babies",
            "due_on": "2027-03-31",
        },
        format="json",
    )
    assert action.status_code == 201
    actions = api.get("/api/v1/actions/").json()["results"]
    assert {"source_type": "rapidreview", "source_id": review["id"]}.items() <= next(
        a for a in actions if a["id"] == action.json()["id"]
    ).items()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"became_aware_on": a_year_from_today().isoformat()}, "became_aware_on"),
        ({"children": []}, "children"),
        ({"incident_type": "accident"}, "incident_type"),
        ({"categories": ["astrology"]}, "categories"),
        ({"local_authority": None}, "local_authority"),
    ],
)
def test_bad_incidents_are_400_with_a_message(api, demo, overrides, field):
    sign_in(api, BUSINESS)

    response = api.post("/api/v1/incidents/", incident_payload(demo, **overrides), format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_an_out_of_order_step_is_400_saying_what_is_missing(api, demo):
    review = RapidReviewFactory()
    sign_in(api, BUSINESS)

    response = api.post(
        f"/api/v1/rapid-reviews/{review.pk}/decision/",
        {"decision": "no_further_review", "reasons": "x"},
        format="json",
    )

    assert response.status_code == 400
    assert "Record the meeting before the decision" in response.json()["status"][0]


def test_the_children_are_shown_and_logged_only_for_those_allowed(api, demo):
    incident = RapidReviewFactory().incident
    url = f"/api/v1/incidents/{incident.pk}/"

    responses = check_access(
        api,
        url,
        {
            BUSINESS: 200,
            LEAD_HEALTH: 200,
            PRACTITIONER_POLICE: 200,
            DSL_SCHOOL: 404,
            OTHER_PARTNERSHIP: 404,
            SCRUTINEER: 404,
            ANONYMOUS: 401,
        },
    )

    assert responses[BUSINESS].json()["children"][0]["last_name"] == "Example"
    assert "children" in responses[PRACTITIONER_POLICE].json()
    logged = AccessLogEntry.objects.filter(object_id=incident.children.get().pk)
    assert sorted(logged.values_list("user__username", flat=True)) == sorted(
        [BUSINESS, LEAD_HEALTH, PRACTITIONER_POLICE]
    )
    assert logged.first().record == f"Child 1 of serious incident {incident.pk}"


def test_who_may_list_and_read_rapid_reviews(api, demo):
    review = RapidReviewFactory()
    expected_list = {
        BUSINESS: 200,
        PRACTITIONER_POLICE: 200,
        DSL_SCHOOL: 200,
        OTHER_PARTNERSHIP: 200,
        SCRUTINEER: 200,
        ANONYMOUS: 401,
    }

    listed = check_access(api, "/api/v1/rapid-reviews/", expected_list)
    check_access(
        api,
        f"/api/v1/rapid-reviews/{review.pk}/",
        {
            BUSINESS: 200,
            LEAD_POLICE: 200,
            PRACTITIONER_POLICE: 200,
            DSL_SCHOOL: 404,
            OTHER_PARTNERSHIP: 404,
            SCRUTINEER: 404,
            ANONYMOUS: 401,
        },
    )

    assert listed[BUSINESS].json()["count"] == 1
    assert listed[BUSINESS].json()["results"][0]["working_days_remaining"] is not None
    for persona in (DSL_SCHOOL, OTHER_PARTNERSHIP, SCRUTINEER):
        assert listed[persona].json()["count"] == 0


def test_who_may_take_each_step(api, demo):
    review = DecidedRapidReviewFactory()
    base = f"/api/v1/rapid-reviews/{review.pk}/"
    forbidden_to_others = {
        PRACTITIONER_POLICE: 403,
        LEAD_HEALTH: 403,
        DSL_SCHOOL: 404,
        OTHER_PARTNERSHIP: 404,
        SCRUTINEER: 404,
        ANONYMOUS: 401,
    }
    for step, data in (
        ("meeting/", {"held_on": "2026-11-21", "attendees": "x"}),
        ("decision/", {"decision": "lcspr", "reasons": "x"}),
        ("submit/", {"submitted_on": "2026-11-21"}),
        ("extensions/", {"new_due_on": "2026-12-18", "reason": "x"}),
        ("share-returns/", {}),
        ("recommendations/", {}),
    ):
        check_access(api, base + step, forbidden_to_others, method="post", data=data)
    check_access(
        api,
        base + "sign-off/",
        {
            PRACTITIONER_POLICE: 403,
            BUSINESS: 403,
            DSL_SCHOOL: 404,
            OTHER_PARTNERSHIP: 404,
            SCRUTINEER: 404,
            ANONYMOUS: 401,
            LEAD_HEALTH: 200,
        },
        method="post",
    )
    check_access(
        api,
        "/api/v1/rapid-reviews/",
        {PRACTITIONER_POLICE: 403, OTHER_PARTNERSHIP: 404, SCRUTINEER: 404, ANONYMOUS: 401},
        method="post",
        data={"incident": review.incident_id},
    )
    check_access(
        api,
        "/api/v1/incidents/",
        {PRACTITIONER_POLICE: 403, OTHER_PARTNERSHIP: 403, SCRUTINEER: 403, ANONYMOUS: 401},
        method="post",
        data=incident_payload(demo),
        format="json",
    )


def test_agency_returns_are_private_to_their_agency_until_shared(api, demo):
    review = RapidReviewFactory()
    police_return = AgencyReturn.objects.get(rapid_review=review, agency__name="Midshire Police")
    url = f"/api/v1/agency-returns/{police_return.pk}/"
    before = {
        BUSINESS: 200,
        LEAD_HEALTH: 200,
        PRACTITIONER_POLICE: 200,
        PRACTITIONER_HEALTH: 404,
        DSL_SCHOOL: 404,
        OTHER_PARTNERSHIP: 404,
        SCRUTINEER: 404,
        ANONYMOUS: 401,
    }

    check_access(api, url, before)
    check_access(api, "/api/v1/agency-returns/", {BUSINESS: 200, SCRUTINEER: 200, ANONYMOUS: 401})
    check_access(
        api,
        url + "draft/",
        {PRACTITIONER_HEALTH: 404, LEAD_HEALTH: 403, PRACTITIONER_POLICE: 200, ANONYMOUS: 401},
        method="post",
        data={"chronology": "x"},
    )
    sign_in(api, BUSINESS)
    api.post(f"/api/v1/rapid-reviews/{review.pk}/share-returns/")
    check_access(api, url, {**before, PRACTITIONER_HEALTH: 200})


def test_practice_reviews_reach_scrutineers_only_once_published(api, demo):
    practice_review = SubmittedRapidReviewFactory().practice_review
    url = f"/api/v1/practice-reviews/{practice_review.pk}/"

    check_access(
        api,
        url,
        {
            BUSINESS: 200,
            PRACTITIONER_POLICE: 200,
            DSL_SCHOOL: 404,
            OTHER_PARTNERSHIP: 404,
            SCRUTINEER: 404,
            ANONYMOUS: 401,
        },
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    from reviews.services import practice_review_update

    practice_review_update(
        practice_review=practice_review,
        by=demo.user(BUSINESS),
        published_on=date(2026, 11, 20),
        final_report=SimpleUploadedFile("report.pdf", b"%PDF"),
    )
    listed = check_access(api, "/api/v1/practice-reviews/", {SCRUTINEER: 200, ANONYMOUS: 401})
    assert listed[SCRUTINEER].json()["count"] == 1
    assert "children" not in listed[SCRUTINEER].json()["results"][0]


def test_the_review_list_api_runs_a_bounded_number_of_queries(
    api, demo, django_assert_max_num_queries
):
    make_reviews(demo.riverside, 1000)
    sign_in(api, BUSINESS)

    with django_assert_max_num_queries(12):
        response = api.get("/api/v1/rapid-reviews/?page=3")

    assert response.json()["count"] == 1000
    assert len(response.json()["results"]) == 50
    assert RapidReview.objects.count() == 1000


def test_every_incident_and_return_endpoint_answers_each_persona(api, demo):
    review = RapidReviewFactory(incident=SeriousIncidentFactory())
    incident = review.incident
    police_return = review.returns.get(agency__name="Midshire Police")
    everyone_lists = {
        BUSINESS: 200,
        PRACTITIONER_POLICE: 200,
        DSL_SCHOOL: 200,
        OTHER_PARTNERSHIP: 200,
        SCRUTINEER: 200,
        ANONYMOUS: 401,
    }

    listed = check_access(api, "/api/v1/incidents/", everyone_lists)
    check_access(api, "/api/v1/practice-reviews/", everyone_lists)
    check_access(
        api,
        f"/api/v1/incidents/{incident.pk}/notification/",
        {**BUSINESS_ONLY, BUSINESS: 200},
        method="post",
        data={"notified_on": "2026-11-21"},
    )
    check_access(
        api,
        f"/api/v1/agency-returns/{police_return.pk}/submit/",
        {
            PRACTITIONER_HEALTH: 404,
            DSL_SCHOOL: 404,
            OTHER_PARTNERSHIP: 404,
            SCRUTINEER: 404,
            ANONYMOUS: 401,
            LEAD_HEALTH: 403,
            BUSINESS: 400,  # may act, but a return needs both parts
        },
        method="post",
        data={"chronology": "x"},
    )

    assert [i["reference"] for i in listed[BUSINESS].json()["results"]] == [incident.reference]
    assert "children" not in listed[BUSINESS].json()["results"][0]
    for persona in (DSL_SCHOOL, OTHER_PARTNERSHIP, SCRUTINEER):
        assert listed[persona].json()["count"] == 0
    sign_in(api, BUSINESS)
    detail = api.get(f"/api/v1/incidents/{incident.pk}/").json()
    assert (detail["notified_on"], detail["notification_late_by"]) == ("2026-11-21", 0)


def test_a_late_notification_says_how_many_working_days_late(api, demo):
    incident = SeriousIncidentFactory(became_aware_on=date(2026, 11, 2))  # due 9 November
    sign_in(api, BUSINESS)

    response = api.post(
        f"/api/v1/incidents/{incident.pk}/notification/", {"notified_on": "2026-11-12"}
    )
    future = api.post(
        f"/api/v1/incidents/{incident.pk}/notification/",
        {"notified_on": a_year_from_today().isoformat()},
    )

    assert response.json()["notification_due_on"] == "2026-11-09"
    assert response.json()["notification_late_by"] == 3
    assert "children" not in response.json()
    assert future.status_code == 400 and "notified_on" in future.json()


def test_garbage_never_causes_a_500(api, demo):
    review = RapidReviewFactory()
    sign_in(api, BUSINESS)

    for url, data in (
        ("/api/v1/incidents/", {"children": "lots", "became_aware_on": "yesterday"}),
        ("/api/v1/rapid-reviews/", {"incident": "abc"}),
        ("/api/v1/rapid-reviews/", {"incident": review.incident_id}),  # already has one
        (f"/api/v1/rapid-reviews/{review.pk}/submit/", {"submitted_on": "soon"}),
        (f"/api/v1/rapid-reviews/{review.pk}/extensions/", {"new_due_on": "2026-12-01"}),
    ):
        assert api.post(url, data, format="json").status_code == 400, url


def test_agency_returns_filter_by_review_without_naming_or_confirming_anyone_elses(api, demo):
    review = RapidReviewFactory()
    sign_in(api, OTHER_PARTNERSHIP)

    invisible = api.get("/api/v1/agency-returns/", {"rapid_review": review.pk})
    missing = api.get("/api/v1/agency-returns/", {"rapid_review": review.pk + 1000})
    browsable = api.get("/api/v1/agency-returns/", HTTP_ACCEPT="text/html")

    assert invisible.status_code == missing.status_code == 200
    assert invisible.json()["count"] == missing.json()["count"] == 0
    assert browsable.status_code == 200
    assert review.incident.reference not in browsable.content.decode()
    sign_in(api, BUSINESS)
    own = api.get("/api/v1/agency-returns/", {"rapid_review": review.pk}).json()
    assert own["count"] == review.returns.count() > 0


@pytest.mark.time_machine(datetime(2026, 12, 15, 10, tzinfo=LONDON))
def test_a_review_sent_by_an_agreed_extension_says_so(api, demo):
    review = SignedOffRapidReviewFactory()
    url = f"/api/v1/rapid-reviews/{review.pk}/"
    sign_in(api, BUSINESS)

    extended = api.post(
        url + "extensions/",
        {"new_due_on": "2026-12-18", "reason": "Police returns delayed"},
        format="json",
    )
    sent = api.post(url + "submit/", {"submitted_on": "2026-12-15"}, format="json")

    assert extended.status_code == sent.status_code == 200, sent.json()
    body = api.get(url).json()
    assert body["original_due_on"] < body["submitted_on"] <= body["due_on"]
    assert (body["on_time"], body["by_extension"], body["late_by"]) == (True, True, None)


def test_a_notification_recorded_on_the_weekend_after_its_deadline_is_a_working_day_late(api, demo):
    incident = SeriousIncidentFactory()  # aware Friday 20 November: due Friday 27 November
    sign_in(api, BUSINESS)

    response = api.post(
        f"/api/v1/incidents/{incident.pk}/notification/", {"notified_on": "2026-11-28"}
    )

    assert response.json()["notification_due_on"] == "2026-11-27"
    assert response.json()["notification_late_by"] == 1


def test_the_notification_date_cannot_be_rewritten_once_recorded(api, client, demo):
    incident = SeriousIncidentFactory(partnership=demo.riverside, became_aware_on=date(2026, 11, 2))
    sign_in(api, BUSINESS)
    url = f"/api/v1/incidents/{incident.pk}/notification/"
    assert api.post(url, {"notified_on": "2026-11-05"}).status_code == 200

    rewritten = api.post(url, {"notified_on": "2026-11-12"})
    sign_in(client, BUSINESS)
    replayed = client.post(
        f"/reviews/incidents/{incident.pk}/notification/", date_input("notified_on", "2026-11-12")
    )

    incident.refresh_from_db()
    assert rewritten.status_code == 400
    assert "already recorded" in rewritten.json()["notified_on"][0]
    assert replayed.status_code == 200
    assert "already recorded" in replayed.context["notification_form"].errors["notified_on"][0]
    assert incident.notified_on == date(2026, 11, 5)
