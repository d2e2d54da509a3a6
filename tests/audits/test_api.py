from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from audits.choices import Grade, ReturnStatus
from audits.models import Audit, AuditReturn, SelfAssessment
from safeguarding.models import Notification
from tests.audits.factories import NEGLECT_AGENCIES, SelfAssessmentRoundFactory, complete_return
from tests.personas import (
    ANONYMOUS,
    BUSINESS,
    DSL_SCHOOL,
    LEAD_HEALTH,
    OTHER_PARTNERSHIP,
    PRACTITIONER_HEALTH,
    PRACTITIONER_POLICE,
    SCRUTINEER,
    check_access,
    sign_in,
)

DUE = (timezone.localdate() + timedelta(days=20)).isoformat()


@pytest.fixture
def api():
    return APIClient()


def the_return(audit_id, case_id, agency_name):
    return AuditReturn.objects.get(audit_id=audit_id, case_id=case_id, agency__name=agency_name)


def return_body(audit, case_id, agency, **extra):
    return {
        "audit": audit["id"],
        "case": case_id,
        "agency": agency.pk,
        "grade": "good",
        "worked_well": "Quick strategy discussion.",
        "worries": "School was not invited.",
        "child_voice_heard": True,
        "immediate_concern": False,
        "status": "submitted",
        **extra,
    }


def test_an_audit_runs_through_the_api_from_creation_to_results(
    api, demo, django_capture_on_commit_callbacks
):
    agencies = [demo.agency(name) for name in NEGLECT_AGENCIES]
    sign_in(api, BUSINESS)
    created = api.post(
        "/api/v1/audits/",
        {
            "partnership": demo.riverside.pk,
            "title": "Neglect: API audit",
            "theme": "neglect",
            "agencies": [a.pk for a in agencies],
            "return_due_on": DUE,
            "cases": [{"reference": "API-001"}, {"reference": "API-002"}],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    audit = created.json()
    assert [c["reference"] for c in audit["cases"]] == ["API-001", "API-002"]
    case_id = audit["cases"][0]["id"]
    police, health = (
        demo.agency("Midshire Police"),
        demo.agency("Riverside Community Health NHS Trust"),
    )

    sign_in(api, PRACTITIONER_HEALTH)
    draft = api.post(
        "/api/v1/audit-returns/",
        return_body(audit, case_id, health, status="draft", grade="", worries=""),
        format="json",
    )
    submitted = api.post(
        "/api/v1/audit-returns/", return_body(audit, case_id, health), format="json"
    )
    second = api.post("/api/v1/audit-returns/", return_body(audit, case_id, health), format="json")
    assert draft.status_code == 201 and draft.json()["status"] == "draft"
    assert submitted.status_code == 201 and submitted.json()["status"] == "submitted"
    assert second.status_code == 400 and "already been submitted" in second.json()["status"][0]

    sign_in(api, PRACTITIONER_POLICE)
    with django_capture_on_commit_callbacks(execute=True):
        concern = api.post(
            "/api/v1/audit-returns/",
            return_body(
                audit,
                case_id,
                police,
                grade="inadequate",
                immediate_concern=True,
                immediate_concern_details="Sibling still living with the suspect.",
            ),
            format="json",
        )
    assert concern.status_code == 201
    assert Notification.objects.filter(
        kind="audit_immediate_concern", recipient__username=BUSINESS
    ).exists()

    sign_in(api, BUSINESS)
    results = api.get(f"/api/v1/audits/{audit['id']}/results/").json()
    by_agency = {row["name"]: row for row in results["agencies"]}
    assert by_agency["Midshire Police"]["inadequate"] == 1
    assert by_agency["Riverside Community Health NHS Trust"]["good"] == 1
    assert by_agency["Riverside Council"]["total"] == 0
    assert results["overall"]["total"] == 2


@pytest.mark.parametrize(
    ("persona", "change", "status", "field"),
    [
        (PRACTITIONER_POLICE, {"grade": "excellent"}, 400, "grade"),
        (PRACTITIONER_POLICE, {"agency": "Riverside Homes"}, 400, "agency"),
        (PRACTITIONER_POLICE, {"agency": "Riverside Community Health NHS Trust"}, 403, "detail"),
        (PRACTITIONER_POLICE, {"case": "other"}, 400, "case"),
        (OTHER_PARTNERSHIP, {}, 400, "audit"),
        (PRACTITIONER_POLICE, {"status": "approved"}, 400, "status"),
    ],
)
def test_a_bad_return_is_refused_with_a_clear_message(
    api, demo, audit, persona, change, status, field
):
    body = {
        "audit": audit.pk,
        "case": audit.cases.first().pk,
        "agency": demo.agency("Midshire Police").pk,
        "grade": "good",
        "status": "draft",
    }
    if "agency" in change:
        change["agency"] = demo.agency(change["agency"]).pk
    if change.get("case") == "other":
        change["case"] = Audit.objects.exclude(pk=audit.pk).first().cases.first().pk
    body.update(change)
    sign_in(api, persona)

    response = api.post("/api/v1/audit-returns/", body, format="json")

    assert response.status_code == status, response.json()
    assert field in response.json()


def test_who_may_post_a_return(api, demo, audit):
    body = {
        "audit": audit.pk,
        "case": audit.cases.first().pk,
        "agency": demo.agency("Midshire Police").pk,
        "status": "draft",
    }

    check_access(
        api,
        "/api/v1/audit-returns/",
        {
            PRACTITIONER_POLICE: 201,
            BUSINESS: 403,  # the business team reads returns; agencies make them
            LEAD_HEALTH: 403,
            SCRUTINEER: 403,
            OTHER_PARTNERSHIP: 400,  # cannot see the audit: "audit" does not exist for them
            ANONYMOUS: 401,
        },
        method="post",
        data=body,
        format="json",
    )


def test_only_the_business_team_creates_an_audit(api, demo):
    body = {
        "partnership": demo.riverside.pk,
        "title": "Exploitation",
        "theme": "exploitation",
        "agencies": [demo.agency("Midshire Police").pk],
        "return_due_on": DUE,
        "cases": [{"reference": "EX-1"}],
    }
    check_access(
        api,
        "/api/v1/audits/",
        {PRACTITIONER_POLICE: 403, SCRUTINEER: 403, OTHER_PARTNERSHIP: 400, ANONYMOUS: 401},
        method="post",
        data=body,
        format="json",
    )
    sign_in(api, BUSINESS)
    named = api.post(
        "/api/v1/audits/", {**body, "cases": [{"reference": "Jane Smith"}]}, format="json"
    )
    outside = api.post(
        "/api/v1/audits/",
        {**body, "agencies": [demo.agency("Northgate Academy").pk]},
        format="json",
    )
    assert named.status_code == 400 and "cases" in named.json()
    assert outside.status_code == 400 and "agencies" in outside.json()


def test_who_sees_audits_and_returns_through_the_api(api, demo, audit):
    detail = {
        BUSINESS: 200,
        LEAD_HEALTH: 200,
        PRACTITIONER_POLICE: 200,
        SCRUTINEER: 200,
        DSL_SCHOOL: 404,
        OTHER_PARTNERSHIP: 404,
        ANONYMOUS: 401,
    }
    listed = check_access(
        api,
        "/api/v1/audits/",
        {
            BUSINESS: 200,
            PRACTITIONER_POLICE: 200,
            DSL_SCHOOL: 200,
            SCRUTINEER: 200,
            OTHER_PARTNERSHIP: 200,
            ANONYMOUS: 401,
        },
    )
    responses = check_access(api, f"/api/v1/audits/{audit.pk}/", detail)
    check_access(api, f"/api/v1/audits/{audit.pk}/results/", detail)
    lists = check_access(
        api,
        "/api/v1/audit-returns/",
        {
            BUSINESS: 200,
            PRACTITIONER_POLICE: 200,
            SCRUTINEER: 200,
            OTHER_PARTNERSHIP: 200,
            ANONYMOUS: 401,
        },
        data={"audit": audit.pk},
    )
    police = AuditReturn.objects.filter(audit=audit, agency__name="Midshire Police").first()
    check_access(
        api,
        f"/api/v1/audit-returns/{police.pk}/",
        {
            PRACTITIONER_POLICE: 200,
            BUSINESS: 200,
            LEAD_HEALTH: 200,
            PRACTITIONER_HEALTH: 404,
            SCRUTINEER: 404,
            OTHER_PARTNERSHIP: 404,
            ANONYMOUS: 401,
        },
    )

    assert audit.pk in {a["id"] for a in listed[PRACTITIONER_POLICE].json()["results"]}
    assert audit.pk not in {a["id"] for a in listed[DSL_SCHOOL].json()["results"]}
    assert listed[OTHER_PARTNERSHIP].json()["count"] == 0
    assert "reference" in responses[BUSINESS].json()["cases"][0]
    assert "reference" not in responses[SCRUTINEER].json()["cases"][0]
    assert len(lists[BUSINESS].json()["results"]) == 6
    assert {r["agency_name"] for r in lists[PRACTITIONER_POLICE].json()["results"]} == {
        "Midshire Police"
    }
    assert lists[SCRUTINEER].json()["results"] == []
    assert lists[OTHER_PARTNERSHIP].json()["results"] == []


def test_the_business_team_reopens_a_return_through_the_api(api, demo, audit):
    police = AuditReturn.objects.filter(audit=audit, agency__name="Midshire Police").first()
    complete_return(police, by=demo.user(PRACTITIONER_POLICE))
    url = f"/api/v1/audit-returns/{police.pk}/reopen/"

    check_access(
        api,
        url,
        {PRACTITIONER_POLICE: 403, LEAD_HEALTH: 403, OTHER_PARTNERSHIP: 404, ANONYMOUS: 401},
        method="post",
        data={"reason": "x"},
    )
    sign_in(api, BUSINESS)
    blank = api.post(url, {"reason": ""}, format="json")
    reopened = api.post(url, {"reason": "Graded the wrong file."}, format="json")

    assert blank.status_code == 400 and "reason" in blank.json()
    assert reopened.status_code == 200 and reopened.json()["status"] == ReturnStatus.DRAFT


def test_self_assessments_and_their_ratings_through_the_api(api, demo):
    year = timezone.localdate().year
    police = SelfAssessment.objects.get(agency__name="Midshire Police", kind="s11", year=year)
    check_access(
        api,
        f"/api/v1/self-assessments/{police.pk}/",
        {
            PRACTITIONER_POLICE: 200,
            BUSINESS: 200,
            OTHER_PARTNERSHIP: 200,
            PRACTITIONER_HEALTH: 404,
            SCRUTINEER: 404,
            ANONYMOUS: 401,
        },
    )
    ratings_url = f"/api/v1/self-assessments/{police.pk}/ratings/"
    check_access(
        api,
        ratings_url,
        {
            PRACTITIONER_POLICE: 200,
            BUSINESS: 200,
            OTHER_PARTNERSHIP: 200,
            PRACTITIONER_HEALTH: 404,
            SCRUTINEER: 404,
            ANONYMOUS: 401,
        },
    )
    listed = check_access(
        api,
        "/api/v1/self-assessments/",
        {
            PRACTITIONER_POLICE: 200,
            BUSINESS: 200,
            OTHER_PARTNERSHIP: 200,
            SCRUTINEER: 200,
            ANONYMOUS: 401,
        },
    )
    assert listed[SCRUTINEER].json()["count"] == 0
    assert {a["agency_name"] for a in listed[PRACTITIONER_POLICE].json()["results"]} == {
        "Midshire Police"
    }
    check_access(
        api,
        ratings_url,
        {
            PRACTITIONER_POLICE: 403,
            BUSINESS: 403,
            OTHER_PARTNERSHIP: 403,
            PRACTITIONER_HEALTH: 404,
            ANONYMOUS: 401,
        },
        method="post",
        data={"ratings": []},
        format="json",
    )
    sign_in(api, "lead.police")
    bad = api.post(ratings_url, {"ratings": [{"code": "s11-1", "rating": "green"}]}, format="json")
    unknown = api.post(
        ratings_url, {"ratings": [{"code": "s11-99", "rating": "met"}]}, format="json"
    )
    saved = api.post(
        ratings_url,
        {"ratings": [{"code": "s11-1", "rating": "met", "evidence": "Chief officer lead."}]},
        format="json",
    )
    incomplete = api.post(
        ratings_url,
        {"ratings": [{"code": "s11-2", "rating": "not_met", "action_plan": ""}], "submit": True},
        format="json",
    )

    assert bad.status_code == 400
    assert unknown.status_code == 400 and "ratings" in unknown.json()
    assert saved.status_code == 200
    assert next(r for r in saved.json()["ratings"] if r["code"] == "s11-1")["rating"] == "met"
    assert incomplete.status_code == 400 and "s11-2-action_plan" in incomplete.json()
    sign_in(api, OTHER_PARTNERSHIP)
    shared = api.get("/api/v1/self-assessments/", {"agency": police.agency_id}).json()
    assert shared["count"] == 1 and shared["results"][0]["ratings"][0]["evidence"]


def test_the_business_team_invites_an_agency_through_the_api(api, demo):
    round_ = SelfAssessmentRoundFactory(year=2020)
    body = {"round": round_.pk, "agency": demo.agency("Riverside Homes").pk}

    check_access(
        api,
        "/api/v1/self-assessments/",
        {PRACTITIONER_POLICE: 403, SCRUTINEER: 403, OTHER_PARTNERSHIP: 400, ANONYMOUS: 401},
        method="post",
        data=body,
        format="json",
    )
    sign_in(api, BUSINESS)
    invited = api.post("/api/v1/self-assessments/", body, format="json")
    outsider = api.post(
        "/api/v1/self-assessments/",
        {"round": round_.pk, "agency": demo.agency("Northgate Academy").pk},
        format="json",
    )

    assert invited.status_code == 201 and len(invited.json()["ratings"]) == 10
    assert outsider.status_code == 400 and "agencies" in outsider.json()
    check_access(
        api,
        "/api/v1/self-assessment-rounds/",
        {BUSINESS: 200, SCRUTINEER: 200, OTHER_PARTNERSHIP: 200, ANONYMOUS: 401},
    )
    check_access(
        api,
        f"/api/v1/self-assessment-rounds/{round_.pk}/",
        {BUSINESS: 200, SCRUTINEER: 200, OTHER_PARTNERSHIP: 404, ANONYMOUS: 401},
    )


def test_api_lists_and_results_run_a_bounded_number_of_queries_with_5000_returns(
    api, demo, big_audit, django_assert_max_num_queries
):
    sign_in(api, BUSINESS)

    with django_assert_max_num_queries(16):
        returns = api.get("/api/v1/audit-returns/", {"audit": big_audit.pk, "grade": "good"})
    with django_assert_max_num_queries(16):
        results = api.get(f"/api/v1/audits/{big_audit.pk}/results/")
    with django_assert_max_num_queries(16):
        audits = api.get("/api/v1/audits/")
    with django_assert_max_num_queries(16):
        assessments = api.get("/api/v1/self-assessments/")

    assert len(returns.json()["results"]) == 50 and returns.json()["next"]
    assert results.json()["overall"]["total"] == 5000
    assert results.json()["overall"][Grade.GOOD] == 1500
    assert audits.status_code == 200 and assessments.status_code == 200


def test_the_api_pages_through_one_large_audits_returns_each_once(api, demo, big_audit):
    # Every return shares the audit the pages are placed by: past the first 1,000 they are
    # found by how many of the audit's have been passed.
    sign_in(api, BUSINESS)
    seen, url = [], f"/api/v1/audit-returns/?audit={big_audit.pk}"
    for _ in range(5000 // 50):
        body = api.get(url).json()
        seen += [(r["case"], r["agency"]) for r in body["results"]]
        url = body["next"]
        if url is None:
            break

    assert url is None, "the last page still points at another"
    assert len(seen) == len(set(seen)) == 5000
    assert seen == sorted(seen)


@pytest.mark.parametrize("persona", [SCRUTINEER, OTHER_PARTNERSHIP])
def test_audit_returns_filter_by_audit_and_case_without_naming_or_confirming_them(
    api, audit, persona
):
    """A scrutineer never sees a case's reference; another partnership never sees the audit."""
    case = audit.cases.get(reference="RH-101")
    sign_in(api, persona)

    filtered = [
        api.get("/api/v1/audit-returns/", {field: key}).json()["results"]
        for field, key in (("case", case.pk), ("case", 0), ("audit", audit.pk), ("audit", 0))
    ]
    browsable = api.get("/api/v1/audit-returns/", HTTP_ACCEPT="text/html").content.decode()

    if persona == OTHER_PARTNERSHIP:
        assert filtered == [[], [], [], []]
        assert audit.title not in browsable
    assert "RH-101" not in browsable and "RH-102" not in browsable
