"""The server's side of keeping drafts across session expiry (safeguarding/drafts.py).

The browser side (static/src/js/keep-drafts.js) is driven in tests/e2e/test_keep_drafts.py.
"""

import re
from datetime import date, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from partnerships.services import yearly_report_start
from referrals.services import escalation_resolve, referral_strategy_discussion_record
from tests.audits.factories import AuditFactory, complete_return
from tests.partnerships.factories import FinancialContributionFactory
from tests.personas import (
    BUSINESS,
    FRONT_DOOR_HILLFORD,
    PRACTITIONER_HEALTH,
    SCRUTINEER,
    sign_in,
)
from tests.referrals.factories import (
    DecidedReferralFactory,
    DraftReferralFactory,
    OpenEscalationFactory,
)
from tests.reviews.factories import SubmittedRapidReviewFactory
from tests.support.dates import date_input

pytestmark = pytest.mark.django_db


def body_attribute(response, name: str) -> str | None:
    match = re.search(rf'<body[^>]*\s{name}="([^"]*)"', response.content.decode())
    return match.group(1) if match else None


def next_of(response) -> str:
    location = urlsplit(response["Location"])
    assert location.path == "/sign-in/"
    return parse_qs(location.query)["next"][0]


def concerns(**overrides):
    return {
        "keep_draft": "referral-concerns",  # as keep-drafts.js sends it
        "concerns": "Bruising on both arms.",
        "categories": ["physical"],
        "immediate_danger": "no",
        **overrides,
    }


def test_an_accepted_page_is_announced_once_on_the_next_page(client, demo):
    referral = DraftReferralFactory()
    sign_in(client, PRACTITIONER_HEALTH)
    url = f"/referrals/{referral.pk}/concerns/"

    response = client.post(url, concerns(), follow=True)

    assert response.redirect_chain == [(f"/referrals/{referral.pk}/consent/", 302)]
    assert body_attribute(response, "data-drafts-saved") == f"referral-concerns:{url}"
    assert body_attribute(client.get("/"), "data-drafts-saved") == ""


def test_a_page_with_mistakes_keeps_its_draft(client, demo):
    referral = DraftReferralFactory()
    sign_in(client, PRACTITIONER_HEALTH)

    response = client.post(f"/referrals/{referral.pk}/concerns/", concerns(concerns=""))

    assert response.status_code == 200
    assert body_attribute(response, "data-drafts-saved") == ""


def test_an_action_form_refused_with_an_error_message_keeps_its_draft(client, demo):
    escalation = OpenEscalationFactory()
    other = OpenEscalationFactory()
    escalation_resolve(escalation=other, by=other.raised_by, resolution="agreed")
    sign_in(client, FRONT_DOOR_HILLFORD)
    url = f"/referrals/escalations/{escalation.pk}/respond/"
    typed = {"keep_draft": "escalation-response", "text": "We will hold a strategy discussion."}

    mistaken = client.post(url, {"text": ""}, follow=True)
    refused = client.post(f"/referrals/escalations/{other.pk}/respond/", typed, follow=True)
    accepted = client.post(url, typed, follow=True)

    assert mistaken.redirect_chain == [] and "Write your response." in mistaken.content.decode()
    assert "This escalation has been resolved." in refused.content.decode()
    assert body_attribute(mistaken, "data-drafts-saved") == ""
    assert body_attribute(refused, "data-drafts-saved") == ""
    assert body_attribute(accepted, "data-drafts-saved") == f"escalation-response:{url}"


def test_the_address_includes_the_query_so_two_referrals_never_mix(client, demo):
    sign_in(client, PRACTITIONER_HEALTH)
    data = {
        "keep_draft": "escalation",
        "against_agency": demo.agency("Hillford Council").pk,
        "decision_disputed": "No further action",
        "reason": "A sibling was injured last year.",
        "outcome_sought": "A strategy discussion.",
        "theme": "threshold",
    }

    response = client.post("/referrals/escalations/new/?x=1", data, follow=True)

    saved = body_attribute(response, "data-drafts-saved")
    assert saved == "escalation:/referrals/escalations/new/?x=1"


def test_accepting_one_of_two_forms_posting_to_one_address_keeps_the_others_draft(client, demo):
    case = AuditFactory(references=["RH-101"]).cases.get()
    sign_in(client, BUSINESS)
    url = f"/audits/cases/{case.pk}/"
    action = {
        "keep_draft": "case-action",
        "add_action": "1",
        "owner_agency": demo.agency("Midshire Police").pk,
        "title": "Share domestic abuse call-outs with health visitors",
        **date_input("due_on", timezone.localdate() + timedelta(days=60)),
    }
    moderation = {
        "keep_draft": "case-moderation",
        "agreed_grade": "good",
        "findings": "Police information reached health the same day.",
    }

    page = client.get(url)
    action_added = client.post(url, action, follow=True)
    moderated = client.post(url, moderation, follow=True)

    assert 'data-keep-draft="case-moderation"' in page.content.decode()
    assert action_added.redirect_chain == [(url, 302)] == moderated.redirect_chain
    # the moderation's draft stays
    assert body_attribute(action_added, "data-drafts-saved") == f"case-action:{url}"
    assert body_attribute(moderated, "data-drafts-saved") == f"case-moderation:{url}"


@pytest.mark.parametrize("name", ["", "two words", "a:b", "x" * 101])
def test_an_accepted_form_with_no_usable_name_deletes_no_draft(client, demo, name):
    escalation = OpenEscalationFactory()
    sign_in(client, FRONT_DOOR_HILLFORD)
    url = f"/referrals/escalations/{escalation.pk}/respond/"

    response = client.post(url, {"keep_draft": name, "text": "We will meet."}, follow=True)

    assert response.redirect_chain and body_attribute(response, "data-drafts-saved") == ""


def test_after_the_session_ends_sign_in_leads_back_to_the_page_the_form_was_on(client, demo):
    escalation = OpenEscalationFactory()
    sign_in(client, FRONT_DOOR_HILLFORD)
    page = f"/referrals/escalations/{escalation.pk}/"
    Session.objects.all().delete()  # the session expired on the server

    response = client.post(
        f"{page}respond/", {"text": "Typed"}, HTTP_REFERER=f"http://testserver{page}"
    )

    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/?")
    assert next_of(response) == page
    assert escalation.responses.count() == 0


def test_a_form_on_its_own_page_or_from_elsewhere_keeps_the_usual_next(client, demo):
    referral = DraftReferralFactory()
    url = f"/referrals/{referral.pk}/concerns/"

    own_page = client.post(url, concerns(), HTTP_REFERER=f"http://testserver{url}?return=check")
    elsewhere = client.post(url, concerns(), HTTP_REFERER="https://evil.example/form/")

    assert next_of(own_page) == f"{url}?return=check"
    assert next_of(elsewhere) == url


def test_the_page_says_who_is_signed_in_and_which_sign_in_this_is(client, demo):
    anonymous = client.get("/sign-in/")
    sign_in(client, PRACTITIONER_HEALTH)
    first, second = client.get("/"), client.get("/referrals/")
    sign_in(client, PRACTITIONER_HEALTH)
    again = client.get("/")

    assert body_attribute(anonymous, "data-draft-owner") is None
    assert body_attribute(first, "data-draft-owner") == str(demo.user(PRACTITIONER_HEALTH).pk)
    tag = body_attribute(first, "data-draft-session")
    assert tag and tag == body_attribute(second, "data-draft-session")
    assert body_attribute(again, "data-draft-session") not in (None, tag)
    assert client.session.session_key not in first.content.decode()


def test_signing_in_is_not_taken_for_a_saved_form(client, demo):
    response = client.post(
        "/sign-in/", {"username": BUSINESS, "password": "demo-pass-2026"}, follow=True
    )

    assert body_attribute(response, "data-draft-owner") == str(demo.user(BUSINESS).pk)
    assert body_attribute(response, "data-drafts-saved") == ""


class Forms(HTMLParser):
    """Each form on a page as (its data-keep-draft name or None, the address it posts to)."""

    def __init__(self, page):
        super().__init__()
        self.page = page
        self.found = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method") == "post":
            self.found.append((attrs.get("data-keep-draft"), attrs.get("action") or self.page))


def forms_on(response, page):
    parser = Forms(page)
    parser.feed(response.content.decode())
    return parser.found


def submitted_audit_return(demo):
    audit_return = AuditFactory().returns.get(
        agency=demo.agency("Midshire Police"), case__reference__endswith="-001"
    )
    complete_return(audit_return)
    return f"/audits/returns/{audit_return.pk}/"


def referral_after_a_strategy_discussion(demo):
    referral = DecidedReferralFactory(decision="strategy_discussion")
    referral_strategy_discussion_record(
        referral=referral, by=demo.user(FRONT_DOOR_HILLFORD), held_on=timezone.localdate()
    )
    return referral.get_absolute_url()


def yearly_report(demo):
    return yearly_report_start(
        partnership=demo.riverside, period_start=date(2025, 4, 1), by=demo.user(BUSINESS)
    )


def contribution_change(demo):
    report = yearly_report(demo)
    contribution = FinancialContributionFactory(
        partnership=demo.riverside,
        agency=demo.agency("Midshire Police"),
        year_starting=report.period_start,
    )
    return f"/partnerships/reports/{report.pk}/contributions/{contribution.pk}/"


@pytest.mark.parametrize(
    ("persona", "page", "keys"),
    [
        (
            PRACTITIONER_HEALTH,
            lambda d: f"/referrals/{DraftReferralFactory().pk}/child/",
            ["referral-child"],
        ),
        (
            PRACTITIONER_HEALTH,
            lambda d: f"/referrals/{DraftReferralFactory().pk}/concerns/",
            ["referral-concerns"],
        ),
        (FRONT_DOOR_HILLFORD, referral_after_a_strategy_discussion, ["referral-no-conference"]),
        (PRACTITIONER_HEALTH, lambda d: "/referrals/escalations/new/", ["escalation"]),
        (
            FRONT_DOOR_HILLFORD,
            lambda d: f"/referrals/escalations/{OpenEscalationFactory().pk}/",
            ["escalation-response", "good-practice"],
        ),
        (
            PRACTITIONER_HEALTH,
            lambda d: f"/referrals/escalations/{OpenEscalationFactory().pk}/",
            ["escalation-resolution", "good-practice"],
        ),
        (
            BUSINESS,
            lambda d: f"/referrals/escalations/stages/{d.riverside.pk}/",
            ["escalation-stages"],
        ),
        (BUSINESS, lambda d: "/reviews/incidents/new/", ["incident"]),
        (
            BUSINESS,
            lambda d: (
                f"/reviews/practice-reviews/{SubmittedRapidReviewFactory().practice_review.pk}/"
            ),
            ["practice-review-milestone", "practice-review"],
        ),
        (BUSINESS, lambda d: f"/partnerships/{d.riverside.pk}/training/new/", ["training"]),
        (SCRUTINEER, lambda d: "/partnerships/scrutiny/new/", ["scrutiny-challenge"]),
        (
            BUSINESS,
            lambda d: f"/partnerships/reports/{yearly_report(d).pk}/contributions/",
            ["report-contribution"],
        ),
        (BUSINESS, contribution_change, ["report-contribution-change"]),
        (BUSINESS, lambda d: f"/audits/{AuditFactory().pk}/cases/", ["audit-cases"]),
        (BUSINESS, lambda d: f"/audits/{AuditFactory().pk}/follow-up/", ["audit-follow-up"]),
        (BUSINESS, submitted_audit_return, ["audit-return-reopen"]),
        (
            BUSINESS,
            lambda d: f"/audits/cases/{AuditFactory().cases.first().pk}/",
            ["case-moderation", "case-action"],
        ),
    ],
    ids=lambda value: "+".join(value) if isinstance(value, list) else None,
)
def test_forms_with_typed_text_keep_drafts_each_under_its_own_name(
    client, demo, persona, page, keys
):
    url = page(demo)
    sign_in(client, persona)

    response = client.get(url)

    assert response.status_code == 200
    forms = forms_on(response, url)
    assert set(keys) <= {name for name, _ in forms}
    drafts = [(name, address) for name, address in forms if name]
    assert len(drafts) == len(set(drafts))  # accepting one must not delete another's draft


def test_a_form_sent_with_an_outdated_token_says_so_and_leads_back_to_it(demo):
    escalation = OpenEscalationFactory()
    client = Client(enforce_csrf_checks=True)
    sign_in(client, FRONT_DOOR_HILLFORD)
    page = f"/referrals/escalations/{escalation.pk}/"
    client.get(page)  # sets the CSRF cookie; the form's token then goes out of date

    response = client.post(
        f"{page}respond/",
        {"text": "Typed", "csrfmiddlewaretoken": "x" * 64},
        HTTP_REFERER=f"http://testserver{page}",
    )

    html = response.content.decode()
    assert response.status_code == 403
    assert "Your form was not sent" in html and f'href="{page}">Go back to the form' in html
    assert body_attribute(response, "data-drafts-saved") == ""
    assert body_attribute(response, "data-draft-owner") == str(demo.user(FRONT_DOOR_HILLFORD).pk)
    assert escalation.responses.count() == 0
