import threading
import time
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction

from partnerships.models import ClosureDay
from reviews import services
from reviews.choices import RapidReviewStatus
from reviews.models import AgencyReturn, PracticeReview, RapidReview
from reviews.selectors import with_timing
from safeguarding import permissions
from tests.partnerships.factories import AgencyFactory
from tests.reviews.factories import (
    DecidedRapidReviewFactory,
    RapidReviewFactory,
    SeriousIncidentFactory,
    SignedOffRapidReviewFactory,
    SubmittedRapidReviewFactory,
    remove_demo_reviews,
    user,
)
from tests.support.clock import a_year_from_today


def test_it_counts_the_review_from_awareness_to_15_working_days(demo):
    incident = SeriousIncidentFactory(became_aware_on=date(2026, 11, 20))

    review = services.rapid_review_create(incident=incident, by=demo.user("business.riverside"))

    assert incident.notification_due_on == date(2026, 11, 27)
    assert review.clock_started_on == date(2026, 11, 20)
    assert review.due_on == review.original_due_on == date(2026, 12, 11)
    assert review.returns_due_on == date(2026, 12, 4)
    assert incident.reference == f"SI-2026-{incident.pk:04d}"


def test_it_skips_the_christmas_bank_holidays(demo):
    incident = SeriousIncidentFactory(became_aware_on=date(2025, 12, 15))

    review = services.rapid_review_create(incident=incident, by=demo.user("business.riverside"))
    deadline = services.rapid_review_deadline(review)

    # 16-19, 22-24, 29-31 Dec, 2, 5-8 Jan: Christmas, Boxing Day and New Year not counted.
    assert review.due_on == date(2026, 1, 8)
    assert [d.date for d in deadline.skipped_holidays] == [
        date(2025, 12, 25),
        date(2025, 12, 26),
        date(2026, 1, 1),
    ]
    assert "Christmas Day" in deadline.explanation()


def test_a_partnership_may_count_from_the_notification(demo):
    partnership = demo.riverside
    partnership.rapid_review_clock_start = "notified"
    partnership.save()
    incident = SeriousIncidentFactory(became_aware_on=date(2026, 11, 2))

    with pytest.raises(ValidationError) as refused:
        services.rapid_review_create(incident=incident, by=demo.user("business.riverside"))
    services.incident_record_notification(
        incident=incident, notified_on=date(2026, 11, 5), by=demo.user("business.riverside")
    )
    review = services.rapid_review_create(incident=incident, by=demo.user("business.riverside"))

    assert "record the notification first" in str(refused.value)
    assert review.clock_started_on == date(2026, 11, 5)
    assert review.due_on == date(2026, 11, 26)


def test_closure_days_move_the_deadline(demo):
    ClosureDay.objects.create(partnership=demo.riverside, date=date(2026, 12, 1), reason="Training")

    review = RapidReviewFactory(incident__became_aware_on=date(2026, 11, 20))

    assert review.due_on == date(2026, 12, 14)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"became_aware_on": a_year_from_today()}, "became_aware_on"),
        ({"children": []}, "children"),
        (
            {
                "children": [
                    {"first_name": "A", "last_name": "B", "date_of_birth": date(2020, 1, 1)}
                ]
                * 5
            },
            "children",
        ),
        ({"categories": ["astrology"]}, "categories"),
        ({"incident_type": "accident"}, "incident_type"),
        ({"summary": " "}, "summary"),
    ],
)
def test_it_explains_bad_incidents(demo, overrides, field):
    with pytest.raises(ValidationError) as error:
        SeriousIncidentFactory(**overrides)

    assert field in error.value.message_dict


def test_it_refuses_agencies_outside_the_partnership(demo):
    with pytest.raises(ValidationError) as error:
        SeriousIncidentFactory(agencies_involved=[demo.agency("Northgate Academy")])

    assert "agencies_involved" in error.value.message_dict


def test_only_the_business_team_or_the_council_records_an_incident(demo):
    SeriousIncidentFactory(by=demo.user("frontdoor.riverside"))
    for username in ("practitioner.police", "business.northgate", "scrutineer.riverside"):
        with pytest.raises(PermissionDenied):
            SeriousIncidentFactory(by=demo.user(username))


def test_the_involved_agencies_see_it_and_the_rest_do_not(demo):
    review = RapidReviewFactory()
    police_return = AgencyReturn.objects.get(rapid_review=review, agency__name="Midshire Police")

    assert permissions.can(demo.user("practitioner.police"), "view", review)
    assert not permissions.can(demo.user("dsl.school"), "view", review)
    assert not permissions.can(demo.user("scrutineer.riverside"), "view", review)
    assert not permissions.can(demo.user("business.northgate"), "view", review)
    assert permissions.can(demo.user("practitioner.police"), "change", police_return)
    assert not permissions.can(demo.user("practitioner.health"), "view", police_return)

    services.rapid_review_share_returns(review=review, by=demo.user("business.riverside"))

    assert permissions.can(demo.user("practitioner.health"), "view", police_return)
    assert not permissions.can(demo.user("practitioner.health"), "change", police_return)


def test_a_return_is_saved_as_a_draft_then_submitted(demo):
    review = RapidReviewFactory()
    agency_return = review.returns.get(agency__name="Midshire Police")
    police = demo.user("practitioner.police")

    services.agency_return_save(
        agency_return=agency_return, chronology="1 Nov: call", summary="", by=police
    )
    assert agency_return.status == "in_progress"
    with pytest.raises(ValidationError) as error:
        services.agency_return_save(
            agency_return=agency_return,
            chronology="1 Nov: call",
            summary="",
            by=police,
            submit=True,
        )
    assert set(error.value.message_dict) == {"summary"}
    services.agency_return_save(
        agency_return=agency_return,
        chronology="1 Nov: call",
        summary="One domestic abuse call-out.",
        by=police,
        submit=True,
    )

    assert agency_return.status == "submitted" and agency_return.submitted_by == police
    assert agency_return.history.count() == 3


def test_the_status_moves_only_in_order(demo):
    review = RapidReviewFactory()
    business = demo.user("business.riverside")

    with pytest.raises(ValidationError) as early_decision:
        services.rapid_review_decide(review=review, decision="lcspr", reasons="x", by=business)
    with pytest.raises(ValidationError) as early_sign_off:
        services.rapid_review_sign_off(review=review, by=demo.user("lead.health"))

    assert (
        "Record the meeting before the decision" in early_decision.value.message_dict["status"][0]
    )
    assert "status" in early_sign_off.value.message_dict


def test_a_decision_needs_reasons(demo):
    review = DecidedRapidReviewFactory()

    with pytest.raises(ValidationError) as error:
        services.rapid_review_decide(
            review=review,
            decision="no_further_review",
            reasons="",
            by=demo.user("business.riverside"),
        )

    assert error.value.message_dict == {"reasons": ["Give the reasons for the decision."]}


def test_each_partner_signs_off_once_through_its_delegate(demo):
    review = DecidedRapidReviewFactory()

    services.rapid_review_sign_off(review=review, by=demo.user("lead.health"))
    with pytest.raises(ValidationError):
        services.rapid_review_sign_off(review=review, by=demo.user("lead.health"))
    with pytest.raises(PermissionDenied):
        services.rapid_review_sign_off(review=review, by=demo.user("business.riverside"))
    with pytest.raises(ValidationError) as changed:
        services.rapid_review_decide(
            review=review,
            decision="no_further_review",
            reasons="x",
            by=demo.user("business.riverside"),
        )

    assert review.sign_offs.get().partner_kind == "health"
    assert "cannot change" in changed.value.message_dict["decision"][0]


def test_submission_waits_for_notification_decision_and_all_sign_offs(demo):
    review = DecidedRapidReviewFactory(incident=SeriousIncidentFactory())
    business = demo.user("business.riverside")
    services.rapid_review_sign_off(review=review, by=demo.user("lead.la"))

    with pytest.raises(ValidationError) as error:
        services.rapid_review_submit(review=review, submitted_on=date(2026, 11, 21), by=business)

    assert error.value.message_dict == {
        "notified_on": ["Record the notification to the Panel before submitting."],
        "sign_offs": ["Still to sign off: health, police."],
    }


def test_a_submitted_lcspr_decision_starts_a_practice_review(demo):
    review = DecidedRapidReviewFactory()
    RapidReview.objects.filter(pk=review.pk).update(decided_on=date(2026, 8, 31))
    review.refresh_from_db()
    for username in ("lead.la", "lead.health", "lead.police"):
        services.rapid_review_sign_off(review=review, by=demo.user(username))
    review.refresh_from_db()

    services.rapid_review_submit(
        review=review, submitted_on=date(2026, 11, 20), by=demo.user("business.riverside")
    )

    practice_review = PracticeReview.objects.get(rapid_review=review)
    assert review.status == RapidReviewStatus.SUBMITTED
    # Six calendar months after 31 August is the last day of February.
    assert practice_review.target_publication_on == date(2027, 2, 28)
    assert with_timing([review])[0].on_time is True


def test_a_late_review_is_late_by_working_days(demo):
    review = SignedOffRapidReviewFactory(incident__became_aware_on=date(2026, 10, 1))

    services.rapid_review_submit(
        review=review, submitted_on=date(2026, 10, 26), by=demo.user("business.riverside")
    )

    timed = with_timing([review])[0]
    assert review.due_on == date(2026, 10, 22)
    assert (timed.on_time, timed.late_by) == (False, 2)


def test_an_extension_never_overwrites_the_original_deadline(demo):
    review = RapidReviewFactory()
    business = demo.user("business.riverside")

    with pytest.raises(ValidationError) as error:
        services.rapid_review_extend(
            review=review, new_due_on=date(2026, 12, 18), reason="", by=business
        )
    services.rapid_review_extend(
        review=review, new_due_on=date(2026, 12, 18), reason="Police returns delayed", by=business
    )

    review.refresh_from_db()
    assert "reason" in error.value.message_dict
    assert (review.original_due_on, review.due_on) == (date(2026, 12, 11), date(2026, 12, 18))
    assert review.extensions.get().reason == "Police returns delayed"


def test_the_plan_lays_out_fifteen_working_days(demo):
    review = RapidReviewFactory()

    plan = services.rapid_review_plan(review)

    assert [p["day"] for p in plan] == list(range(1, 16))
    assert plan[0]["date"] == date(2026, 11, 23)
    assert plan[9] == {"day": 10, "date": date(2026, 12, 4), "event": "Agency returns due"}
    assert plan[-1]["date"] == review.due_on


def test_recommendations_become_actions_on_the_shared_model(demo):
    review = SubmittedRapidReviewFactory()

    action = services.recommendation_add(
        review=review,
        owner_agency=demo.agency("Midshire Police"),
        recommendation="Police attend strategy discussions for babies.",
        title="Attend every strategy discussion for babies",
        due_on=date(2027, 3, 1),
        by=demo.user("business.riverside"),
    )

    assert action.source == review
    assert action.recommendation.startswith("Police attend")


def test_the_panel_notice_warning(demo):
    practice_review = SubmittedRapidReviewFactory().practice_review
    business = demo.user("business.riverside")
    report = SimpleUploadedFile("report.pdf", b"%PDF-1.4")

    _, warning = services.practice_review_update(
        practice_review=practice_review,
        by=business,
        reviewer="Dr Jane Reviewer",
        sent_to_panel_on=date(2026, 11, 16),
        published_on=date(2026, 11, 20),
        final_report=report,
    )

    assert "4 working days before publication" in warning
    assert permissions.can(demo.user("scrutineer.riverside"), "view", practice_review)


def test_an_agency_outside_the_partnership_cannot_be_involved(demo):
    stranger = AgencyFactory()
    with pytest.raises(ValidationError):
        SeriousIncidentFactory(agencies_involved=[stranger])


def test_factories_build_each_state(demo):
    assert RapidReviewFactory().status == "gathering"
    assert SignedOffRapidReviewFactory().status == "signed_off"
    assert user("lead.la").agency.name == "Riverside Council"


def test_the_childrens_details_are_pseudonymised_after_the_retention_period(demo):
    from safeguarding.retention import expired_records_pseudonymise

    old = SeriousIncidentFactory(became_aware_on=date(2000, 1, 10)).children.get()
    recent = SeriousIncidentFactory().children.get()

    done = expired_records_pseudonymise(today=date(2026, 11, 20))

    old.refresh_from_db()
    recent.refresh_from_db()
    assert done["Children in serious incidents"] == 1
    assert (old.first_name, old.last_name, old.date_of_birth) == ("Removed", "Removed", None)
    assert old.history.filter(first_name="Alex").count() == 0
    assert recent.first_name == "Alex"


def test_a_step_taken_from_a_page_read_before_another_step_sees_the_review_as_it_stands(demo):
    """Two people with the same review open: whatever one has done since the other read it
    is checked against, not written over."""
    business = demo.user("business.riverside")
    review = SignedOffRapidReviewFactory()
    stale = RapidReview.objects.get(pk=review.pk)
    stale_return = AgencyReturn.objects.get(rapid_review=review, agency__name="Midshire Police")
    services.rapid_review_submit(review=review, submitted_on=review.clock_started_on, by=business)

    with pytest.raises(ValidationError) as twice:
        services.rapid_review_submit(
            review=stale, submitted_on=review.clock_started_on, by=business
        )
    with pytest.raises(ValidationError) as extended:
        services.rapid_review_extend(
            review=stale,
            new_due_on=date(2027, 1, 29),
            reason="Late police return",
            by=business,
        )
    with pytest.raises(ValidationError) as saved:
        services.agency_return_save(
            agency_return=stale_return,
            chronology="1 Nov: call",
            summary="",
            by=demo.user("practitioner.police"),
        )

    review.refresh_from_db()
    assert "already been submitted" in twice.value.message_dict["status"][0]
    assert "cannot be extended" in extended.value.message_dict["new_due_on"][0]
    assert "has been submitted" in saved.value.message_dict["status"][0]
    assert (review.submitted_on, review.due_on) == (review.clock_started_on, review.original_due_on)
    assert not review.extensions.exists()


@pytest.mark.django_db(transaction=True)
def test_a_decision_cannot_change_under_a_partner_signing_off_at_the_same_moment(
    transactional_demo, needs_services
):
    remove_demo_reviews()
    review = DecidedRapidReviewFactory()
    signing, signed = threading.Event(), threading.Event()
    outcome = {}

    def sign_off():
        try:
            with transaction.atomic():
                services.rapid_review_sign_off(
                    review=RapidReview.objects.get(pk=review.pk), by=user("lead.health")
                )
                signing.set()
                time.sleep(1)  # the decision is tried while the sign-off is not yet committed
            signed.set()
        finally:
            connection.close()

    def decide():
        signing.wait(10)
        try:
            services.rapid_review_decide(
                review=RapidReview.objects.get(pk=review.pk),
                decision="no_further_review",
                reasons="Changed our minds.",
                by=user("business.riverside"),
            )
            outcome["decided"] = True
        except ValidationError as error:
            outcome["refused"] = error.message_dict
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_off), threading.Thread(target=decide)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    review.refresh_from_db()
    assert signed.is_set()
    assert review.decision == "lcspr" and review.sign_offs.count() == 1
    assert "cannot change" in outcome["refused"]["decision"][0]
