"""Who reaches a referral: read from its own columns, its sharing decisions and people's roles."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from partnerships.choices import Role
from referrals import services
from tests.partnerships.factories import UserFactory
from tests.personas import (
    DSL_SCHOOL,
    FRONT_DOOR_HILLFORD,
    PRACTITIONER_POLICE,
    check_access,
    sign_in,
    staff,
)
from tests.referrals.factories import (
    DraftReferralFactory,
    SubmittedReferralFactory,
    referral_shared_with_the_police,
)


def test_an_agency_safeguarding_lead_sees_what_their_agency_sent_but_not_drafts(client, demo):
    lead = staff(demo, "Riverside Community Health NHS Trust", Role.AGENCY_SAFEGUARDING_LEAD)
    colleague = staff(demo, "Riverside Community Health NHS Trust", Role.PRACTITIONER)
    sent, draft = SubmittedReferralFactory(), DraftReferralFactory()

    check_access(client, f"/referrals/{sent.pk}/", {lead: 200, colleague: 404, DSL_SCHOOL: 404})
    check_access(client, f"/referrals/{draft.pk}/", {lead: 404})
    sign_in(client, lead)
    assert [r["id"] for r in client.get("/api/v1/referrals/").json()["results"]] == [sent.pk]


def test_the_front_door_reaches_its_councils_referrals_only_while_the_role_is_held(client, demo):
    worker = staff(demo, "Hillford Council", Role.FRONT_DOOR_WORKER)
    council_colleague = staff(demo, "Hillford Council", Role.PRACTITIONER)
    referral = SubmittedReferralFactory()
    decision_page = f"/referrals/{referral.pk}/decision/"
    check_access(client, decision_page, {worker: 200, council_colleague: 404})

    assignment = demo.user(worker).role_assignments.get()
    assignment.ended_on = timezone.localdate() - timedelta(days=1)
    assignment.save()

    check_access(client, f"/referrals/{referral.pk}/", {worker: 404, FRONT_DOOR_HILLFORD: 200})


def test_the_front_door_stops_changing_a_referral_once_it_is_decided(client, demo):
    referral = SubmittedReferralFactory()
    services.referral_decide(
        referral=referral,
        by=demo.user(FRONT_DOOR_HILLFORD),
        decision="early_help",
        reasons="Early help assessment offered to the family.",
    )

    check_access(
        client,
        f"/referrals/{referral.pk}/",
        {FRONT_DOOR_HILLFORD: 200},
    )
    check_access(client, f"/referrals/{referral.pk}/decision/", {FRONT_DOOR_HILLFORD: 403})


def test_an_agency_has_one_standing_sharing_decision_and_loses_sight_when_it_goes(client, demo):
    referral = SubmittedReferralFactory()
    front_door, police = demo.user(FRONT_DOOR_HILLFORD), demo.agency("Midshire Police")

    def share(reason):
        return services.information_sharing_record(
            referral=referral,
            by=front_door,
            agency=police,
            reason=reason,
            lawful_basis="safeguarding",
        )

    first = share("Police hold information about the household.")
    with pytest.raises(ValidationError, match="already shared with Midshire Police"):
        share("A new incident.")
    url = f"/referrals/{referral.pk}/"
    check_access(client, url, {PRACTITIONER_POLICE: 200})

    services.information_sharing_withdraw(decision=first, by=front_door)
    check_access(client, url, {PRACTITIONER_POLICE: 404})

    share("A new incident.")  # withdrawn, a new decision can be recorded
    check_access(client, url, {PRACTITIONER_POLICE: 200})


def test_a_scrutineer_who_works_for_an_agency_never_sees_a_referral_shared_with_it(client, demo):
    referral = referral_shared_with_the_police(demo)
    scrutineer = staff(demo, "Midshire Police", Role.INDEPENDENT_SCRUTINEER)
    both = staff(demo, "Midshire Police", Role.INDEPENDENT_SCRUTINEER, Role.PRACTITIONER)

    for url in (f"/referrals/{referral.pk}/", f"/api/v1/referrals/{referral.pk}/"):
        check_access(client, url, {scrutineer: 404, both: 200, PRACTITIONER_POLICE: 200})
    check_access(client, "/referrals/shared-with-your-agency/", {scrutineer: 404, both: 200})
    sign_in(client, scrutineer)
    assert client.get("/api/v1/referrals/").json()["results"] == []


def referrals_on_every_page(client, url: str) -> list[int]:
    listed, page = [], 1
    while True:
        response = client.get(url, {"page": page})
        listed += [referral.pk for referral in response.context["object_list"]]
        if not response.context["page_obj"].has_next():
            return listed
        page += 1


def test_the_tabs_of_the_referral_list_together_show_all_a_person_may_see_once_each(client, demo):
    """Each tab is one kind of reach; a referral in two kinds appears on both tabs, and the
    tabs together hold exactly what the API (all kinds at once) lists for that person."""
    teacher = UserFactory(agency=demo.agency("St Anne's Primary School"))
    lead = demo.user(DSL_SCHOOL)
    by_teacher = SubmittedReferralFactory.create_batch(30, referrer=teacher)
    by_lead = SubmittedReferralFactory(referrer=lead)
    DraftReferralFactory(referrer=teacher)
    services.information_sharing_record(
        referral=by_teacher[0],
        by=demo.user(FRONT_DOOR_HILLFORD),
        agency=lead.agency,
        reason="The school holds the child's attendance record.",
        lawful_basis="safeguarding",
    )
    sign_in(client, DSL_SCHOOL)

    tabs = {
        url: referrals_on_every_page(client, url)
        for url in (
            "/referrals/",
            "/referrals/made-by-your-agency/",
            "/referrals/shared-with-your-agency/",
        )
    }

    assert tabs["/referrals/"] == [by_lead.pk]
    assert tabs["/referrals/made-by-your-agency/"] == sorted(
        [by_lead.pk, *(r.pk for r in by_teacher)], reverse=True
    )
    assert tabs["/referrals/shared-with-your-agency/"] == [by_teacher[0].pk]
    api_ids = []
    url = "/api/v1/referrals/"
    while url:
        body = client.get(url).json()
        api_ids += [row["id"] for row in body["results"]]
        url = body["next"]
    assert sorted(api_ids) == sorted(set().union(*tabs.values()))
    assert client.get("/referrals/sent-to-your-front-door/").status_code == 404


def test_a_tab_goes_when_its_role_ends(client, demo):
    lead = staff(demo, "Riverside Community Health NHS Trust", Role.AGENCY_SAFEGUARDING_LEAD)
    SubmittedReferralFactory()
    sign_in(client, lead)
    assert client.get("/referrals/made-by-your-agency/").context["paginator"].count == 1

    assignment = demo.user(lead).role_assignments.get()
    assignment.ended_on = timezone.localdate() - timedelta(days=1)
    assignment.save()

    assert client.get("/referrals/made-by-your-agency/").status_code == 404
    assert "made-by-your-agency" not in client.get("/referrals/").content.decode()
