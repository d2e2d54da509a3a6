"""Long forms keep what was typed when the session runs out (static/src/js/keep-drafts.js)."""

from datetime import date, timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from playwright.sync_api import expect

from referrals.models import Referral
from tests.audits.factories import AuditFactory
from tests.personas import BUSINESS, FRONT_DOOR_HILLFORD, PRACTITIONER_HEALTH
from tests.referrals.factories import DraftReferralFactory, OpenEscalationFactory
from tests.support.dates import fill_date

pytestmark = pytest.mark.django_db(transaction=True)

BANNER = "We kept what you typed before you were signed out. Check it, then continue."
CONCERN = "Ellie has a burn on her hand and said the iron fell on her."


def drafts(page) -> dict:
    """Every draft this tab holds in sessionStorage, by key."""
    return page.evaluate(
        """() => Object.fromEntries(Object.keys(sessionStorage)
            .filter((key) => key.startsWith("keep-draft:"))
            .map((key) => [key, JSON.parse(sessionStorage.getItem(key))]))"""
    )


def sign_in_here(page, username, password="demo-pass-2026"):
    """Sign in on the sign-in page the browser was sent to (keeping its `next`)."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def draft_referral_page(sign_in_as, live_server, name):
    """practitioner.health on the page `name` of a referral they have not sent yet."""
    referral = DraftReferralFactory()
    page = sign_in_as(PRACTITIONER_HEALTH)
    url = f"{live_server.url}/referrals/{referral.pk}/{name}/"
    page.goto(url)
    return referral, page, url


def test_a_referral_page_sent_after_the_session_ended_is_put_back_after_signing_in(
    transactional_demo, live_server, sign_in_as, assert_accessible
):
    referral, page, url = draft_referral_page(sign_in_as, live_server, "concerns")
    page.get_by_label("What are you worried about?").fill(CONCERN)
    page.get_by_label("Physical abuse").check()
    page.get_by_label("Neglect").check()
    page.get_by_label("No", exact=True).check()
    [kept] = drafts(page).values()
    assert kept["values"]["concerns"] == CONCERN and not kept["pending"]
    assert "csrfmiddlewaretoken" not in kept["values"]

    Session.objects.all().delete()  # the session expired on the server
    page.get_by_role("button", name="Save and continue").click()
    sign_in_here(page, PRACTITIONER_HEALTH)

    expect(page).to_have_url(url)
    banner = page.get_by_role("alert").filter(has_text=BANNER)
    expect(banner).to_be_visible()
    expect(banner).to_be_focused()
    expect(page.get_by_label("What are you worried about?")).to_have_value(CONCERN)
    expect(page.get_by_label("Physical abuse")).to_be_checked()
    expect(page.get_by_label("Neglect")).to_be_checked()
    expect(page.get_by_label("Sexual abuse")).not_to_be_checked()
    expect(page.get_by_label("No", exact=True)).to_be_checked()
    assert_accessible(page)
    referral.refresh_from_db()
    assert referral.concerns == ""  # nothing reached the server: the browser kept it

    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consent")
    assert drafts(page) == {}
    referral = Referral.objects.get(pk=referral.pk)
    assert referral.concerns == CONCERN and set(referral.category_values) == {
        "physical",
        "neglect",
    }


def test_a_date_typed_in_its_three_boxes_is_put_back_after_signing_in(
    transactional_demo, live_server, sign_in_as, assert_accessible
):
    _, page, url = draft_referral_page(sign_in_as, live_server, "child")
    page.get_by_label("First name").fill("Ellie")
    fill_date(page, "Date of birth", date(2022, 2, 3))

    Session.objects.all().delete()  # the session expired on the server
    page.get_by_role("button", name="Save and continue").click()
    sign_in_here(page, PRACTITIONER_HEALTH)

    expect(page).to_have_url(url)
    expect(page.get_by_text(BANNER)).to_be_visible()
    born = page.get_by_role("group", name="Date of birth", exact=True)
    for box, typed in (("Day", "3"), ("Month", "2"), ("Year", "2022")):
        expect(born.get_by_label(box, exact=True)).to_have_value(typed)
    assert_accessible(page)


RESPONSE = "We will hold a strategy discussion on Thursday."


def response_typed(sign_in_as, live_server):
    """The front door has typed RESPONSE on an open escalation's page, not yet sent."""
    escalation = OpenEscalationFactory()
    page = sign_in_as(FRONT_DOOR_HILLFORD)
    url = f"{live_server.url}/referrals/escalations/{escalation.pk}/"
    page.goto(url)
    page.get_by_label("Your response").fill(RESPONSE)
    return escalation, page, url


def test_an_escalation_response_survives_the_session_ending_and_signing_out_forgets(
    transactional_demo, live_server, sign_in_as, assert_accessible
):
    escalation, page, url = response_typed(sign_in_as, live_server)

    Session.objects.all().delete()
    page.get_by_role("button", name="Add response").click()
    sign_in_here(page, FRONT_DOOR_HILLFORD)

    # Back on the escalation (not its POST-only respond address), the response put back.
    expect(page).to_have_url(url)
    expect(page.get_by_text(BANNER)).to_be_visible()
    expect(page.get_by_label("Your response")).to_have_value(RESPONSE)
    assert_accessible(page)
    assert escalation.responses.count() == 0

    page.get_by_label("Your response").fill("")
    page.get_by_role("button", name="Add response").click()  # refused: nothing typed
    expect(page.get_by_role("link", name="Write your response.")).to_be_visible()
    assert len(drafts(page)) == 1

    page.get_by_label("Your response").fill(RESPONSE)
    page.get_by_role("button", name="Add response").click()
    expect(page.get_by_text("Response recorded.")).to_be_visible()
    expect(page.get_by_label("Your response")).to_have_value("")
    assert drafts(page) == {}
    assert escalation.responses.get().text == RESPONSE

    page.get_by_label("Your response").fill("Something not yet sent")
    assert len(drafts(page)) == 1
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert drafts(page) == {}


def test_a_form_sent_after_signing_in_again_in_another_tab_leads_back_to_what_was_typed(
    transactional_demo, live_server, sign_in_as, assert_accessible
):
    escalation, page, url = response_typed(sign_in_as, live_server)

    Session.objects.all().delete()  # the session ended; they sign in again in another tab
    other_tab = page.context.new_page()
    other_tab.goto(url)
    sign_in_here(other_tab, FRONT_DOOR_HILLFORD)
    other_tab.close()
    page.get_by_role("button", name="Add response").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your form was not sent")
    assert_accessible(page)
    page.get_by_role("link", name="Go back to the form").click()
    expect(page).to_have_url(url)
    expect(page.get_by_label("Your response")).to_have_value(RESPONSE)
    page.get_by_role("button", name="Add response").click()
    expect(page.get_by_text("Response recorded.")).to_be_visible()
    assert escalation.responses.get().text == RESPONSE


FINDINGS = "Police information reached the health visitor a week late."


def findings_typed(sign_in_as, live_server):
    """The business team has typed FINDINGS in a case's moderation form, not yet sent."""
    case = AuditFactory(references=["RH-101"]).cases.get()
    page = sign_in_as(BUSINESS)
    page.goto(f"{live_server.url}/audits/cases/{case.pk}/")
    page.get_by_label("Findings", exact=True).fill(FINDINGS)
    return case, page


def add_an_action(page, *, due=True):
    page.get_by_label("Owning agency").select_option(label="Midshire Police")
    page.get_by_label("Action", exact=True).fill("Share call-outs with health visitors")
    if due:
        fill_date(page, "Due date", timezone.localdate() + timedelta(days=60))
    page.get_by_role("button", name="Add the action").click()


def test_adding_an_action_keeps_the_findings_sent_beside_it(
    transactional_demo, live_server, sign_in_as
):
    """The moderation and "add an action" post to the same address: each has its own draft."""
    case, page = findings_typed(sign_in_as, live_server)
    page.get_by_role("button", name="Save the moderation").click()  # refused: no grade
    expect(page.locator(".govuk-error-summary")).to_be_visible()

    add_an_action(page)

    expect(page.get_by_text("Action recorded.")).to_be_visible()
    expect(page.get_by_label("Findings", exact=True)).to_have_value(FINDINGS)
    page.get_by_label("Good", exact=True).check()
    page.get_by_role("button", name="Save the moderation").click()
    expect(page.get_by_text("Moderation recorded.")).to_be_visible()
    assert drafts(page) == {}
    case.refresh_from_db()
    assert case.findings == FINDINGS


def test_adding_an_action_keeps_the_findings_typed_beside_it_and_not_yet_sent(
    transactional_demo, live_server, sign_in_as
):
    case, page = findings_typed(sign_in_as, live_server)

    add_an_action(page, due=False)  # refused: no due date
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page.get_by_label("Findings", exact=True)).to_have_value(FINDINGS)
    add_an_action(page)

    expect(page.get_by_text("Action recorded.")).to_be_visible()
    expect(page.get_by_label("Findings", exact=True)).to_have_value(FINDINGS)
    case.refresh_from_db()
    assert case.findings == ""  # still only in the browser, for them to send
