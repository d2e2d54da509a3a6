"""A referral's and an escalation's deadline, once set, stands: its explanation ends there."""

from datetime import date, datetime

import time_machine

from partnerships.models import ClosureDay, User
from referrals import services
from tests.personas import BUSINESS, FRONT_DOOR_HILLFORD, PRACTITIONER_HEALTH, sign_in
from tests.referrals.factories import OpenEscalationFactory, SubmittedReferralFactory
from tests.support.clock import LONDON

# Received on Thursday 19 November 2026, so the decision is due Friday 20 November.
RECEIVED = datetime(2026, 11, 19, 10, tzinfo=LONDON)


def referral_page(client, referral):
    sign_in(client, FRONT_DOOR_HILLFORD)
    return client.get(f"/referrals/{referral.pk}/")


def test_an_unchanged_calendar_shows_the_usual_decision_explanation(demo, client):
    with time_machine.travel(RECEIVED, tick=False):
        referral = SubmittedReferralFactory()
        response = referral_page(client, referral)

    page = response.content.decode()
    assert response.context["deadline"].due == referral.decision_due_on == date(2026, 11, 20)
    assert "1 working day after Thursday 19 November 2026 is Friday 20 November 2026." in page
    assert "after this deadline was set" not in page


def test_a_closure_day_added_later_does_not_move_the_decision_deadline(demo, client):
    with time_machine.travel(RECEIVED, tick=False):
        referral = SubmittedReferralFactory()
        ClosureDay.objects.create(
            partnership=demo.riverside, date=date(2026, 11, 20), reason="Staff day"
        )
        response = referral_page(client, referral)

    page = response.content.decode()
    assert response.context["deadline"].due == referral.decision_due_on == date(2026, 11, 20)
    assert "Friday 20 November 2026" in page
    assert "Monday 23 November 2026" not in page
    assert "How 20 November 2026 was worked out" in page
    assert (
        "The partnership added a closure day on Friday 20 November 2026 after this deadline was "
        "set; the deadline set then stands." in page
    )


def open_escalation():
    # Opened on Monday 16 November 2026: stage 1's 5 working days end on Monday 23 November.
    escalation = OpenEscalationFactory(today=date(2026, 11, 16))
    assert (escalation.stage, escalation.stage_due_on) == (1, date(2026, 11, 23))
    return escalation


def escalation_page(client, escalation):
    sign_in(client, PRACTITIONER_HEALTH)
    return client.get(escalation.get_absolute_url())


def test_an_unchanged_stage_shows_the_usual_escalation_explanation(demo, client):
    escalation = open_escalation()

    response = escalation_page(client, escalation)

    page = response.content.decode()
    assert response.context["deadline"].due == date(2026, 11, 23)
    assert "5 working days after Monday 16 November 2026 is Monday 23 November 2026." in page
    assert "now allows" not in page


def test_changing_a_stage_s_working_days_does_not_move_an_open_escalation(demo, client):
    escalation = open_escalation()
    stage = services.escalation_stages_for(demo.riverside)[0]
    services.escalation_stages_update(
        partnership=demo.riverside,
        by=User.objects.get(username=BUSINESS),
        stages=[{"id": stage.pk, "name": stage.name, "response_working_days": 10}],
    )

    response = escalation_page(client, escalation)

    page = response.content.decode()
    assert response.context["deadline"].due == escalation.stage_due_on == date(2026, 11, 23)
    assert "5 working days after Monday 16 November 2026 is Monday 23 November 2026." in page
    assert "Stage 1 now allows 10 working days; this escalation opened when it allowed 5." in page
    assert "30 November 2026" not in page
