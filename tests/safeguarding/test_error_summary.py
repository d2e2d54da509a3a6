"""A form sent with mistakes is shown again with a GOV.UK error summary whose every link lands
on the field it is about (templates/includes/error_summary.html)."""

import pytest
from django.utils import timezone

from audits.models import AuditReturn, SelfAssessment
from tests.audits.factories import AuditFactory
from tests.personas import (
    BUSINESS,
    PRACTITIONER_HEALTH,
    PRACTITIONER_POLICE,
    SCRUTINEER,
    sign_in,
)
from tests.referrals.factories import DraftReferralFactory
from tests.reviews.factories import RapidReviewFactory
from tests.support.pages import assert_error_summary_links_land

pytestmark = pytest.mark.django_db


def test_a_referral_page_links_to_its_radios_and_checkboxes(client, demo):
    referral = DraftReferralFactory()
    sign_in(client, PRACTITIONER_HEALTH)

    response = client.post(f"/referrals/{referral.pk}/concerns/", {"concerns": "Bruising."})

    assert response.status_code == 200
    assert_error_summary_links_land(response.content.decode())


def test_a_new_escalation_links_to_every_field(client, demo):
    sign_in(client, PRACTITIONER_HEALTH)

    response = client.post("/referrals/escalations/new/", {})

    assert response.status_code == 200
    assert_error_summary_links_land(response.content.decode())


def test_an_audit_return_links_to_its_grade(client, demo):
    audit = AuditFactory()
    police = AuditReturn.objects.filter(audit=audit, agency__name="Midshire Police").first()
    sign_in(client, PRACTITIONER_POLICE)

    response = client.post(f"/audits/returns/{police.pk}/", {"submit": "1"})

    assert response.status_code == 200
    assert_error_summary_links_land(response.content.decode())


def test_a_self_assessment_links_to_each_standards_rating(client, demo):
    assessment = SelfAssessment.objects.get(
        agency__name="Midshire Police", kind="s11", year=timezone.localdate().year
    )
    sign_in(client, "lead.police")

    response = client.post(f"/audits/self-assessments/{assessment.pk}/", {"submit": "1"})

    assert response.status_code == 200
    assert_error_summary_links_land(response.content.decode())


def test_a_rapid_review_decision_links_to_its_choices(client, demo):
    review = RapidReviewFactory()
    sign_in(client, BUSINESS)

    response = client.post(f"{review.get_absolute_url()}decision/", {"reasons": "Learning."})

    assert response.status_code == 200
    assert_error_summary_links_land(response.content.decode())


def test_a_scrutiny_challenge_links_to_every_field(client, demo):
    sign_in(client, SCRUTINEER)

    response = client.post("/partnerships/scrutiny/new/", {})

    assert response.status_code == 200
    assert_error_summary_links_land(response.content.decode())
