import re
from datetime import date

import pytest
from playwright.sync_api import expect

from audits.models import Audit
from tests.partnerships.test_agency_choices import SCHOOLS, join_schools
from tests.personas import BUSINESS, PRACTITIONER_POLICE
from tests.support.dates import fill_date

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_agency_returns_an_audit_case_and_the_business_team_sees_the_grades(
    transactional_demo, live_server, sign_in_as, assert_accessible, browser
):
    audit = Audit.objects.filter(partnership=transactional_demo.riverside).first()
    page = sign_in_as(PRACTITIONER_POLICE)
    page.goto(f"{live_server.url}/audits/returns/")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"\w")).filter(
        has_text=audit.cases.order_by("reference").first().reference
    ).first.click()

    page.get_by_label("Requires improvement").check()
    page.get_by_label("What worked well").fill("Officers attended quickly.")
    page.get_by_label("What worries you").fill("Call-outs were not shared with health.")
    page.get_by_role("group", name="Was the child's voice heard and recorded?").get_by_label(
        "Yes"
    ).check()
    for question in page.locator("textarea[name^='question_']").all():
        question.fill("Partly.")
    assert_accessible(page)
    page.get_by_role("button", name="Submit the return").click()
    expect(page.get_by_text("There is a problem")).to_have_count(0)

    business = browser.new_context(bypass_csp=True).new_page()
    business.goto(f"{live_server.url}/sign-in/")
    business.get_by_label("Username").fill(BUSINESS)
    business.get_by_label("Password").fill("demo-pass-2026")
    business.get_by_role("button", name="Sign in").click()
    business.goto(f"{live_server.url}/audits/{audit.pk}/results/")
    expect(business.locator("canvas").first).to_be_visible()  # the chart...
    expect(business.get_by_role("table").first).to_contain_text("Midshire Police")  # ...its table
    assert_accessible(business)


def test_the_business_team_invites_a_school_from_the_folded_schools(
    transactional_demo, live_server, sign_in_as, assert_accessible
):
    schools = join_schools(transactional_demo)
    page = sign_in_as(BUSINESS)
    page.goto(f"{live_server.url}/audits/new/")
    page.get_by_label("Title").fill("Persistent absence")
    page.get_by_label("Theme", exact=True).fill("Neglect")
    page.get_by_label("Case references").fill("PA-001")
    fill_date(page, "Date the returns are due", date(2027, 1, 29))
    agencies = page.get_by_role("group", name="Agencies taking part")
    school = agencies.get_by_label(schools[12].name, exact=True)
    expect(school).to_be_hidden()  # folded away with the other schools
    agencies.get_by_text(f"School ({SCHOOLS + 1})").click()
    school.check()
    agencies.get_by_label("Midshire Police").check()
    assert_accessible(page)
    page.get_by_role("button", name="Start the audit").click()

    expect(page.get_by_role("heading", name="Persistent absence")).to_be_visible()
    invited = Audit.objects.get(title="Persistent absence").agencies.all()
    assert set(invited) == {schools[12], transactional_demo.agency("Midshire Police")}
