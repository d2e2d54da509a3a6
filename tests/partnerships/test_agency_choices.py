"""Choosing agencies from a partnership of hundreds: grouped by sector, large sectors folded."""

import html
import re

from django import forms
from django.test.html import parse_html

from referrals.forms import EscalationForm
from tests.partnerships.factories import MembershipFactory, SchoolFactory
from tests.personas import BUSINESS, PRACTITIONER_HEALTH, sign_in
from tests.referrals.factories import DecidedReferralFactory
from tests.reviews.test_views import incident_form
from tests.support.dates import date_input
from tests.support.pages import folded_groups

SCHOOLS = 30


def join_schools(demo, count=SCHOOLS):
    schools = SchoolFactory.create_batch(count)
    for school in schools:
        MembershipFactory(partnership=demo.riverside, agency=school)
    return schools


def fieldset(page: str, legend: str) -> str:
    return re.search(
        rf'<fieldset class="govuk-fieldset"[^>]*>\s*<legend[^>]*>{re.escape(legend)}</legend>'
        r".*?</fieldset>",
        page,
        re.S,
    ).group()


def test_an_incident_offers_agencies_by_sector_with_the_schools_folded(
    client, demo, django_assert_max_num_queries
):
    join_schools(demo)
    sign_in(client, BUSINESS)
    with django_assert_max_num_queries(16):
        page = client.get("/reviews/incidents/new/").content.decode()
    agencies = fieldset(page, "Agencies involved with the child and family")

    assert folded_groups(agencies) == {f"School ({SCHOOLS + 1})": False}
    # The partners and the few of each other sector stay in sight, under their sector's name.
    assert "Police</p>" in agencies and "Midshire Police" in agencies
    assert agencies.index("Local authority children&#x27;s services") < agencies.index("Police</p>")
    # The first box carries the field's id, where the error summary's link lands.
    assert agencies.count('id="id_agencies_involved"') == 1
    assert agencies.count('type="checkbox"') == demo.riverside.memberships.count()


def test_a_ticked_school_survives_an_error_with_its_group_open(client, demo):
    school = join_schools(demo)[7]
    sign_in(client, BUSINESS)
    invalid = client.post(
        "/reviews/incidents/new/",
        incident_form(demo, summary="", agencies_involved=[school.pk]),
    ).content.decode()

    assert "There is a problem" in invalid
    agencies = fieldset(invalid, "Agencies involved with the child and family")
    assert folded_groups(agencies) == {f"School ({SCHOOLS + 1}, 1 ticked)": True}
    ticked = re.findall(r'<input [^>]*value="(\d+)" checked>', agencies)
    assert ticked == [str(school.pk)]


def test_an_audit_invites_agencies_from_the_folded_groups(client, demo):
    schools = join_schools(demo)
    sign_in(client, BUSINESS)
    page = client.get("/audits/new/").content.decode()
    assert folded_groups(fieldset(page, "Agencies taking part")) == {
        f"School ({SCHOOLS + 1})": False
    }

    created = client.post(
        "/audits/new/",
        {
            "title": "Attendance and neglect",
            "theme": "Neglect",
            "agencies": [schools[0].pk, schools[-1].pk, demo.agency("Midshire Police").pk],
            "references": "AT-001",
            **date_input("return_due_on", "2027-01-29"),
        },
    )
    assert created.status_code == 302
    invited = set(demo.riverside.audits.get(title="Attendance and neglect").agencies.all())
    assert invited == {schools[0], schools[-1], demo.agency("Midshire Police")}


def test_a_single_agency_is_chosen_from_a_list_grouped_by_sector(client, demo):
    join_schools(demo)
    referral = DecidedReferralFactory()
    sign_in(client, PRACTITIONER_HEALTH)
    page = client.get(f"/referrals/escalations/new/?referral={referral.pk}").content.decode()
    select = re.search(r'<select name="against_agency".*?</select>', page, re.S).group()

    assert re.search(r'<option value=""[^>]*>Choose an agency</option>', select)
    groups = [html.unescape(g) for g in re.findall(r'<optgroup label="([^"]+)">', select)]
    assert groups[0] == "Local authority children's services" and "School" in groups
    schools = re.search(r'<optgroup label="School">(.*?)</optgroup>', select, re.S).group(1)
    assert schools.count("<option") == SCHOOLS + 1
    assert "---------" not in page


def test_agency_names_and_typed_numbers_are_drawn_as_text_not_markup(client, demo):
    school = SchoolFactory(name='St <Mary> & "All" Saints')
    MembershipFactory(partnership=demo.riverside, agency=school)
    url = f"/partnerships/{demo.riverside.pk}/training/new/"
    sign_in(client, BUSINESS)

    page = client.get(url).content.decode()
    typed = client.post(url, {f"attending_{school.pk}": '"><b>12'}).content.decode()

    name = "St &lt;Mary&gt; &amp; &quot;All&quot; Saints"
    assert page.count(name) == 2  # who it was for, and how many came
    assert "<Mary>" not in page
    box = re.search(rf'<input [^>]*name="attending_{school.pk}"[^>]*>', typed).group()
    assert 'value="&quot;&gt;&lt;b&gt;12"' in box
    assert "<b>12" not in typed


def test_a_chosen_agency_is_kept_through_a_mistake_and_drawn_as_djangos_select_draws_it(
    client, demo
):
    school = SchoolFactory(name='St <Mary> & "All" Saints')
    MembershipFactory(partnership=demo.riverside, agency=school)
    sign_in(client, PRACTITIONER_HEALTH)

    sent = client.post(
        "/referrals/escalations/new/", {"against_agency": school.pk, "theme": "threshold"}
    ).content.decode()

    select = re.search(r'<select name="against_agency".*?</select>', sent, re.S).group()
    assert '<select name="against_agency" class="govuk-select"' in select  # GOV.UK styled
    assert re.findall(r'<option value="(\d*)" selected>', select) == [str(school.pk)]
    assert "St &lt;Mary&gt; &amp; &quot;All&quot; Saints</option>" in select
    assert "<Mary>" not in sent
    field = EscalationForm({"against_agency": school.pk}, partnership=demo.riverside)[
        "against_agency"
    ]
    widget = field.field.widget
    for value in (school.pk, None, "not an agency"):
        attrs = {"id": "id_x", "class": "govuk-select", "required": True, "disabled": False}
        drawn = widget.render("against_agency", value, attrs)
        by_django = forms.Select.render(widget, "against_agency", value, attrs)
        assert parse_html(drawn) == parse_html(by_django)
