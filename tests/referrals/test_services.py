from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from partnerships.choices import Role
from partnerships.models import ClosureDay
from referrals import services
from referrals.models import Escalation, Referral, validate_nhs_number
from referrals.selectors import possible_duplicates, referrals_visible_to
from safeguarding import permissions
from safeguarding.models import Notification
from tests.partnerships.factories import PartnershipFactory, RoleAssignmentFactory, UserFactory
from tests.personas import (
    BUSINESS,
    DSL_SCHOOL,
    FRONT_DOOR_HILLFORD,
    FRONT_DOOR_RIVERSIDE,
    LEAD_LA,
    OTHER_PARTNERSHIP,
    PRACTITIONER_HEALTH,
    PRACTITIONER_POLICE,
    SCRUTINEER,
)
from tests.referrals.factories import (
    VALID_NHS_NUMBER,
    DecidedReferralFactory,
    DraftReferralFactory,
    OpenEscalationFactory,
    SubmittedReferralFactory,
    bulk_referrals,
    child_details,
    referral_shared_with_the_police,
)
from tests.support.concurrency import run_at_once

LONDON = ZoneInfo("Europe/London")


def seen_by(demo, username):
    return set(referrals_visible_to(demo.user(username)).values_list("pk", flat=True))


def front_door_manager(demo, council_name="Hillford Council"):
    """A council's agency safeguarding lead: the front door's manager for reminders."""
    manager = UserFactory(agency=demo.agency(council_name), username="manager.hillford")
    RoleAssignmentFactory(
        user=manager, partnership=demo.riverside, role=Role.AGENCY_SAFEGUARDING_LEAD
    )
    return manager


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        (VALID_NHS_NUMBER, True),
        ("943 476 5919", True),
        ("9434765918", False),  # wrong check digit
        ("1234567890", False),  # the check digit would be 10: never issued
        ("94347659", False),
        ("94347659AB", False),
        ("943476591\u00b2", False),  # a superscript two
        ("\u0669\u0664\u0663\u0664\u0667\u0666\u0665\u0669\u0661\u0669", False),  # Arabic-Indic
    ],
)
def test_it_checks_an_nhs_number_with_its_modulus_11_check_digit(number, valid):
    if valid:
        validate_nhs_number(number)
    else:
        with pytest.raises(ValidationError):
            validate_nhs_number(number)


def test_it_routes_a_hillford_child_to_hillford_front_door_in_the_riverside_partnership(demo):
    referral = SubmittedReferralFactory()

    assert referral.status == "submitted"
    assert referral.front_door == demo.agency("Hillford Council")
    assert referral.partnership == demo.riverside
    assert referral.reference == f"R-{referral.pk:06d}"
    assert list(referral.categories.values_list("category", flat=True)) == ["physical"]


def test_it_gives_the_front_door_one_working_day_skipping_weekends_and_closures(demo):
    friday = datetime(2026, 11, 20, 16, 30, tzinfo=LONDON)
    ClosureDay.objects.create(
        partnership=demo.riverside, date=date(2026, 11, 23), reason="Training"
    )

    referral = SubmittedReferralFactory(received_at=friday)

    assert referral.decision_due_on == date(2026, 11, 24)  # Sat, Sun and the closure skipped


def test_it_shows_a_referral_to_the_referrer_their_leads_and_that_front_door_only(demo):
    lead = UserFactory(agency=demo.agency("Riverside Community Health NHS Trust"))
    RoleAssignmentFactory(user=lead, partnership=demo.riverside, role=Role.AGENCY_SAFEGUARDING_LEAD)

    referral = SubmittedReferralFactory()

    assert referral.pk in seen_by(demo, PRACTITIONER_HEALTH)
    assert referral.pk in seen_by(demo, FRONT_DOOR_HILLFORD)
    assert referral.pk in set(referrals_visible_to(lead).values_list("pk", flat=True))
    for outsider in (
        FRONT_DOOR_RIVERSIDE,
        PRACTITIONER_POLICE,
        BUSINESS,
        OTHER_PARTNERSHIP,
        SCRUTINEER,
        DSL_SCHOOL,
        LEAD_LA,
    ):
        assert referral.pk not in seen_by(demo, outsider), outsider
    assert permissions.can(demo.user(FRONT_DOOR_HILLFORD), "change", referral)
    assert not permissions.can(demo.user(PRACTITIONER_HEALTH), "change", referral)


def test_a_draft_is_seen_by_its_referrer_only_and_keeps_each_page(demo):
    referrer = demo.user(PRACTITIONER_HEALTH)
    draft = DraftReferralFactory()

    services.referral_draft_update(referral=draft, by=referrer, concerns="Worried")
    services.referral_child_save(referral=draft, by=referrer, **child_details())

    draft.refresh_from_db()
    assert draft.concerns == "Worried" and draft.children.count() == 1
    assert seen_by(demo, PRACTITIONER_HEALTH) == {draft.pk}
    assert seen_by(demo, FRONT_DOOR_HILLFORD) == set()
    with pytest.raises(PermissionDenied):
        services.referral_draft_update(
            referral=draft, by=demo.user(PRACTITIONER_POLICE), concerns="x"
        )


def test_it_will_not_send_a_referral_with_answers_missing(demo):
    referrer = demo.user(PRACTITIONER_HEALTH)
    draft = DraftReferralFactory()
    services.referral_draft_update(referral=draft, by=referrer, consent="refused")

    with pytest.raises(ValidationError) as error:
        services.referral_submit(referral=draft, by=referrer)

    assert set(error.value.message_dict) == {
        "child",
        "local_authority",
        "concerns",
        "reason_without_consent",
    }
    assert Referral.objects.get(pk=draft.pk).status == "draft"


@pytest.mark.parametrize(
    ("child", "field"),
    [
        ({"date_of_birth": date.today() + timedelta(days=3)}, "date_of_birth"),
        ({"date_of_birth": None}, "date_of_birth"),
        ({"is_unborn": True, "date_of_birth": None}, "expected_due_date"),
        ({"nhs_number": "9434765918"}, "nhs_number"),
        ({"postcode": "not a postcode"}, "postcode"),
        ({"postcode": "HF\u0661 2AB"}, "postcode"),  # an Arabic-Indic one
        ({"postcode": "HF1 2AB\n"}, "postcode"),
    ],
)
def test_it_refuses_bad_child_details_with_a_message_for_the_field(demo, child, field):
    with pytest.raises(ValidationError) as error:
        SubmittedReferralFactory(child=child_details(**child))

    assert field in error.value.message_dict
    assert not Referral.objects.exists()


def test_an_unborn_child_is_referred_with_an_expected_due_date(demo):
    due = date.today() + timedelta(days=60)

    referral = SubmittedReferralFactory(
        child=child_details(is_unborn=True, date_of_birth=None, expected_due_date=due)
    )

    assert referral.children.get().expected_due_date == due


def test_only_that_front_door_decides_and_the_referrer_is_told(
    demo, mailoutbox, django_capture_on_commit_callbacks
):
    referral = SubmittedReferralFactory()
    for outsider in (PRACTITIONER_HEALTH, FRONT_DOOR_RIVERSIDE):
        with pytest.raises(PermissionDenied):
            services.referral_decide(
                referral=referral, by=demo.user(outsider), decision="early_help", reasons="x"
            )
    with pytest.raises(ValidationError) as error:
        services.referral_decide(
            referral=referral, by=demo.user(FRONT_DOOR_HILLFORD), decision="maybe", reasons=""
        )
    assert set(error.value.message_dict) == {"decision", "reasons"}

    with django_capture_on_commit_callbacks(execute=True):
        services.referral_decide(
            referral=referral,
            by=demo.user(FRONT_DOOR_HILLFORD),
            decision="child_in_need_assessment",
            reasons="Assessment by the locality team.",
            quality_rating="good",
        )

    referral.refresh_from_db()
    assert (referral.status, referral.decided_by.username) == ("decided", FRONT_DOOR_HILLFORD)
    told = Notification.objects.get(kind="referral_decided")
    assert told.recipient.username == PRACTITIONER_HEALTH
    assert "Child in need assessment" in told.title
    assert any("Assessment by the locality team." in m.body for m in mailoutbox)
    with pytest.raises(ValidationError):
        services.referral_decide(
            referral=referral, by=demo.user(FRONT_DOOR_HILLFORD), decision="early_help", reasons="x"
        )


def test_a_second_decision_from_a_page_opened_before_the_first_is_refused(
    demo, django_capture_on_commit_callbacks
):
    """Two front-door workers open the same referral; the one who decides second is refused
    and the first decision, the one the referrer was told, stands."""
    referral = SubmittedReferralFactory()
    first, second = Referral.objects.get(pk=referral.pk), Referral.objects.get(pk=referral.pk)
    front_door = demo.user(FRONT_DOOR_HILLFORD)

    with django_capture_on_commit_callbacks(execute=True):
        services.referral_decide(
            referral=first, by=front_door, decision="early_help", reasons="Family support."
        )
    with pytest.raises(ValidationError) as error:
        services.referral_decide(
            referral=second, by=front_door, decision="no_further_action", reasons="Nothing."
        )

    assert "already been decided" in error.value.message_dict["decision"][0]
    referral.refresh_from_db()
    assert (referral.decision, referral.decision_reasons) == ("early_help", "Family support.")
    told = Notification.objects.get(kind="referral_decided")
    assert "Early help" in told.title


def test_a_referral_sent_twice_from_two_pages_keeps_its_first_receipt(demo):
    referrer = demo.user(PRACTITIONER_HEALTH)
    draft = DraftReferralFactory()
    services.referral_child_save(referral=draft, by=referrer, **child_details())
    services.referral_draft_update(
        referral=draft,
        by=referrer,
        local_authority=demo.agency("Hillford Council"),
        concerns="Worried",
        consent="given",
    )
    first, second = Referral.objects.get(pk=draft.pk), Referral.objects.get(pk=draft.pk)
    friday = datetime(2026, 11, 20, 10, tzinfo=LONDON)

    services.referral_submit(referral=first, by=referrer, received_at=friday)
    with pytest.raises(ValidationError, match="already been sent"):
        services.referral_submit(referral=second, by=referrer, received_at=friday + timedelta(3))

    draft.refresh_from_db()
    assert (draft.received_at, draft.decision_due_on) == (friday, date(2026, 11, 23))


def test_the_database_refuses_a_decided_referral_without_a_decision(demo):
    referral = SubmittedReferralFactory()

    with pytest.raises(IntegrityError, match="referral_decided_has_decision"), transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(status="decided")

    Referral.objects.filter(pk=referral.pk).update(status="decided", decision="early_help")
    assert Referral.objects.get(pk=referral.pk).get_decision_display() == "Early help"


def test_the_front_door_sees_possible_duplicates_of_the_same_child(demo):
    earlier = SubmittedReferralFactory()
    other_child = SubmittedReferralFactory(child=child_details(first_name="Sam"))
    later = SubmittedReferralFactory(child=child_details(first_name="MAYA"))

    assert list(possible_duplicates(later)) == [earlier]
    assert other_child not in possible_duplicates(later)


def test_a_referral_about_a_child_referred_in_the_last_12_months_is_flagged_a_repeat(demo):
    received = datetime(2026, 3, 2, 10, tzinfo=LONDON)
    first = SubmittedReferralFactory(received_at=received)
    again = SubmittedReferralFactory(
        child=child_details(first_name="MAYA"), received_at=received + timedelta(days=40)
    )
    a_year_on = SubmittedReferralFactory(received_at=received + timedelta(days=406))
    someone_else = SubmittedReferralFactory(
        child=child_details(first_name="Sam"), received_at=received + timedelta(days=41)
    )

    flags = [r.is_repeat for r in (first, again, a_year_on, someone_else)]
    assert flags == [False, True, False, False]
    # Recounting in bulk (for referrals loaded from elsewhere) reaches the same answers.
    Referral.objects.update(is_repeat=False)
    services.referral_repeat_flags_recount()
    for referral in (first, again, a_year_on, someone_else):
        referral.refresh_from_db()
    assert [r.is_repeat for r in (first, again, a_year_on, someone_else)] == flags


@pytest.mark.parametrize(
    ("earlier", "later", "repeat"),
    [
        # 12 calendar months, not 365 days: the year before 1 June 2028 spans 29 February.
        (datetime(2027, 6, 2, 9), datetime(2028, 6, 1, 10), True),
        # Whole UK days: earlier on the same day of the year before is within.
        (datetime(2027, 6, 1, 11), datetime(2028, 6, 1, 10), True),
        (datetime(2027, 5, 31, 23, 30), datetime(2028, 6, 1, 0, 30), False),
        # The day of the year before 29 February 2028 is 28 February 2027.
        (datetime(2027, 2, 28, 9), datetime(2028, 2, 29, 9), True),
        (datetime(2027, 2, 27, 23), datetime(2028, 2, 29, 9), False),
    ],
)
def test_a_repeat_is_within_12_calendar_months_counted_in_uk_days(demo, earlier, later, repeat):
    first = SubmittedReferralFactory(received_at=earlier.replace(tzinfo=LONDON))
    again = SubmittedReferralFactory(received_at=later.replace(tzinfo=LONDON))

    flagged_on_receipt = again.is_repeat
    Referral.objects.update(is_repeat=False)
    services.referral_repeat_flags_recount()
    again.refresh_from_db()

    assert (flagged_on_receipt, again.is_repeat) == (repeat, repeat)
    assert (first in possible_duplicates(again)) is repeat


def test_sharing_a_referral_grants_and_withdrawing_it_revokes_access(demo):
    referral = SubmittedReferralFactory()
    police = demo.agency("Midshire Police")
    front_door = demo.user(FRONT_DOOR_HILLFORD)
    with pytest.raises(PermissionDenied):
        services.information_sharing_record(
            referral=referral,
            by=demo.user(PRACTITIONER_POLICE),
            agency=police,
            reason="x",
            lawful_basis="safeguarding",
        )

    decision = services.information_sharing_record(
        referral=referral,
        by=front_door,
        agency=police,
        reason="Police hold information about the household.",
        lawful_basis="safeguarding",
    )
    assert referral.pk in seen_by(demo, PRACTITIONER_POLICE)

    services.information_sharing_withdraw(decision=decision, by=front_door)
    assert referral.pk not in seen_by(demo, PRACTITIONER_POLICE)
    assert decision.withdrawn_by == front_door


def test_the_database_refuses_a_second_standing_sharing_decision_for_an_agency(demo):
    decision = referral_shared_with_the_police(demo).sharing.get()
    decision.pk = None

    with pytest.raises(IntegrityError), transaction.atomic():
        decision.save()


@pytest.mark.django_db(transaction=True)
def test_sharing_with_an_agency_from_two_pages_at_once_records_one_decision(
    transactional_demo, needs_services
):
    demo = transactional_demo
    referral = SubmittedReferralFactory()

    def share():
        try:
            services.information_sharing_record(
                referral=Referral.objects.get(pk=referral.pk),
                by=demo.user(FRONT_DOOR_HILLFORD),
                agency=demo.agency("Midshire Police"),
                reason="Police hold information about the household.",
                lawful_basis="safeguarding",
            )
        except ValidationError:
            return "refused"
        return "shared"

    assert run_at_once(share) == ["refused", "refused", "refused", "shared"]
    assert referral.sharing.count() == 1


def test_front_door_and_manager_are_reminded_once_when_due_and_when_overdue(
    demo, mailoutbox, django_capture_on_commit_callbacks
):
    manager = front_door_manager(demo)
    referral = SubmittedReferralFactory(received_at=datetime(2026, 11, 18, 10, tzinfo=LONDON))
    decided = DecidedReferralFactory(received_at=datetime(2026, 11, 18, 10, tzinfo=LONDON))
    assert referral.decision_due_on == date(2026, 11, 19)

    counts = []
    for today in (date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 19), date(2026, 11, 20)):
        with django_capture_on_commit_callbacks(execute=True):
            counts.append(services.referral_deadline_reminders_send(today=today))

    assert counts == [0, 2, 0, 2]
    reminders = Notification.objects.filter(kind="referral_deadline")
    assert set(reminders.values_list("recipient__username", "stage")) == {
        (FRONT_DOOR_HILLFORD, "due_today"),
        (manager.username, "due_today"),
        (FRONT_DOOR_HILLFORD, "overdue"),
        (manager.username, "overdue"),
    }
    assert not reminders.filter(subject_id=decided.pk).exists()
    assert len([m for m in mailoutbox if "past its decision deadline" in m.subject]) == 2


def test_a_sweep_reads_no_referral_again_once_told_of_its_stage(
    demo, django_assert_max_num_queries
):
    """Twenty referrals told they are due today, then overdue, cost the later sweeps one query
    between them: the sweep's cost follows the referrals reaching a stage, not its backlog."""
    manager = front_door_manager(demo)
    Referral.objects.bulk_create(bulk_referrals(20, decision_due_on=date(2026, 11, 19)))
    assert services.referral_deadline_reminders_send(today=date(2026, 11, 19)) == 40
    assert services.referral_deadline_reminders_send(today=date(2026, 11, 20)) == 40
    # Someone who joins the front door afterwards finds the backlog in the queue, not in email.
    RoleAssignmentFactory(
        user=UserFactory(agency=manager.agency, username="newcomer.hillford"),
        partnership=demo.riverside,
        role=Role.FRONT_DOOR_WORKER,
    )

    for today in (date(2026, 11, 20), date(2026, 11, 23), date(2026, 11, 24)):
        with django_assert_max_num_queries(1):
            assert services.referral_deadline_reminders_send(today=today) == 0

    assert Notification.objects.filter(kind="referral_deadline").count() == 80


def test_a_sweep_stopped_between_two_recipients_records_neither_and_the_next_tells_both(
    demo, monkeypatch
):
    manager = front_door_manager(demo)
    SubmittedReferralFactory(received_at=datetime(2026, 11, 18, 10, tzinfo=LONDON))
    bulk_create = Notification.objects.bulk_create
    recorded = []

    def stop_after_the_first(notifications, **options):
        recorded.extend(bulk_create(notifications[:1], **options))
        raise ConnectionError("The worker lost its database.")

    monkeypatch.setattr(Notification.objects, "bulk_create", stop_after_the_first)
    with pytest.raises(ConnectionError):
        services.referral_deadline_reminders_send(today=date(2026, 11, 19))
    reminders = Notification.objects.filter(kind="referral_deadline")
    assert recorded and not reminders.exists()

    monkeypatch.setattr(Notification.objects, "bulk_create", bulk_create)
    assert services.referral_deadline_reminders_send(today=date(2026, 11, 19)) == 2
    assert set(reminders.values_list("recipient__username", flat=True)) == {
        FRONT_DOOR_HILLFORD,
        manager.username,
    }


def test_an_escalation_opens_at_stage_one_with_the_default_stages(demo):
    escalation = OpenEscalationFactory(today=date(2026, 11, 20))

    assert escalation.stage == 1
    assert escalation.stage_due_on == date(2026, 11, 27)
    assert escalation.partnership == demo.riverside
    assert [s.name for s in services.escalation_stages_for(demo.riverside)] == [
        "Practitioners",
        "Line managers",
        "Senior managers",
        "The partnership's delegated safeguarding partners",
    ]
    notified = set(
        Notification.objects.filter(kind="escalation_stage").values_list(
            "recipient__username", "stage"
        )
    )
    assert notified == {(FRONT_DOOR_HILLFORD, "stage_1"), (PRACTITIONER_HEALTH, "stage_1")}


def test_an_unanswered_escalation_moves_up_a_stage_and_its_contacts_are_told_once(demo):
    manager = front_door_manager(demo)
    escalation = OpenEscalationFactory(today=date(2026, 11, 20))
    assert not permissions.can(manager, "view", escalation)

    assert services.escalation_stage_sweep(today=date(2026, 11, 27)) == 0  # due today: not yet
    assert services.escalation_stage_sweep(today=date(2026, 11, 30)) == 1
    assert services.escalation_stage_sweep(today=date(2026, 11, 30)) == 0

    escalation.refresh_from_db()
    assert (escalation.stage, escalation.stage_due_on) == (2, date(2026, 12, 7))
    stage_2 = Notification.objects.filter(stage="stage_2")
    assert set(stage_2.values_list("recipient__username", flat=True)) == {
        manager.username,
        PRACTITIONER_HEALTH,
    }
    assert permissions.can(manager, "change", escalation)


def test_the_stage_sweep_reads_the_stages_and_calendars_of_all_partnerships_at_once(demo):
    """Three escalations in three partnerships cost the sweep no more queries than in one."""
    front_door_manager(demo)  # stage 2's contact for each, so each move costs the same

    def queries_for(partnerships):
        with transaction.atomic():
            for partnership in partnerships:
                services.escalation_stages_for(partnership)
                escalation = OpenEscalationFactory(today=date(2026, 11, 20))
                Escalation.objects.filter(pk=escalation.pk).update(partnership=partnership)
            with CaptureQueriesContext(connection) as queries:
                moved = services.escalation_stage_sweep(today=date(2026, 11, 30))
            transaction.set_rollback(True)
        assert moved == 3
        return len(queries)

    others = PartnershipFactory.create_batch(2)
    assert queries_for([demo.riverside] * 3) == queries_for([demo.riverside, *others])


def test_at_the_last_stage_the_partnerships_delegated_partners_hold_it(demo):
    escalation = OpenEscalationFactory(today=date(2026, 11, 2))
    for today in (date(2026, 11, 10), date(2026, 11, 18), date(2026, 11, 26), date(2026, 12, 4)):
        services.escalation_stage_sweep(today=today)

    escalation.refresh_from_db()
    assert escalation.stage == 4
    partners = set(
        Notification.objects.filter(stage="stage_4").values_list("recipient__username", flat=True)
    )
    assert {"lead.la", "lead.health", "lead.police"} <= partners
    # Stage 3 had no senior managers at Hillford Council: the business team was told instead.
    assert Notification.objects.filter(stage="stage_3", recipient__username=BUSINESS).exists()


def test_either_side_responds_and_only_the_raiser_resolves(demo):
    escalation = OpenEscalationFactory()
    front_door = demo.user(FRONT_DOOR_HILLFORD)

    services.escalation_respond(escalation=escalation, by=front_door, text="We will reconsider.")
    with pytest.raises(PermissionDenied):
        services.escalation_respond(
            escalation=escalation, by=demo.user(PRACTITIONER_POLICE), text="x"
        )
    with pytest.raises(PermissionDenied):
        services.escalation_resolve(escalation=escalation, by=front_door, resolution="agreed")
    with pytest.raises(ValidationError):
        services.escalation_resolve(
            escalation=escalation, by=demo.user(PRACTITIONER_HEALTH), resolution="won"
        )

    services.escalation_resolve(
        escalation=escalation, by=demo.user(PRACTITIONER_HEALTH), resolution="decision_changed"
    )
    escalation.refresh_from_db()
    assert (escalation.status, escalation.resolution) == ("resolved", "decision_changed")
    assert services.escalation_stage_sweep(today=date.today() + timedelta(days=30)) == 0
    assert Notification.objects.filter(kind="escalation_response").get().recipient.username == (
        PRACTITIONER_HEALTH
    )
    told = Notification.objects.filter(kind="escalation_resolved")
    assert list(told.values_list("recipient__username", flat=True)) == [FRONT_DOOR_HILLFORD]


def test_a_response_from_the_raisers_side_is_told_to_whoever_holds_the_stage_once(demo):
    manager = front_door_manager(demo)
    escalation = OpenEscalationFactory(today=date(2026, 11, 20))
    raiser = demo.user(PRACTITIONER_HEALTH)
    responses = Notification.objects.filter(kind="escalation_response")

    first = services.escalation_respond(escalation=escalation, by=raiser, text="Any news?")
    services.escalation_stage_sweep(today=date(2026, 11, 30))  # stage 2: line managers
    second = services.escalation_respond(escalation=escalation, by=raiser, text="Still waiting.")

    assert set(responses.values_list("recipient__username", "subject_id")) == {
        (FRONT_DOOR_HILLFORD, first.pk),
        (manager.username, second.pk),
    }
    services.escalation_respond(
        escalation=escalation, by=demo.user(FRONT_DOOR_HILLFORD), text="We are reviewing it."
    )
    assert responses.filter(recipient=raiser).count() == 1


def test_a_second_resolution_from_a_page_opened_before_the_first_is_refused(demo):
    escalation = OpenEscalationFactory()
    first, second = (Escalation.objects.get(pk=escalation.pk) for _ in range(2))
    raiser = demo.user(PRACTITIONER_HEALTH)

    services.escalation_resolve(
        escalation=first, by=raiser, resolution="decision_changed", notes="Strategy meeting."
    )
    with pytest.raises(ValidationError, match="already been resolved"):
        services.escalation_resolve(escalation=second, by=raiser, resolution="decision_upheld")

    escalation.refresh_from_db()
    assert (escalation.resolution, escalation.resolution_notes) == (
        "decision_changed",
        "Strategy meeting.",
    )


def test_a_response_or_escalation_from_a_page_opened_before_the_resolution_is_refused(demo):
    escalation = OpenEscalationFactory()
    opened_before = Escalation.objects.get(pk=escalation.pk)
    raiser, front_door = demo.user(PRACTITIONER_HEALTH), demo.user(FRONT_DOOR_HILLFORD)
    services.escalation_resolve(escalation=escalation, by=raiser, resolution="agreed")

    with pytest.raises(ValidationError, match="has been resolved"):
        services.escalation_respond(escalation=opened_before, by=front_door, text="Too late.")
    with pytest.raises(ValidationError, match="has been resolved"):
        services.escalation_escalate(escalation=opened_before, by=raiser)

    assert not escalation.responses.exists()
    assert Escalation.objects.get(pk=escalation.pk).stage == 1


def test_a_response_from_a_page_opened_before_the_sweep_is_recorded_at_the_stage_now(demo):
    escalation = OpenEscalationFactory(today=date(2026, 11, 20))
    opened_before = Escalation.objects.get(pk=escalation.pk)
    services.escalation_stage_sweep(today=date(2026, 11, 30))

    response = services.escalation_respond(
        escalation=opened_before, by=demo.user(FRONT_DOOR_HILLFORD), text="We will reconsider."
    )
    services.escalation_escalate(
        escalation=opened_before, by=demo.user(PRACTITIONER_HEALTH), today=date(2026, 11, 30)
    )

    assert response.stage == 2
    assert Escalation.objects.get(pk=escalation.pk).stage == 3


def test_the_raisers_agency_safeguarding_lead_may_resolve_it_and_a_colleague_may_not(demo):
    escalation = OpenEscalationFactory()
    trust = escalation.raised_by_agency
    colleague, lead = UserFactory(agency=trust), UserFactory(agency=trust)
    RoleAssignmentFactory(
        user=lead, partnership=escalation.partnership, role=Role.AGENCY_SAFEGUARDING_LEAD
    )

    with pytest.raises(PermissionDenied):
        services.escalation_resolve(escalation=escalation, by=colleague, resolution="agreed")
    services.escalation_resolve(escalation=escalation, by=lead, resolution="agreed")

    escalation.refresh_from_db()
    assert (escalation.status, escalation.resolution) == ("resolved", "agreed")


def test_an_escalation_against_your_own_agency_or_blank_is_refused(demo):
    with pytest.raises(ValidationError) as error:
        OpenEscalationFactory(
            against_agency=demo.agency("Riverside Community Health NHS Trust"), reason=" "
        )

    assert set(error.value.message_dict) == {"against_agency", "reason"}


def test_an_escalation_about_a_referral_is_against_an_agency_of_the_referrals_partnership(demo):
    referral = referral_shared_with_the_police(demo)  # a Riverside referral
    police = demo.user(PRACTITIONER_POLICE)  # Midshire Police is in Riverside and Northgate

    with pytest.raises(ValidationError) as error:
        services.escalation_create(
            raised_by=police,
            referral=referral,
            against_agency=demo.agency("Northgate Council"),
            decision_disputed="No further action.",
            reason="Not explained.",
            outcome_sought="A strategy discussion.",
        )

    assert "not a partner" in error.value.message_dict["against_agency"][0]
    assert not Escalation.objects.exists()
    escalation = services.escalation_create(
        raised_by=police,
        referral=referral,
        against_agency=demo.agency("Hillford Council"),
        decision_disputed="No further action.",
        reason="Not explained.",
        outcome_sought="A strategy discussion.",
    )
    assert escalation.partnership == demo.riverside


@pytest.mark.django_db(transaction=True)
def test_concurrent_escalation_sweeps_move_and_notify_once(
    transactional_demo, needs_services, mailoutbox
):
    escalation = OpenEscalationFactory(today=date(2026, 11, 20))
    Notification.objects.update(sent_at=datetime(2026, 11, 20, tzinfo=LONDON))
    mailoutbox.clear()

    results = run_at_once(lambda: services.escalation_stage_sweep(today=date(2026, 11, 30)))

    assert results == [0, 0, 0, 1]
    assert Escalation.objects.get(pk=escalation.pk).stage == 2
    assert Notification.objects.filter(stage="stage_2").count() == 2  # raiser + business team
    assert len(mailoutbox) == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_deadline_sweeps_remind_once(transactional_demo, needs_services, mailoutbox):
    SubmittedReferralFactory(received_at=datetime(2026, 11, 18, 10, tzinfo=LONDON))
    Notification.objects.update(sent_at=datetime(2026, 11, 18, tzinfo=LONDON))
    mailoutbox.clear()

    results = run_at_once(
        lambda: services.referral_deadline_reminders_send(today=date(2026, 11, 20))
    )

    assert sum(results) == 1
    assert Notification.objects.filter(kind="referral_deadline").count() == 1
    assert len(mailoutbox) == 1


def test_deciding_ends_the_front_doors_right_to_decide_but_not_to_see_or_share(demo):
    referral = DecidedReferralFactory()
    front_door = demo.user(FRONT_DOOR_HILLFORD)

    assert not permissions.can(front_door, "change", referral)
    assert permissions.can(front_door, "view", referral)
    services.information_sharing_record(
        referral=referral,
        by=front_door,
        agency=demo.agency("Midshire Police"),
        reason="Police are holding a strategy discussion.",
        lawful_basis="safeguarding",
    )
    assert referral.pk in seen_by(demo, PRACTITIONER_POLICE)


def test_the_raiser_can_escalate_further_up_to_the_last_stage(demo):
    escalation = OpenEscalationFactory(today=date(2026, 11, 20))
    with pytest.raises(PermissionDenied):
        services.escalation_escalate(escalation=escalation, by=demo.user(FRONT_DOOR_HILLFORD))

    for expected in (2, 3, 4):
        services.escalation_escalate(
            escalation=escalation, by=demo.user(PRACTITIONER_HEALTH), today=date(2026, 11, 23)
        )
        assert Escalation.objects.get(pk=escalation.pk).stage == expected
    with pytest.raises(ValidationError, match="last stage"):
        services.escalation_escalate(escalation=escalation, by=demo.user(PRACTITIONER_HEALTH))
    assert Notification.objects.filter(stage="stage_4", recipient__username="lead.la").exists()


def test_after_the_retention_period_a_childs_details_are_replaced_but_the_record_stays(demo):
    from safeguarding.retention import expired_records_pseudonymise

    referral = SubmittedReferralFactory()
    later = date.today() + timedelta(days=365 * 7)

    done = expired_records_pseudonymise(today=later)

    child = referral.children.get()
    assert done["Referral children"] == 1
    assert (child.first_name, child.nhs_number, child.date_of_birth) == ("Removed", "", None)
    assert child.pseudonymised_at is not None
    assert not child.history.filter(first_name="Maya").exists()
    referral.refresh_from_db()
    assert referral.status == "submitted" and referral.decision_due_on is not None
    assert expired_records_pseudonymise(today=later)["Referral children"] == 0
