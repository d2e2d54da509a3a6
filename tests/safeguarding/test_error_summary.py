"""A form sent with mistakes is shown again with a GOV.UK error summary whose every link lands
on the field it is about (templates/includes/error_summary.html)."""

import pytest
from django.utils import timezone

from audits.models import AuditReturn, SelfAssessment
from tests.audits.factories import AuditFactory
from tests.personas import (
    BUSINESS,
    LEAD_POLICE,
    PRACTITIONER_HEALTH,
    PRACTITIONER_POLICE,
    SCRUTINEER,
    sign_in,
)
from tests.referrals.factories import DraftReferralFactory
from tests.reviews.factories import RapidReviewFactory
from tests.support.pages import assert_error_summary_links_land

pytestmark = pytest.mark.django_db


def referral_concerns():
    return f"/referrals/{DraftReferralFactory().pk}/concerns/"


def audit_return():
    police = AuditReturn.objects.filter(audit=AuditFactory(), agency__name="Midshire Police")
    return f"/audits/returns/{police.first().pk}/"


def self_assessment():
    assessment = SelfAssessment.objects.get(
        agency__name="Midshire Police", kind="s11", year=timezone.localdate().year
    )
    return f"/audits/self-assessments/{assessment.pk}/"


def rapid_review_decision():
    return f"{RapidReviewFactory().get_absolute_url()}decision/"


@pytest.mark.parametrize(
    ("persona", "url", "data"),
    [
        # radios and checkboxes left unanswered
        (PRACTITIONER_HEALTH, referral_concerns, {"concerns": "Bruising."}),
        (PRACTITIONER_HEALTH, lambda: "/referrals/escalations/new/", {}),
        (PRACTITIONER_POLICE, audit_return, {"submit": "1"}),
        # each standard's rating, drawn by the page itself
        (LEAD_POLICE, self_assessment, {"submit": "1"}),
        (BUSINESS, rapid_review_decision, {"reasons": "Learning."}),
        (SCRUTINEER, lambda: "/partnerships/scrutiny/new/", {}),
    ],
)
def test_every_link_in_the_error_summary_lands_on_its_field(client, demo, persona, url, data):
    url = url()
    sign_in(client, persona)

    response = client.post(url, data)

    assert response.status_code == 200
    assert_error_summary_links_land(response.content.decode())
