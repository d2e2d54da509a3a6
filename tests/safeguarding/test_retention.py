"""Retention: free text that can name a child is replaced when the retention period ends, and
the record still counts (safeguarding/retention.py, rules registered in each app's apps.py).

Records are made old by moving their dates back, then the purge runs as in production: the
`pseudonymise_expired` command and the nightly Celery task.
"""

import io
import re
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from audits.models import Audit, AuditAnswer, AuditCase, AuditReturn
from referrals import services as referral_services
from referrals.models import (
    Escalation,
    EscalationResponse,
    GoodPractice,
    InformationSharingDecision,
    Referral,
)
from reviews import services as review_services
from reviews.models import AgencyReturn, Extension, RapidReview, SeriousIncident
from safeguarding.models import Notification
from safeguarding.retention import REMOVED_TEXT
from safeguarding.tasks import pseudonymise_expired_records
from tests.audits.factories import AuditFactory, complete_return
from tests.personas import BUSINESS, FRONT_DOOR_HILLFORD, PRACTITIONER_HEALTH, sign_in
from tests.referrals.factories import DecidedReferralFactory, OpenEscalationFactory
from tests.reviews.factories import DecidedRapidReviewFactory, remove_demo_reviews

pytestmark = pytest.mark.django_db

YEARS_AGO_7 = timezone.now() - timedelta(days=365 * 7 + 2)


def purge() -> str:
    out = io.StringIO()
    call_command("pseudonymise_expired", stdout=out)
    return out.getvalue()


def page(client, url) -> str:
    """A page's HTML without what changes on every request (CSRF tokens, the sign-in tag)."""
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    return re.sub(r'(csrfmiddlewaretoken" value|data-draft-session)="[^"]*"', "", html)


def test_a_referrals_free_text_goes_after_the_retention_period_and_it_still_counts(client, demo):
    Escalation.objects.all().delete()
    Referral.objects.all().delete()
    old = DecidedReferralFactory(
        concerns="Maya Brook has bruising on both arms.",
        consent="refused",
        reason_without_consent="Asking Maya's father would put her at risk.",
        reasons="Maya Brook's family accepted early help.",
    )
    recent = DecidedReferralFactory()
    hillford_front_door = demo.user(FRONT_DOOR_HILLFORD)
    referral_services.information_sharing_record(
        referral=old,
        by=hillford_front_door,
        agency=demo.agency("Midshire Police"),
        reason="Police know Maya's father.",
        lawful_basis="safeguarding",
    )
    escalation = OpenEscalationFactory(referral=old, reason="Maya Brook was hurt again.")
    referral_services.escalation_respond(
        escalation=escalation, by=hillford_front_door, text="We visited Maya at home."
    )
    referral_services.good_practice_record(
        escalation=escalation,
        by=hillford_front_door,
        agency=demo.agency("Riverside Community Health NHS Trust"),
        description="The health visitor listened to Maya.",
    )
    Referral.objects.filter(pk=old.pk).update(
        created_at=YEARS_AGO_7, draft_answers={"child-new": {"first_name": "Maya"}}
    )
    Escalation.objects.filter(pk=escalation.pk).update(created_at=YEARS_AGO_7)
    sign_in(client, BUSINESS)
    dashboards = ("/referrals/dashboard/", "/referrals/escalations/dashboard/")
    before = [page(client, url) for url in dashboards]
    assert Notification.objects.filter(body__contains="Maya").exists()

    output = purge()

    assert "Referrals: 1" in output and "Escalations: 1" in output
    old.refresh_from_db()
    assert (old.concerns, old.reason_without_consent, old.decision_reasons) == (REMOVED_TEXT,) * 3
    assert old.draft_answers == {} and old.pseudonymised_at is not None
    assert (old.status, old.decision) == ("decided", "early_help")
    assert old.category_values == ["physical"]
    escalation.refresh_from_db()
    assert escalation.reason == escalation.decision_disputed == REMOVED_TEXT
    assert escalation.stage == 1 and escalation.theme == "threshold"
    for model, field in (
        (InformationSharingDecision, "reason"),
        (EscalationResponse, "text"),
        (GoodPractice, "description"),
    ):
        assert list(model.objects.values_list(field, flat=True)) == [REMOVED_TEXT]
    # Nothing that named Maya is left anywhere: not in the history, not in a notification.
    assert not old.history.filter(concerns__contains="Maya").exists()
    assert not escalation.history.filter(reason__contains="Maya").exists()
    assert not InformationSharingDecision.history.filter(reason__contains="Maya").exists()
    assert not Notification.objects.filter(body__contains="Maya").exists()
    recent.refresh_from_db()
    assert recent.concerns.startswith("Bruising") and recent.pseudonymised_at is None
    # Every figure is as it was.
    assert [page(client, url) for url in dashboards] == before
    sign_in(client, PRACTITIONER_HEALTH)
    assert REMOVED_TEXT in page(client, f"/referrals/{old.pk}/")

    again = pseudonymise_expired_records.delay().get()
    assert again["Referrals"] == again["Escalations"] == 0


def test_an_incidents_free_text_goes_after_the_retention_period_and_the_learning_stays(
    client, demo
):
    remove_demo_reviews()
    review = DecidedRapidReviewFactory()
    business = demo.user(BUSINESS)
    review_services.rapid_review_extend(
        review=review,
        new_due_on=review.due_on + timedelta(days=7),
        reason="Waiting for Alex's GP records.",
        by=business,
    )
    agency_return = review.returns.first()
    AgencyReturn.objects.filter(pk=agency_return.pk).update(
        chronology="Alex Example was seen on 3 March.", summary="Alex was seen twice."
    )
    incident = review.incident
    long_ago = date.today().replace(year=date.today().year - 26)
    SeriousIncident.objects.filter(pk=incident.pk).update(became_aware_on=long_ago)
    sign_in(client, BUSINESS)
    dashboard = f"/reviews/dashboard/?from={long_ago.year - 1}-01-01"
    before = page(client, dashboard)

    output = purge()

    assert "Serious incidents: 1" in output
    incident.refresh_from_db()
    review = RapidReview.objects.get(pk=review.pk)
    assert incident.summary == REMOVED_TEXT and incident.pseudonymised_at is not None
    assert review.meeting_notes == review.immediate_safety_actions == REMOVED_TEXT
    assert review.decision_reasons == REMOVED_TEXT
    assert review.learning == "Bruising in non-mobile babies was not escalated."
    assert review.decision == "lcspr" and review.status == "decided"
    assert Extension.objects.get(rapid_review=review).reason == REMOVED_TEXT
    agency_return.refresh_from_db()
    assert agency_return.chronology == agency_return.summary == REMOVED_TEXT
    assert not AgencyReturn.history.filter(chronology__contains="Alex").exists()
    assert not incident.history.filter(summary__contains="baby").exists()
    assert page(client, dashboard) == before


def test_an_audits_free_text_goes_after_the_retention_period_and_the_grades_stay(client, demo):
    audit = AuditFactory(references=["RH-101", "RH-102"])
    first = audit.returns.order_by("pk").first()
    complete_return(first, worries="Nobody asked Maya what she wanted.", family_feedback="Mum: ok")
    AuditCase.objects.filter(pk=first.case_id).update(findings="Maya's voice was missing.")
    Audit.objects.filter(pk=audit.pk).update(created_at=YEARS_AGO_7)
    sign_in(client, BUSINESS)
    results = f"/audits/{audit.pk}/results/"
    before = page(client, results)

    output = purge()

    assert "Audit cases: 2" in output
    first.refresh_from_db()
    assert first.worries == first.family_feedback == first.worked_well == REMOVED_TEXT
    assert first.grade == "good" and first.status == "submitted"
    assert AuditCase.objects.get(pk=first.case_id).findings == REMOVED_TEXT
    answers = AuditAnswer.objects.filter(audit_return__audit=audit)
    assert set(answers.values_list("answer", flat=True)) <= {REMOVED_TEXT, ""}
    assert AuditAnswer.objects.filter(audit_return=first, answer=REMOVED_TEXT).exists()
    assert not AuditReturn.history.filter(worries__contains="Maya").exists()
    assert page(client, results) == before
