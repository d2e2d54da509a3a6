"""Forms about one partnership's agencies ask someone who works with several which one first.

An audit, a self-assessment round, a scrutiny finding, a serious incident and a disagreement each
name agencies of one partnership. A scrutineer for two partnerships, a police officer whose force
serves two, or an admin for every one, used to be offered the agencies of all of them in one
list; now they choose the partnership and see its members alone.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from audits.models import Audit, SelfAssessmentRound
from partnerships.choices import Role, Sector
from partnerships.models import Agency, Membership, ScrutinyChallenge
from partnerships.selectors import current_members_of
from referrals.models import Escalation
from reviews.models import SeriousIncident
from tests.partnerships.factories import PartnershipFactory, RoleAssignmentFactory, UserFactory
from tests.personas import BUSINESS, PRACTITIONER_HEALTH, SCRUTINEER, Demo, sign_in
from tests.reviews.test_views import incident_form
from tests.support.dates import date_input
from tests.support.pages import assert_error_summary_links_land, error_summary_links

DUE = timezone.localdate() + timedelta(days=20)


def audit_answers(agency):
    return {
        "title": "Neglect across the county",
        "theme": "Neglect",
        "agencies": [agency.pk],
        "references": "NG-001",
        **date_input("return_due_on", DUE),
    }


def round_answers(agency):
    return {
        "kind": "s11",
        "year": DUE.year + 1,
        **date_input("deadline", DUE),
        "agencies": [agency.pk],
    }


def scrutiny_answers(agency):
    return {
        "kind": "challenge",
        "addressed_to": agency.pk,
        "title": "Police attendance at strategy discussions",
        "detail": "Police attended 6 of 10 strategy discussions. What will change?",
        **date_input("response_due_on", DUE),
    }


def incident_answers(agency):
    northgate_council = Agency.objects.get(
        sector=Sector.LOCAL_AUTHORITY, pk__in=current_members_of(Demo().northgate.pk)
    )
    return incident_form(
        Demo(),
        local_authority=northgate_council.pk,
        **date_input("became_aware_on", timezone.localdate()),
        summary="Across the county line",
        agencies_involved=[agency.pk],
    )


def escalation_answers(agency):
    return {
        "against_agency": agency.pk,
        "decision_disputed": "No further action on a bruised toddler.",
        "reason": "The bruising was not explained to the family.",
        "outcome_sought": "A strategy discussion.",
        "theme": "threshold",
    }


FORMS = [
    pytest.param(
        Role.BUSINESS_TEAM,
        "/audits/new/",
        "Which partnership is the audit for?",
        "agencies",
        audit_answers,
        Audit.objects.filter(title="Neglect across the county"),
        id="audit",
    ),
    pytest.param(
        Role.BUSINESS_TEAM,
        "/audits/rounds/new/",
        "Which partnership is the round for?",
        "agencies",
        round_answers,
        SelfAssessmentRound.objects.filter(kind="s11", year=DUE.year + 1),
        id="self-assessment round",
    ),
    pytest.param(
        Role.INDEPENDENT_SCRUTINEER,
        "/partnerships/scrutiny/new/",
        "Which partnership is the finding or challenge for?",
        "addressed_to",
        scrutiny_answers,
        ScrutinyChallenge.objects.filter(title="Police attendance at strategy discussions"),
        id="scrutiny finding or challenge",
    ),
    pytest.param(
        Role.BUSINESS_TEAM,
        "/reviews/incidents/new/",
        "Which partnership is the incident for?",
        "agencies_involved",
        incident_answers,
        SeriousIncident.objects.filter(summary="Across the county line"),
        id="serious incident",
    ),
    pytest.param(
        Role.PRACTITIONER,
        "/referrals/escalations/new/",
        "Which partnership is the disagreement in?",
        "against_agency",
        escalation_answers,
        Escalation.objects.filter(reason="The bruising was not explained to the family."),
        id="escalation",
    ),
]


def working_with_both(demo, role) -> str:
    user = UserFactory(agency=demo.agency("Midshire Police"))
    for partnership in (demo.riverside, demo.northgate):
        RoleAssignmentFactory(user=user, partnership=partnership, role=role)
    return user.username


def members_now(partnership) -> set[int]:
    return set(
        Membership.objects.current()
        .filter(partnership=partnership)
        .values_list("agency_id", flat=True)
    )


def agencies_offered(page: str, field: str) -> set[int]:
    """The agencies a form's checkboxes or select offer under `field`."""
    boxes = re.findall(rf'name="{field}" value="(\d+)"', page)
    select = re.search(rf'<select[^>]*name="{field}"[^>]*>(.*?)</select>', page, re.S)
    options = re.findall(r'<option value="(\d+)"', select.group(1)) if select else []
    return {int(pk) for pk in boxes + options}


def only_in(partnership, other) -> Agency:
    return Agency.objects.filter(pk__in=members_now(partnership) - members_now(other)).first()


@pytest.mark.parametrize("role, url, question, field, answers, created", FORMS)
def test_someone_with_two_partnerships_chooses_one_and_is_offered_its_members_alone(
    client, demo, role, url, question, field, answers, created
):
    sign_in(client, working_with_both(demo, role))

    chooser = client.get(url).content.decode()
    assert f'<h1 class="govuk-fieldset__heading">{question}</h1>' in chooser
    assert re.findall(r'name="partnership" type="radio" value="(\d+)"', chooser) == [
        str(demo.northgate.pk),
        str(demo.riverside.pk),
    ]  # by name
    assert agencies_offered(chooser, field) == set()
    assert error_summary_links(chooser) == []

    form = client.get(url, {"partnership": demo.northgate.pk}).content.decode()
    assert agencies_offered(form, field) == members_now(demo.northgate)
    assert members_now(demo.riverside) - members_now(demo.northgate)  # some are left out
    assert f'<span class="govuk-caption-l">{demo.northgate.name}</span>' in form
    assert f'<a class="govuk-link" href="{url}">Choose another partnership</a>' in form


@pytest.mark.parametrize("role, url, question, field, answers, created", FORMS)
def test_the_form_records_for_the_partnership_chosen(
    client, demo, role, url, question, field, answers, created
):
    sign_in(client, working_with_both(demo, role))
    chosen = f"{url}?partnership={demo.northgate.pk}"

    refused = client.post(chosen, answers(only_in(demo.riverside, demo.northgate)))
    assert refused.status_code == 200 and not created.exists()
    assert error_summary_links(refused.content.decode())

    recorded = client.post(chosen, answers(only_in(demo.northgate, demo.riverside)))
    assert recorded.status_code == 302
    assert created.get().partnership == demo.northgate


@pytest.mark.parametrize("role, url, question, field, answers, created", FORMS)
def test_a_partnership_not_theirs_or_none_is_asked_for_again(
    client, demo, role, url, question, field, answers, created
):
    elsewhere = PartnershipFactory(name="Eastmoor Safeguarding Children Partnership")
    sign_in(client, working_with_both(demo, role))

    none_ticked = {"choosing": "partnership"}
    for asked in (
        none_ticked,
        {"partnership": ""},
        {"partnership": elsewhere.pk},
        {"partnership": "x"},
    ):
        page = client.get(url, asked).content.decode()
        assert error_summary_links(page) == ["#id_partnership"]
        assert "Choose the partnership it is for." in page
        assert_error_summary_links_land(page)
        assert "Eastmoor" not in page and agencies_offered(page, field) == set()

    posted = client.post(
        f"{url}?partnership={elsewhere.pk}", answers(demo.agency("Midshire Police"))
    )
    assert posted.status_code == 200 and not created.exists()


@pytest.mark.parametrize(
    "persona, url",
    [
        (BUSINESS, "/audits/new/"),
        (BUSINESS, "/audits/rounds/new/"),
        (SCRUTINEER, "/partnerships/scrutiny/new/"),
        (BUSINESS, "/reviews/incidents/new/"),
        (PRACTITIONER_HEALTH, "/referrals/escalations/new/"),
    ],
)
def test_someone_with_one_partnership_is_not_asked(client, demo, persona, url):
    sign_in(client, persona)

    page = client.get(url).content.decode()

    assert "Which partnership" not in page and "Choose another partnership" not in page
    assert f'<span class="govuk-caption-l">{demo.riverside.name}</span>' in page


def test_an_admin_chooses_among_every_partnership(client, demo, django_assert_max_num_queries):
    admin = UserFactory(is_superuser=True, is_staff=True)
    sign_in(client, admin.username)

    chooser = client.get("/audits/new/").content.decode()
    with django_assert_max_num_queries(13):
        form = client.get("/audits/new/", {"partnership": demo.riverside.pk}).content.decode()

    assert len(re.findall(r'name="partnership" type="radio"', chooser)) == 2
    assert agencies_offered(form, "agencies") == members_now(demo.riverside)
