"""Who reaches a referral: read from its own columns, its sharing decisions and people's roles."""

from django.utils import timezone

from partnerships.choices import Role
from partnerships.models import Agency
from referrals import services
from tests.partnerships.factories import RoleAssignmentFactory, UserFactory
from tests.personas import (
    DSL_SCHOOL,
    FRONT_DOOR_HILLFORD,
    PRACTITIONER_POLICE,
    check_access,
    sign_in,
)
from tests.referrals.factories import DraftReferralFactory, SubmittedReferralFactory


def staff(demo, agency_name: str, *roles: str):
    user = UserFactory(agency=Agency.objects.get(name=agency_name))
    for role in roles:
        RoleAssignmentFactory(user=user, partnership=demo.riverside, role=role)
    return user.username


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
    assignment.ended_on = timezone.localdate()
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


def test_an_agency_keeps_sight_while_any_sharing_decision_to_it_stands(client, demo):
    referral = SubmittedReferralFactory()
    front_door, police = demo.user(FRONT_DOOR_HILLFORD), demo.agency("Midshire Police")
    first, second = (
        services.information_sharing_record(
            referral=referral,
            by=front_door,
            agency=police,
            reason=reason,
            lawful_basis="safeguarding",
        )
        for reason in ("Police hold information about the household.", "A new incident.")
    )
    url = f"/referrals/{referral.pk}/"
    check_access(client, url, {PRACTITIONER_POLICE: 200})

    services.information_sharing_withdraw(decision=first, by=front_door)
    check_access(client, url, {PRACTITIONER_POLICE: 200})

    services.information_sharing_withdraw(decision=second, by=front_door)
    check_access(client, url, {PRACTITIONER_POLICE: 404})
