import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from audits import selectors, services
from audits.choices import Grade, Rating, ReturnStatus, SelfAssessmentKind
from audits.models import Audit, AuditReturn, SelfAssessment, StandardRating
from partnerships.models import Action
from safeguarding import permissions
from safeguarding.models import Notification
from tests.audits.factories import AuditFactory, SelfAssessmentRoundFactory, complete_return
from tests.personas import (
    BUSINESS,
    DSL_SCHOOL,
    LEAD_HEALTH,
    OTHER_PARTNERSHIP,
    PRACTITIONER_HEALTH,
    PRACTITIONER_POLICE,
    SCRUTINEER,
)
from tests.support.concurrency import run_at_once


def own_return(demo, audit, username, case=None):
    user = demo.user(username)
    returns = AuditReturn.objects.filter(audit=audit, agency=user.agency)
    return (returns.filter(case=case) if case else returns).order_by("case__reference").first()


def test_it_gives_every_agency_a_draft_return_for_every_case(demo):
    audit = AuditFactory(references=["RH-1", "RH-2"])

    assert audit.cases.count() == 2
    assert audit.returns.count() == 6
    assert set(audit.returns.values_list("status", flat=True)) == {ReturnStatus.DRAFT}


def test_it_shows_each_agency_only_its_own_returns(demo):
    audit = AuditFactory(references=["RH-1", "RH-2"])

    def visible(username):
        return permissions.restrict(AuditReturn.objects.filter(audit=audit), demo.user(username))

    assert visible(BUSINESS).count() == 6
    assert visible(LEAD_HEALTH).count() == 6  # a delegated safeguarding partner sees all
    assert {r.agency.name for r in visible(PRACTITIONER_POLICE)} == {"Midshire Police"}
    assert visible(PRACTITIONER_POLICE).count() == 2
    assert visible(SCRUTINEER).count() == 0
    assert visible(OTHER_PARTNERSHIP).count() == 0
    assert visible(DSL_SCHOOL).count() == 0


def test_it_lets_the_scrutineer_see_the_audit_but_not_the_cases_detail(demo):
    audit = AuditFactory()
    scrutineer = demo.user(SCRUTINEER)

    assert permissions.can(scrutineer, permissions.VIEW, audit)
    assert not permissions.can(scrutineer, permissions.CHANGE, audit)
    assert not selectors.sees_case_detail(scrutineer, audit)
    assert selectors.sees_case_detail(demo.user(PRACTITIONER_POLICE), audit)
    assert not permissions.can(demo.user(OTHER_PARTNERSHIP), permissions.VIEW, audit)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"references": ["Jane Smith"]}, "cases"),
        ({"references": ["RH-1", "RH-1"]}, "cases"),
        ({"title": " "}, "title"),
        ({"agencies": []}, "agencies"),
        ({"return_due_on": timezone.localdate() - timedelta(days=1)}, "return_due_on"),
    ],
)
def test_it_refuses_a_bad_audit(demo, change, field):
    with pytest.raises(ValidationError) as error:
        AuditFactory(**change)

    assert field in error.value.message_dict


def test_it_refuses_an_agency_outside_the_partnership(demo):
    with pytest.raises(ValidationError) as error:
        AuditFactory(agencies=[demo.agency("Northgate Academy")])

    assert "Northgate Academy" in error.value.message_dict["agencies"][0]


def test_a_random_sample_can_be_repeated_exactly_from_its_seed(demo):
    csv = b"reference,team\n" + b"".join(f"C-{n:03d},east\n".encode() for n in range(40))
    candidates = services.references_from_csv(csv)
    audit = AuditFactory(references=[])

    sample = services.audit_sample_draw(
        audit=audit, candidates=candidates, size=5, by=demo.user(BUSINESS)
    )

    assert len(candidates) == 40
    assert sorted(audit.cases.values_list("reference", flat=True)) == sorted(sample.drawn)
    assert services.draw_sample(list(reversed(candidates)), 5, sample.seed) == sample.drawn
    assert sample.candidates == sorted(candidates)
    assert audit.returns.count() == 15


def test_a_sample_cannot_be_larger_than_the_list(demo):
    with pytest.raises(ValidationError) as error:
        services.audit_sample_draw(
            audit=AuditFactory(), candidates=["A-1", "A-2"], size=3, by=demo.user(BUSINESS)
        )

    assert "size" in error.value.message_dict


def test_an_uploaded_list_with_names_in_it_is_refused(demo):
    with pytest.raises(ValidationError) as error:
        services.references_from_csv(b"C-001\nJohn Smith\n")

    assert "file" in error.value.message_dict


def test_a_draft_saves_partly_and_submitting_needs_every_answer(demo):
    audit = AuditFactory()
    audit_return = own_return(demo, audit, PRACTITIONER_HEALTH)
    user = demo.user(PRACTITIONER_HEALTH)

    services.audit_return_save(audit_return=audit_return, by=user, worked_well="Home visits.")
    with pytest.raises(ValidationError) as error:
        services.audit_return_save(audit_return=audit_return, by=user, submit=True)

    audit_return.refresh_from_db()
    assert audit_return.worked_well == "Home visits."
    assert audit_return.status == ReturnStatus.DRAFT
    assert {"grade", "worries", "child_voice_heard", "answers"} <= set(error.value.message_dict)


def test_a_second_submission_is_refused_until_the_business_team_reopens_it(demo):
    audit_return = own_return(demo, AuditFactory(), PRACTITIONER_POLICE)
    complete_return(audit_return, by=demo.user(PRACTITIONER_POLICE))

    with pytest.raises(ValidationError) as error:
        complete_return(audit_return, by=demo.user(PRACTITIONER_POLICE))
    with pytest.raises(ValidationError):
        services.audit_return_reopen(audit_return=audit_return, by=demo.user(BUSINESS), reason="")
    services.audit_return_reopen(
        audit_return=audit_return, by=demo.user(BUSINESS), reason="Wrong case was graded."
    )
    complete_return(audit_return, by=demo.user(PRACTITIONER_POLICE), grade=Grade.INADEQUATE)

    assert "already been submitted" in error.value.message_dict["status"][0]
    reopened = Notification.objects.get(kind="audit_return_reopened")
    assert reopened.recipient.username == PRACTITIONER_POLICE
    assert "Wrong case was graded" in reopened.body
    audit_return.refresh_from_db()
    assert audit_return.grade == Grade.INADEQUATE
    reasons = list(audit_return.history.values_list("history_change_reason", flat=True))
    assert any("Wrong case was graded" in (reason or "") for reason in reasons)


def test_a_grade_outside_the_scale_is_refused(demo):
    audit_return = own_return(demo, AuditFactory(), PRACTITIONER_POLICE)

    with pytest.raises(ValidationError) as error:
        services.audit_return_save(
            audit_return=audit_return, by=demo.user(PRACTITIONER_POLICE), grade="excellent"
        )

    assert "grade" in error.value.message_dict


def test_an_immediate_concern_reaches_the_business_team_and_the_agency_lead_once(
    demo, mailoutbox, django_capture_on_commit_callbacks
):
    audit = AuditFactory(
        agencies=[demo.agency("St Anne's Primary School"), demo.agency("Midshire Police")]
    )
    audit_return = own_return(demo, audit, DSL_SCHOOL)

    with django_capture_on_commit_callbacks(execute=True):
        services.audit_return_save(
            audit_return=audit_return,
            by=demo.user(DSL_SCHOOL),
            immediate_concern=True,
            immediate_concern_details="The child said they are left alone at night.",
        )
    with django_capture_on_commit_callbacks(execute=True):
        complete_return(audit_return, by=demo.user(DSL_SCHOOL))

    notified = Notification.objects.filter(kind="audit_immediate_concern")
    assert {n.recipient.username for n in notified} == {BUSINESS, DSL_SCHOOL}
    assert sorted(m.to[0] for m in mailoutbox) == [
        "business.riverside@example.org",
        "dsl.school@example.org",
    ]
    assert "left alone at night" in mailoutbox[0].body


def test_an_immediate_concern_needs_details(demo):
    audit_return = own_return(demo, AuditFactory(), PRACTITIONER_POLICE)

    with pytest.raises(ValidationError) as error:
        services.audit_return_save(
            audit_return=audit_return, by=demo.user(PRACTITIONER_POLICE), immediate_concern=True
        )

    assert "immediate_concern_details" in error.value.message_dict


def test_moderation_records_the_agreed_grade_findings_and_shared_actions(demo):
    audit = AuditFactory()
    case = audit.cases.first()
    police = demo.agency("Midshire Police")

    services.audit_case_moderate(
        case=case,
        by=demo.user(BUSINESS),
        agreed_grade=Grade.REQUIRES_IMPROVEMENT,
        findings="Agencies did not hear from the child.",
    )
    action = services.audit_case_action_add(
        case=case,
        by=demo.user(BUSINESS),
        owner_agency=police,
        title="Record the child's words in every neglect referral",
        due_on=timezone.localdate() + timedelta(days=90),
    )

    case.refresh_from_db()
    assert case.agreed_grade == Grade.REQUIRES_IMPROVEMENT
    assert action.source == case
    assert Action.objects.filter(source_id=case.pk, owner_agency=police).exists()
    visible = selectors.case_actions(case, demo.user(PRACTITIONER_POLICE))
    assert list(visible) == [action]


def test_moderation_needs_a_grade_on_the_scale_and_findings(demo):
    case = AuditFactory().cases.first()

    with pytest.raises(ValidationError) as error:
        services.audit_case_moderate(
            case=case, by=demo.user(BUSINESS), agreed_grade="fine", findings=""
        )

    assert {"agreed_grade", "findings"} <= set(error.value.message_dict)


def test_results_count_grades_by_agency_and_compare_with_the_last_audit_on_the_theme(demo):
    earlier = AuditFactory(references=["E-1"])
    for audit_return in earlier.returns.all():
        complete_return(audit_return, grade=Grade.INADEQUATE)
    audit = AuditFactory(references=["N-1", "N-2"])
    police = AuditReturn.objects.filter(audit=audit, agency__name="Midshire Police")
    complete_return(police[0], grade=Grade.GOOD)
    complete_return(police[1], grade=Grade.OUTSTANDING)
    complete_return(own_return(demo, audit, PRACTITIONER_HEALTH), grade=Grade.INADEQUATE)

    results = selectors.audit_results(audit, demo.user(BUSINESS))

    rows = {row.label: row for row in results.agencies}
    assert rows["Midshire Police"].counts[Grade.GOOD] == 1
    assert rows["Midshire Police"].good_or_better == 100
    assert rows["Riverside Community Health NHS Trust"].counts[Grade.INADEQUATE] == 1
    assert rows["Riverside Council"].total == 0
    assert results.overall.total == 3
    assert results.previous.audit == earlier
    assert results.previous.overall.counts[Grade.INADEQUATE] == 3


def test_a_follow_up_audit_keeps_the_theme_agencies_and_questions(demo):
    audit = AuditFactory()

    follow_up = services.audit_follow_up_schedule(
        audit=audit,
        by=demo.user(BUSINESS),
        return_due_on=timezone.localdate() + timedelta(days=180),
    )

    assert follow_up.follow_up_of == audit
    assert follow_up.theme == audit.theme
    assert set(follow_up.agencies.all()) == set(audit.agencies.all())
    assert list(follow_up.questions.values_list("text", flat=True)) == [
        "Was neglect recognised early?"
    ]
    assert selectors.previous_audit(follow_up, demo.user(BUSINESS)) == audit


# ---------------------------------------------------------------------------
# Self-assessments


def test_an_agency_in_two_partnerships_completes_one_return_both_can_read(demo):
    year = timezone.localdate().year
    police = demo.agency("Midshire Police")

    assessment = SelfAssessment.objects.get(agency=police, kind=SelfAssessmentKind.S11, year=year)

    for username in (BUSINESS, OTHER_PARTNERSHIP, PRACTITIONER_POLICE):
        assert permissions.can(demo.user(username), permissions.VIEW, assessment), username
    assert not permissions.can(demo.user(PRACTITIONER_HEALTH), permissions.VIEW, assessment)
    assert not permissions.can(demo.user(SCRUTINEER), permissions.VIEW, assessment)
    assert assessment.ratings.count() == 10


# The rounds below are for years long past: the demo opens this year's Section 11 round and keeps
# last year's, so a round for any year near today would clash with it when that year came.
def test_a_new_year_starts_from_last_years_answers(demo):
    first = SelfAssessmentRoundFactory(year=2011)
    police = SelfAssessment.objects.get(agency__name="Midshire Police", year=2011)
    services.self_assessment_save(
        assessment=police,
        by=demo.user("lead.police"),
        ratings={"s11-8": {"rating": Rating.MET, "evidence": "Single central record audited."}},
    )

    SelfAssessmentRoundFactory(year=2012, agencies=list(first.agencies.all()))

    carried = StandardRating.objects.get(
        assessment__agency__name="Midshire Police", assessment__year=2012, code="s11-8"
    )
    assert carried.rating == Rating.MET
    assert carried.evidence == "Single central record audited."
    assert carried.carried_forward is True


def test_a_gap_needs_an_action_plan_before_submitting(demo):
    SelfAssessmentRoundFactory(year=2013)
    assessment = SelfAssessment.objects.get(agency__name="Riverside Council", year=2013)
    ratings = {
        code: {"rating": Rating.MET, "evidence": "Policy on the intranet."}
        for code in assessment.ratings.values_list("code", flat=True)
    }
    ratings["s11-5"] = {"rating": Rating.PARTLY_MET, "evidence": "Draft policy only."}

    with pytest.raises(ValidationError) as error:
        services.self_assessment_save(
            assessment=assessment, by=demo.user("lead.la"), ratings=ratings, submit=True
        )
    ratings["s11-5"]["action_plan"] = "Publish the escalation policy by March."
    services.self_assessment_save(
        assessment=assessment, by=demo.user("lead.la"), ratings=ratings, submit=True
    )

    assert "s11-5-action_plan" in error.value.message_dict
    assessment.refresh_from_db()
    assert assessment.status == "submitted"
    with pytest.raises(ValidationError):
        services.self_assessment_save(assessment=assessment, by=demo.user("lead.la"), ratings={})


def test_a_rating_outside_the_scale_is_refused(demo):
    SelfAssessmentRoundFactory(year=2014)
    assessment = SelfAssessment.objects.get(agency__name="Riverside Council", year=2014)

    with pytest.raises(ValidationError) as error:
        services.self_assessment_save(
            assessment=assessment, by=demo.user("lead.la"), ratings={"s11-1": {"rating": "green"}}
        )

    assert "s11-1-rating" in error.value.message_dict


def test_a_second_round_for_the_same_year_is_refused(demo):
    SelfAssessmentRoundFactory(year=2015)

    with pytest.raises(ValidationError) as error:
        SelfAssessmentRoundFactory(year=2015)

    assert "year" in error.value.message_dict


def test_a_challenge_event_is_for_an_invited_agency(demo):
    round_ = SelfAssessmentRoundFactory(year=2016)

    with pytest.raises(ValidationError) as error:
        services.challenge_event_create(
            round_=round_,
            agency=demo.agency("Riverside Homes"),
            held_on=timezone.localdate(),
            discussion="Escalation",
            by=demo.user(BUSINESS),
        )
    event = services.challenge_event_create(
        round_=round_,
        agency=demo.agency("Midshire Police"),
        held_on=timezone.localdate(),
        discussion="Escalation policy",
        challenges="How do officers know it?",
        responses="Briefing at every shift change.",
        by=demo.user(BUSINESS),
    )

    assert "agency" in error.value.message_dict
    assert permissions.can(demo.user(PRACTITIONER_POLICE), permissions.VIEW, event)
    assert not permissions.can(demo.user(PRACTITIONER_HEALTH), permissions.VIEW, event)


def test_the_demo_audit_is_loaded_once(demo):
    call_command("seed_demo", stdout=io.StringIO())

    assert Audit.objects.filter(theme="neglect", partnership=demo.riverside).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_the_same_moment_are_recorded_once(transactional_demo, needs_services):
    audit = AuditFactory()
    audit_return = AuditReturn.objects.filter(audit=audit, agency__name="Midshire Police").first()
    officer = transactional_demo.user(PRACTITIONER_POLICE)

    def submit():
        try:
            complete_return(audit_return, by=officer)
            return "submitted"
        except ValidationError:
            return "refused"

    outcomes = run_at_once(submit, times=3)

    assert outcomes == ["refused", "refused", "submitted"]
    assert audit_return.history.filter(history_change_reason__startswith="Submitted").count() == 1


def test_the_demo_police_return_starts_from_last_years_answers(demo):
    year = timezone.localdate().year

    this_year = SelfAssessment.objects.get(agency__name="Midshire Police", kind="s11", year=year)

    assert this_year.carried_forward_from.year == year - 1
    carried = this_year.ratings.get(code="s11-5")
    assert carried.rating == Rating.PARTLY_MET and carried.carried_forward


@pytest.mark.django_db(transaction=True)
def test_two_draws_of_the_same_list_and_seed_at_the_same_moment_draw_once(
    transactional_demo, needs_services
):
    audit = AuditFactory(references=[])
    candidates = [f"C-{n:03d}" for n in range(40)]
    business = transactional_demo.user(BUSINESS)

    def draw():
        try:
            services.audit_sample_draw(
                audit=audit, candidates=candidates, size=5, seed=11, by=business
            )
            return "drawn"
        except ValidationError:
            return "refused"

    outcomes = run_at_once(draw, times=3)

    assert sorted(outcomes) == ["drawn", "refused", "refused"]
    assert audit.samples.count() == 1
    assert audit.cases.count() == 5
