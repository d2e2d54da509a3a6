"""Who reaches a case record: read from its partnership, its incident's agencies and roles."""

from datetime import timedelta

from django.utils import timezone

from partnerships.choices import Role
from reviews.models import AgencyReturn
from tests.partnerships.factories import RoleAssignmentFactory, UserFactory
from tests.personas import BUSINESS, DSL_SCHOOL, LEAD_HEALTH, SCRUTINEER, check_access, sign_in
from tests.reviews.factories import RapidReviewFactory, SubmittedRapidReviewFactory

SCHOOL = "St Anne's Primary School"


def case_pages(review):
    incident = review.incident
    return [incident.get_absolute_url(), review.get_absolute_url()]


def test_an_agency_added_to_the_incident_later_reaches_it_and_one_removed_does_not(client, demo):
    review = RapidReviewFactory()
    school = demo.agency(SCHOOL)
    for page in case_pages(review):
        check_access(client, page, {DSL_SCHOOL: 404})

    review.incident.agencies_involved.add(school)
    for page in case_pages(review):
        check_access(client, page, {DSL_SCHOOL: 200})
    sign_in(client, DSL_SCHOOL)
    assert [r["id"] for r in client.get("/api/v1/rapid-reviews/").json()["results"]] == [review.pk]

    review.incident.agencies_involved.remove(school)
    for page in case_pages(review):
        check_access(client, page, {DSL_SCHOOL: 404})


def test_a_business_team_member_whose_role_ends_loses_the_case_records_at_once(client, demo):
    # Of an agency the incident does not involve, so the role is their only way in.
    member = UserFactory(agency=demo.agency(SCHOOL))
    assignment = RoleAssignmentFactory(
        user=member, partnership=demo.riverside, role=Role.BUSINESS_TEAM
    )
    review = RapidReviewFactory()
    share = f"/reviews/{review.pk}/share-returns/"
    check_access(client, review.get_absolute_url(), {member.username: 200})

    assignment.ended_on = timezone.localdate() - timedelta(days=1)
    assignment.save()

    check_access(client, review.get_absolute_url(), {member.username: 404, BUSINESS: 200})
    check_access(client, share, {member.username: 404}, method="post")


def test_returns_are_read_by_the_partners_and_changed_only_by_the_business_team_and_agency(
    client, demo
):
    review = RapidReviewFactory()
    health_return = AgencyReturn.objects.get(
        rapid_review=review, agency__name="Riverside Community Health NHS Trust"
    )
    edit = {"chronology": "Seen at clinic in October.", "action": "draft"}

    check_access(client, health_return.get_absolute_url(), {LEAD_HEALTH: 200, SCRUTINEER: 404})
    check_access(
        client,
        health_return.get_absolute_url(),
        {"lead.police": 403, BUSINESS: 302},
        method="post",
        data=edit,
    )


def test_a_practice_review_opens_to_the_scrutineer_only_once_published(client, demo):
    practice_review = SubmittedRapidReviewFactory().practice_review
    check_access(client, practice_review.get_absolute_url(), {SCRUTINEER: 404, BUSINESS: 200})

    practice_review.published_on = timezone.localdate()
    practice_review.save()

    check_access(client, practice_review.get_absolute_url(), {SCRUTINEER: 200})
    check_access(client, practice_review.rapid_review.get_absolute_url(), {SCRUTINEER: 404})


def test_an_involved_agencys_staff_need_a_current_role_in_the_records_partnership(client, demo):
    """Midshire Police serves both partnerships: its officer in Northgate does not read a
    Riverside case, nor does a health trust colleague with no current role anywhere; the
    child's home council (in another partnership) reads it through a role held anywhere."""
    police_in_northgate = UserFactory(agency=demo.agency("Midshire Police"))
    RoleAssignmentFactory(
        user=police_in_northgate, partnership=demo.northgate, role=Role.PRACTITIONER
    )
    health_without_role = UserFactory(agency=demo.agency("Riverside Community Health NHS Trust"))
    home_council_without_role = UserFactory(agency=demo.agency("Northgate Council"))
    review = RapidReviewFactory(incident__home_local_authority=demo.agency("Northgate Council"))
    home_return = AgencyReturn.objects.get(rapid_review=review, agency__name="Northgate Council")
    police_return = AgencyReturn.objects.get(rapid_review=review, agency__name="Midshire Police")
    outsiders = {police_in_northgate.username: 404, health_without_role.username: 404}

    for page in case_pages(review):
        check_access(
            client,
            page,
            {
                **outsiders,
                home_council_without_role.username: 404,
                "practitioner.police": 200,
                "practitioner.health": 200,
                "business.northgate": 200,
            },
        )
    seen = check_access(client, review.incident.get_absolute_url(), {"practitioner.police": 200})
    assert "Alex" in seen["practitioner.police"].content.decode()
    check_access(
        client,
        police_return.get_absolute_url(),
        {police_in_northgate.username: 404, "practitioner.police": 200},
    )
    check_access(
        client,
        home_return.get_absolute_url(),
        {home_council_without_role.username: 404, "business.northgate": 200},
    )
    sign_in(client, police_in_northgate.username)
    assert client.get("/api/v1/rapid-reviews/").json()["results"] == []
    assert client.get(f"/api/v1/incidents/{review.incident.pk}/").status_code == 404
