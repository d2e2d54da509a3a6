import io
import json
import re
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from audits import services
from audits.choices import Grade, ReturnStatus
from audits.models import Audit, AuditReturn, SelfAssessment
from partnerships.choices import Role
from partnerships.models import Action
from safeguarding.models import Notification
from safeguarding.pagination import BoundedCountPaginator
from tests.audits.factories import (
    NEGLECT_AGENCIES,
    AuditFactory,
    SelfAssessmentRoundFactory,
    complete_return,
)
from tests.personas import (
    ANONYMOUS,
    BUSINESS,
    DSL_SCHOOL,
    LEAD_HEALTH,
    OTHER_PARTNERSHIP,
    PRACTITIONER_HEALTH,
    PRACTITIONER_POLICE,
    SCRUTINEER,
    check_access,
    sign_in,
    staff,
)
from tests.support.dates import date_input
from tests.support.pages import (
    assert_error_summary_links_land,
    error_summary_links,
    part_from,
    tags,
)

DUE = timezone.localdate() + timedelta(days=20)


def a_return(audit, agency_name, reference=None):
    returns = AuditReturn.objects.filter(audit=audit, agency__name=agency_name)
    if reference:
        returns = returns.filter(case__reference=reference)
    return returns.order_by("case__reference").first()


def full_return(**extra):
    return {
        "grade": "good",
        "worked_well": "The health visitor saw the baby at home every week.",
        "worries": "Nobody wrote down what the older child said.",
        "child_voice_heard": "False",
        "family_feedback": "Mother found the visits helpful.",
        **extra,
    }


def test_business_team_runs_an_audit_that_agencies_return_and_moderation_concludes(
    client, demo, mailoutbox, django_capture_on_commit_callbacks
):
    agencies = [demo.agency(name) for name in NEGLECT_AGENCIES]
    sign_in(client, BUSINESS)
    assert client.get("/audits/new/").status_code == 200
    created = client.post(
        "/audits/new/",
        {
            "title": "Neglect in families with babies",
            "theme": "Neglect",
            "agencies": [a.pk for a in agencies],
            "questions": "Was neglect recognised early?",
            "references": "NB-001\nNB-002",
            **date_input("return_due_on", DUE),
        },
    )
    audit = Audit.objects.get(title="Neglect in families with babies")
    assert created.status_code == 302 and created["Location"] == f"/audits/{audit.pk}/"
    assert audit.returns.count() == 6

    # The health visitor saves a draft, then submits.
    health = a_return(audit, "Riverside Community Health NHS Trust", "NB-001")
    question = audit.questions.get()
    sign_in(client, PRACTITIONER_HEALTH)
    page = client.get(f"/audits/{audit.pk}/").content.decode()
    assert "NB-001" in page and "Riverside Community Health NHS Trust" in page
    assert "Midshire Police" not in page.split('<h2 class="govuk-heading-m">Cases')[1]
    client.post(f"/audits/returns/{health.pk}/", {"worked_well": "Weekly visits.", "save": "1"})
    health.refresh_from_db()
    assert health.worked_well == "Weekly visits." and health.status == ReturnStatus.DRAFT
    gap = client.post(
        f"/audits/returns/{health.pk}/", {"worked_well": "Weekly visits.", "submit": "1"}
    )
    assert gap.status_code == 200 and "There is a problem" in gap.content.decode()
    submitted = client.post(
        f"/audits/returns/{health.pk}/",
        full_return(**{f"question_{question.pk}": "Yes, at the 6-week check.", "submit": "1"}),
    )
    assert submitted.status_code == 302
    health.refresh_from_db()
    assert health.status == ReturnStatus.SUBMITTED and health.grade == Grade.GOOD

    # The police officer submits with an immediate concern: the business team hears at once.
    police = a_return(audit, "Midshire Police", "NB-001")
    sign_in(client, PRACTITIONER_POLICE)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/audits/returns/{police.pk}/",
            full_return(
                grade="requires_improvement",
                immediate_concern="on",
                immediate_concern_details="Domestic abuse call-outs were not shared.",
                **{f"question_{question.pk}": "No.", "submit": "1"},
            ),
        )
    police.refresh_from_db()
    assert police.status == ReturnStatus.SUBMITTED
    concern = Notification.objects.get(kind="audit_immediate_concern")
    assert concern.recipient.username == BUSINESS
    assert any("Domestic abuse call-outs" in m.body for m in mailoutbox)
    again = client.post(f"/audits/returns/{police.pk}/", full_return(submit="1"))
    assert again.status_code == 200 and "already been submitted" in again.content.decode()

    # Moderation: both returns side by side, an agreed grade, findings and an action.
    case = health.case
    sign_in(client, BUSINESS)
    moderation = client.get(f"/audits/cases/{case.pk}/").content.decode()
    assert "Weekly visits." not in moderation  # the submitted text replaced the draft
    assert "The health visitor saw the baby" in moderation and "Requires improvement" in moderation
    client.post(
        f"/audits/cases/{case.pk}/",
        {
            "agreed_grade": "requires_improvement",
            "findings": "Police information did not reach health.",
        },
    )
    client.post(
        f"/audits/cases/{case.pk}/",
        {
            "add_action": "1",
            "owner_agency": demo.agency("Midshire Police").pk,
            "title": "Share domestic abuse call-outs with health visitors",
            **date_input("due_on", timezone.localdate() + timedelta(days=60)),
        },
    )
    case.refresh_from_db()
    assert case.agreed_grade == Grade.REQUIRES_IMPROVEMENT
    action = Action.objects.get(source_id=case.pk, title__startswith="Share domestic abuse")
    assert action.owner_agency.name == "Midshire Police"

    # Results show each agency's grades; the scrutineer sees them and the findings.
    results = client.get(f"/audits/{audit.pk}/results/")
    rows = {row.label: row for row in results.context["results"].agencies}
    assert rows["Riverside Community Health NHS Trust"].counts[Grade.GOOD] == 1
    assert rows["Midshire Police"].counts[Grade.REQUIRES_IMPROVEMENT] == 1
    assert 'id="grades-data"' in results.content.decode()
    sign_in(client, SCRUTINEER)
    scrutiny = client.get(f"/audits/{audit.pk}/").content.decode()
    assert "Police information did not reach health." in scrutiny
    assert "NB-001" not in scrutiny


def test_a_draft_is_kept_when_submitting_finds_a_gap(client, demo, audit):
    police = a_return(audit, "Midshire Police")
    sign_in(client, PRACTITIONER_POLICE)

    response = client.post(
        f"/audits/returns/{police.pk}/", {"worries": "Missed appointments.", "submit": "1"}
    )

    assert response.status_code == 200
    assert "Choose a grade" in response.content.decode()
    police.refresh_from_db()
    assert police.worries == "Missed appointments." and police.status == ReturnStatus.DRAFT


def test_an_unanswered_question_is_where_the_error_summary_leads(client, demo):
    audit = AuditFactory(questions=("Was neglect recognised early?", "Was the father seen?"))
    first, second = audit.questions.order_by("pk")
    police = a_return(audit, "Midshire Police")
    sign_in(client, PRACTITIONER_POLICE)

    response = client.post(
        f"/audits/returns/{police.pk}/",
        full_return(**{f"question_{first.pk}": "Yes, at the first visit.", "submit": "1"}),
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert error_summary_links(page) == [f"#id_question_{second.pk}"]
    assert "Not answered: Was the father seen?" in page
    assert_error_summary_links_land(page)
    police.refresh_from_db()
    assert police.status == ReturnStatus.DRAFT


def test_a_return_outside_the_scale_shows_an_error(client, demo, audit):
    police = a_return(audit, "Midshire Police")
    sign_in(client, PRACTITIONER_POLICE)

    response = client.post(f"/audits/returns/{police.pk}/", full_return(grade="excellent"))

    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()


def test_the_business_team_reopens_a_return_with_a_reason(client, demo, audit):
    police = a_return(audit, "Midshire Police")
    complete_return(police, by=demo.user(PRACTITIONER_POLICE))
    url = f"/audits/returns/{police.pk}/reopen/"

    check_access(
        client,
        url,
        {
            PRACTITIONER_POLICE: 403,
            LEAD_HEALTH: 403,
            PRACTITIONER_HEALTH: 404,
            SCRUTINEER: 404,
            OTHER_PARTNERSHIP: 404,
            ANONYMOUS: 302,
        },
        method="post",
        data={"reason": "x"},
    )
    sign_in(client, BUSINESS)
    client.post(url, {"reason": ""})
    police.refresh_from_db()
    assert police.status == ReturnStatus.SUBMITTED
    client.post(url, {"reason": "Graded the wrong child's file."})
    police.refresh_from_db()
    assert police.status == ReturnStatus.DRAFT
    page = client.get(f"/audits/returns/{police.pk}/").content.decode()
    assert "Graded the wrong child" in page


def test_a_random_sample_is_drawn_from_an_uploaded_list(client, demo, audit):
    upload = SimpleUploadedFile(
        "cases.csv", b"reference\n" + b"\n".join(f"S-{n}".encode() for n in range(30))
    )
    sign_in(client, BUSINESS)

    response = client.post(f"/audits/{audit.pk}/sample/", {"file": upload, "size": 4, "seed": 7})

    assert response.status_code == 302
    sample = audit.samples.get()
    assert sample.seed == 7 and len(sample.drawn) == 4
    assert audit.cases.filter(reference__in=sample.drawn).count() == 4
    assert "seed 7" in client.get(f"/audits/{audit.pk}/").content.decode()


def test_a_bad_upload_is_explained(client, demo, audit):
    sign_in(client, BUSINESS)

    response = client.post(
        f"/audits/{audit.pk}/sample/",
        {"file": SimpleUploadedFile("cases.csv", b"Jane Smith\n"), "size": 1},
    )

    assert response.status_code == 200
    assert "not names" in response.content.decode()


def test_cases_are_added_by_reference_and_a_follow_up_scheduled(client, demo, audit):
    sign_in(client, BUSINESS)

    client.post(f"/audits/{audit.pk}/cases/", {"references": "RH-103\nRH-104"})
    follow = client.post(f"/audits/{audit.pk}/follow-up/", date_input("return_due_on", DUE))

    assert audit.cases.count() == 4
    follow_up = Audit.objects.get(follow_up_of=audit)
    assert follow["Location"] == f"/audits/{follow_up.pk}/"
    assert follow_up.theme == "neglect"


def test_results_give_the_percentage_good_or_better_as_the_indicators_do(client, demo, audit):
    police = AuditReturn.objects.filter(audit=audit, agency__name="Midshire Police")
    for audit_return, grade in zip(police, [Grade.GOOD, Grade.INADEQUATE], strict=False):
        complete_return(audit_return, grade=grade)
    complete_return(a_return(audit, "Riverside Community Health NHS Trust"), grade=Grade.GOOD)
    sign_in(client, BUSINESS)

    page = client.get(f"/audits/{audit.pk}/results/").content.decode()
    csv = client.get(f"/audits/{audit.pk}/results.csv").content.decode()

    assert "66.7%" in page and "50.0%" in page
    assert ",3,66.7" in csv


def test_results_export_as_csv_and_xlsx(client, demo, audit):
    complete_return(a_return(audit, "Midshire Police"), grade=Grade.OUTSTANDING)
    sign_in(client, BUSINESS)

    csv = client.get(f"/audits/{audit.pk}/results.csv").content.decode()
    xlsx = load_workbook(io.BytesIO(client.get(f"/audits/{audit.pk}/results.xlsx").content))
    sign_in(client, SCRUTINEER)
    scrutineer = load_workbook(io.BytesIO(client.get(f"/audits/{audit.pk}/results.xlsx").content))

    assert "Midshire Police,1,0,0,0,1,100.0" in csv
    assert xlsx.sheetnames == ["Grades by agency", "Returns"]
    assert [c.value for c in next(xlsx["Returns"].iter_rows(min_row=2))][:3] == [
        "RH-101",
        "Midshire Police",
        "Outstanding",
    ]
    assert scrutineer.sheetnames == ["Grades by agency"]


# ---------------------------------------------------------------------------
# Who sees what


def test_the_audit_pages_are_for_the_partnership_and_participating_agencies(client, demo, audit):
    detail = {
        BUSINESS: 200,
        LEAD_HEALTH: 200,
        PRACTITIONER_POLICE: 200,
        PRACTITIONER_HEALTH: 200,
        SCRUTINEER: 200,
        DSL_SCHOOL: 404,  # the school is not taking part
        OTHER_PARTNERSHIP: 404,
        ANONYMOUS: 302,
    }
    for path in ("", "results/", "results.csv", "results.xlsx"):
        check_access(client, f"/audits/{audit.pk}/{path}", detail)
    manage = {
        BUSINESS: 200,
        LEAD_HEALTH: 403,
        PRACTITIONER_POLICE: 403,
        SCRUTINEER: 403,
        DSL_SCHOOL: 404,
        OTHER_PARTNERSHIP: 404,
        ANONYMOUS: 302,
    }
    for path in ("cases/", "sample/", "follow-up/"):
        check_access(client, f"/audits/{audit.pk}/{path}", manage)


def test_only_business_teams_start_audits(client, demo):
    check_access(
        client,
        "/audits/new/",
        {
            BUSINESS: 200,
            OTHER_PARTNERSHIP: 200,
            PRACTITIONER_POLICE: 403,
            LEAD_HEALTH: 403,
            SCRUTINEER: 403,
            ANONYMOUS: 302,
        },
    )


def test_lists_show_each_person_what_they_may_see(client, demo, audit):
    audits = check_access(
        client,
        "/audits/",
        {
            BUSINESS: 200,
            PRACTITIONER_POLICE: 200,
            OTHER_PARTNERSHIP: 200,
            SCRUTINEER: 200,
            ANONYMOUS: 302,
        },
    )
    returns = check_access(
        client,
        "/audits/returns/",
        {
            BUSINESS: 200,
            PRACTITIONER_POLICE: 200,
            OTHER_PARTNERSHIP: 200,
            SCRUTINEER: 200,
            ANONYMOUS: 302,
        },
    )

    assert audit.title in audits[PRACTITIONER_POLICE].content.decode()
    assert audit.title not in audits[OTHER_PARTNERSHIP].content.decode()
    assert returns[BUSINESS].context["paginator"].count == audit.returns.count() + 9  # + demo
    assert {r.agency.name for r in returns[PRACTITIONER_POLICE].context["object_list"]} == {
        "Midshire Police"
    }
    assert returns[SCRUTINEER].context["paginator"].count == 0
    assert returns[OTHER_PARTNERSHIP].context["paginator"].count == 0
    sign_in(client, BUSINESS)
    police_only = client.get("/audits/returns/", {"agency": "midshire"})
    assert {r.agency.name for r in police_only.context["object_list"]} == {"Midshire Police"}
    assert "Northgate Academy" not in police_only.content.decode()  # no list of every agency


def test_a_return_is_seen_by_its_agency_the_business_team_and_the_partners(client, demo, audit):
    police = a_return(audit, "Midshire Police")
    url = f"/audits/returns/{police.pk}/"

    check_access(
        client,
        url,
        {
            PRACTITIONER_POLICE: 200,
            BUSINESS: 200,
            LEAD_HEALTH: 200,
            PRACTITIONER_HEALTH: 404,
            SCRUTINEER: 404,
            OTHER_PARTNERSHIP: 404,
            ANONYMOUS: 302,
        },
    )
    check_access(
        client,
        url,
        {BUSINESS: 403, LEAD_HEALTH: 403, PRACTITIONER_HEALTH: 404, ANONYMOUS: 302},
        method="post",
        data=full_return(),
    )


def test_the_case_page_shows_each_person_the_returns_they_may_see(client, demo, audit):
    case = audit.cases.first()
    responses = check_access(
        client,
        f"/audits/cases/{case.pk}/",
        {
            BUSINESS: 200,
            LEAD_HEALTH: 200,
            PRACTITIONER_POLICE: 200,
            SCRUTINEER: 404,
            DSL_SCHOOL: 404,
            OTHER_PARTNERSHIP: 404,
            ANONYMOUS: 302,
        },
    )
    check_access(
        client,
        f"/audits/cases/{case.pk}/",
        {
            PRACTITIONER_POLICE: 403,
            LEAD_HEALTH: 403,
            SCRUTINEER: 404,
            OTHER_PARTNERSHIP: 404,
            ANONYMOUS: 302,
        },
        method="post",
        data={"agreed_grade": "good", "findings": "x"},
    )

    assert len(responses[BUSINESS].context["returns"]) == 3
    assert [r.agency.name for r in responses[PRACTITIONER_POLICE].context["returns"]] == [
        "Midshire Police"
    ]


def test_a_scrutineer_a_participating_agency_employs_sees_aggregates_only(client, demo, audit):
    police = a_return(audit, "Midshire Police", "RH-101")
    complete_return(police, by=demo.user(PRACTITIONER_POLICE), worries="Dad was not seen.")
    scrutineer = staff(demo, "Midshire Police", Role.INDEPENDENT_SCRUTINEER)
    both = staff(demo, "Midshire Police", Role.INDEPENDENT_SCRUTINEER, Role.PRACTITIONER)

    for url in (
        f"/audits/returns/{police.pk}/",
        f"/audits/cases/{police.case_id}/",
        f"/api/v1/audit-returns/{police.pk}/",
    ):
        check_access(client, url, {scrutineer: 404, both: 200})
    pages = check_access(client, f"/audits/{audit.pk}/", {scrutineer: 200, both: 200})
    sign_in(client, scrutineer)
    workbook = load_workbook(io.BytesIO(client.get(f"/audits/{audit.pk}/results.xlsx").content))
    cases = client.get(f"/api/v1/audits/{audit.pk}/").json()["cases"]
    returns = client.get("/api/v1/audit-returns/", {"audit": audit.pk}).json()["results"]

    assert "RH-101" in pages[both].content.decode()
    assert "RH-101" not in pages[scrutineer].content.decode()
    assert workbook.sheetnames == ["Grades by agency"]
    assert [case for case in cases if "reference" in case] == []
    assert returns == []


def test_each_return_shows_whether_it_is_submitted_and_any_immediate_concern(client, demo, audit):
    police = a_return(audit, "Midshire Police", "RH-101")
    council = a_return(audit, "Riverside Council", "RH-101")
    complete_return(
        police, immediate_concern=True, immediate_concern_details="An unexplained bruise."
    )
    expected = {
        police: [("green", "Submitted"), ("red", "Immediate concern")],
        council: [("yellow", "Draft")],
    }
    sign_in(client, BUSINESS)
    returns_page = client.get("/audits/returns/").content.decode()
    audit_page = client.get(f"/audits/{audit.pk}/").content.decode()
    case_page = client.get(f"/audits/cases/{police.case_id}/").content.decode()
    columns = re.findall(r'href="([^"]+)"', part_from(case_page, "<thead", "</thead>"))
    cells = re.findall(r"<td.*?</td>", part_from(case_page, ">Status</th>"))
    status_by_column = dict(zip(columns, map(tags, cells), strict=True))

    for audit_return, shown in expected.items():
        url = audit_return.get_absolute_url()
        assert tags(part_from(returns_page, f'href="{url}"')) == shown
        assert tags(part_from(audit_page, f'href="{url}"', "</li>")) == shown
        assert status_by_column[url] == shown
        return_page = client.get(url).content.decode()
        assert tags(part_from(return_page, '<p class="govuk-body">', " Due ")) == shown


# ---------------------------------------------------------------------------
# Self-assessments


def police_assessment():
    return SelfAssessment.objects.get(
        agency__name="Midshire Police", kind="s11", year=timezone.localdate().year
    )


def test_an_agency_rates_itself_and_both_its_partnerships_read_it(client, demo):
    assessment = police_assessment()
    url = f"/audits/self-assessments/{assessment.pk}/"
    check_access(
        client,
        url,
        {
            "lead.police": 200,
            PRACTITIONER_POLICE: 200,
            BUSINESS: 200,
            OTHER_PARTNERSHIP: 200,
            PRACTITIONER_HEALTH: 404,
            SCRUTINEER: 404,
            ANONYMOUS: 302,
        },
    )
    check_access(
        client,
        url,
        {
            PRACTITIONER_POLICE: 403,
            BUSINESS: 403,
            OTHER_PARTNERSHIP: 403,
            SCRUTINEER: 404,
            PRACTITIONER_HEALTH: 404,
            ANONYMOUS: 302,
        },
        method="post",
        data={},
    )
    data = {}
    for code in assessment.ratings.values_list("code", flat=True):
        data[f"{code}-rating"] = "met"
        data[f"{code}-evidence"] = "Force policy, audited in March."
    data["s11-5-rating"] = "not_met"
    sign_in(client, "lead.police")

    gap = client.post(url, {**data, "submit": "1"})
    data["s11-5-action_plan"] = "Train every sergeant on escalation by June."
    done = client.post(url, {**data, "submit": "1"})

    assert gap.status_code == 200 and "give an action plan" in gap.content.decode()
    assert done.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == "submitted"
    sign_in(client, OTHER_PARTNERSHIP)
    assert "Train every sergeant" in client.get(url).content.decode()


def test_the_round_page_shows_standards_across_agencies_and_challenge_events(client, demo):
    round_ = SelfAssessmentRoundFactory(year=timezone.localdate().year + 5)
    url = f"/audits/rounds/{round_.pk}/"
    responses = check_access(
        client,
        url,
        {
            BUSINESS: 200,
            LEAD_HEALTH: 200,
            SCRUTINEER: 200,
            PRACTITIONER_POLICE: 200,
            OTHER_PARTNERSHIP: 404,
            ANONYMOUS: 302,
        },
    )
    check_access(
        client,
        f"/audits/rounds/{round_.pk}/export.csv",
        {
            BUSINESS: 200,
            PRACTITIONER_POLICE: 200,
            SCRUTINEER: 200,
            OTHER_PARTNERSHIP: 404,
            ANONYMOUS: 302,
        },
    )
    check_access(
        client,
        url,
        {SCRUTINEER: 403, PRACTITIONER_POLICE: 403, OTHER_PARTNERSHIP: 404, ANONYMOUS: 302},
        method="post",
        data={},
    )
    sign_in(client, BUSINESS)
    client.post(
        url,
        {
            "agency": demo.agency("Midshire Police").pk,
            **date_input("held_on", timezone.localdate()),
            "discussion": "Escalation policy awareness.",
            "challenges": "How do response officers learn the policy?",
            "responses": "A briefing at every shift change.",
        },
    )
    export = client.get(f"/audits/rounds/{round_.pk}/export.csv").content.decode()

    assert "Midshire Police" in responses[BUSINESS].content.decode()
    assert "Midshire Police" not in responses[SCRUTINEER].content.decode()
    assert round_.challenge_events.count() == 1
    assert "Clear line of accountability for safeguarding,Midshire Police" in export
    sign_in(client, PRACTITIONER_POLICE)
    assert "A briefing at every shift change." in client.get(url).content.decode()


def test_self_assessment_lists_and_round_creation(client, demo):
    check_access(
        client,
        "/audits/self-assessments/",
        {
            BUSINESS: 200,
            PRACTITIONER_POLICE: 200,
            OTHER_PARTNERSHIP: 200,
            SCRUTINEER: 200,
            ANONYMOUS: 302,
        },
    )
    check_access(
        client,
        "/audits/rounds/new/",
        {
            BUSINESS: 200,
            OTHER_PARTNERSHIP: 200,
            PRACTITIONER_POLICE: 403,
            SCRUTINEER: 403,
            ANONYMOUS: 302,
        },
    )
    sign_in(client, BUSINESS)
    response = client.post(
        "/audits/rounds/new/",
        {
            "kind": "s175",
            "year": 2027,
            **date_input("deadline", "2027-03-31"),
            "agencies": [demo.agency("St Anne's Primary School").pk],
        },
    )

    assert response.status_code == 302
    school = SelfAssessment.objects.get(agency__name="St Anne's Primary School", year=2027)
    assert school.ratings.count() == 10
    sign_in(client, DSL_SCHOOL)
    assert client.get(f"/audits/self-assessments/{school.pk}/").status_code == 200


def test_each_self_assessment_shows_whether_it_is_submitted(client, demo):
    police = police_assessment()  # the demo's round for this year
    council = SelfAssessment.objects.get(
        agency__name="Riverside Council", kind="s11", year=timezone.localdate().year
    )
    submitted_at = timezone.now()
    SelfAssessment.objects.filter(pk=police.pk).update(
        status=ReturnStatus.SUBMITTED, submitted_at=submitted_at
    )
    sign_in(client, BUSINESS)
    listed = client.get("/audits/self-assessments/").content.decode()
    pages = {}

    for assessment, tag in ((police, ("green", "Submitted")), (council, ("yellow", "Draft"))):
        url = assessment.get_absolute_url()
        assert tags(part_from(listed, f'href="{url}"')) == [tag]
        pages[assessment] = client.get(url).content.decode()
        assert tags(part_from(pages[assessment], '<p class="govuk-body">', "</p>")) == [tag]
    assert f"Submitted</strong> on {submitted_at:%-d %B %Y}</p>" in pages[police]


# ---------------------------------------------------------------------------
# Query budgets at 5,000 returns


def test_results_and_lists_run_a_bounded_number_of_queries_with_5000_returns(
    client, demo, big_audit, django_assert_max_num_queries
):
    sign_in(client, BUSINESS)

    with django_assert_max_num_queries(20):
        results = client.get(f"/audits/{big_audit.pk}/results/")
    with django_assert_max_num_queries(20):
        returns = client.get("/audits/returns/")
    with django_assert_max_num_queries(24):
        detail = client.get(f"/audits/{big_audit.pk}/")
    with django_assert_max_num_queries(16):
        audits = client.get("/audits/")
    with django_assert_max_num_queries(20):
        export = client.get(f"/audits/{big_audit.pk}/results.csv")

    with django_assert_max_num_queries(20):
        xlsx = client.get(f"/audits/{big_audit.pk}/results.xlsx")

    assert load_workbook(io.BytesIO(xlsx.content))["Returns"].max_row == 5001
    assert results.context["results"].overall.total == 5000
    # 5,009 with the demo's own: past what the list counts.
    assert "More than 2,000 returns: use the filters" in returns.content.decode()
    assert len(detail.context["cases_page"]) == 50
    assert audits.status_code == 200 and export.status_code == 200


def test_an_agency_lists_its_500_returns_in_a_bounded_number_of_queries(
    client, demo, big_audit, django_assert_max_num_queries
):
    sign_in(client, PRACTITIONER_POLICE)

    with django_assert_max_num_queries(20):
        returns = client.get("/audits/returns/")
    with django_assert_max_num_queries(24):
        detail = client.get(f"/audits/{big_audit.pk}/")

    assert returns.context["paginator"].count == 503  # with the demo audit's 3
    assert all(len(c.visible_returns) == 1 for c in detail.context["cases_page"])


def test_a_long_list_of_returns_is_counted_only_so_far_in_no_order(
    client, demo, big_audit, monkeypatch
):
    monkeypatch.setattr(BoundedCountPaginator, "ahead", 1000)
    sign_in(client, BUSINESS)

    with CaptureQueriesContext(connection) as queries:
        first = client.get("/audits/returns/").content.decode()
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(*)" in q["sql"]]
    deep = client.get("/audits/returns/", {"page": 100}).content.decode()
    narrowed = client.get("/audits/returns/", {"agency": "Midshire Police"})
    police = AuditReturn.objects.filter(
        audit__partnership=demo.riverside, agency__name="Midshire Police"
    ).count()

    assert "More than 1,000 returns: use the filters to find one" in first
    assert "Page 1</span>" in first and "Page 1 of" not in first and 'rel="next"' in first
    [count] = [sql for sql in counts if "audits_auditreturn" in sql]
    # Counted no further than it says, and without sorting the rows it counts.
    assert "LIMIT 1001" in count and "ORDER BY" not in count
    # From page 100 (row 4,951) the rest is counted: 5,009 with the demo's own.
    assert "5,009 returns" in deep and "Page 100 of 101" in deep
    assert narrowed.context["paginator"].count == police > 500  # under the bound: counted
    assert f"{police} returns" in narrowed.content.decode()


def test_the_results_chart_reads_its_data_from_json_with_no_inline_script(client, demo, audit):
    complete_return(a_return(audit, "Midshire Police"), grade=Grade.GOOD)
    sign_in(client, BUSINESS)

    page = client.get(f"/audits/{audit.pk}/results/").content.decode()

    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.S)
    inline = [attrs for attrs, body in scripts if body.strip() and "application/json" not in attrs]
    assert inline == []
    assert 'src="/static/vendor/chart.umd.min.js"' in page
    assert 'src="/static/js/charts.js"' in page
    data = json.loads(re.search(r'id="grades-data"[^>]*>(.*?)</script>', page, re.S).group(1))
    assert data["labels"] == [
        "Midshire Police",
        "Riverside Community Health NHS Trust",
        "Riverside Council",
    ]
    assert data["datasets"][1] == {"label": "Good", "data": [1, 0, 0]}


def test_an_earlier_audit_on_the_theme_is_not_shown_to_someone_who_cannot_open_it(
    client, demo, audit
):
    # Later than the demo's neglect audit, earlier than this one, and without the police.
    earlier = AuditFactory(
        title="Council-only neglect audit", agencies=[demo.agency("Riverside Council")]
    )
    now = timezone.now()
    Audit.objects.filter(pk=earlier.pk).update(created_at=now + timedelta(minutes=1))
    Audit.objects.filter(pk=audit.pk).update(created_at=now + timedelta(minutes=2))
    complete_return(earlier.returns.first(), grade=Grade.INADEQUATE)
    sign_in(client, PRACTITIONER_POLICE)

    assert client.get(f"/audits/{earlier.pk}/").status_code == 404
    detail = client.get(f"/audits/{audit.pk}/").content.decode()
    results = client.get(f"/audits/{audit.pk}/results/").content.decode()
    api = client.get(f"/api/v1/audits/{audit.pk}/results/").json()

    assert "Council-only neglect audit" not in detail
    assert "Council-only neglect audit" not in results
    assert f"/audits/{earlier.pk}/" not in detail + results
    assert api["previous"] is None
    sign_in(client, BUSINESS)
    assert client.get(f"/api/v1/audits/{audit.pk}/results/").json()["previous"]["audit"] == (
        earlier.pk
    )
    assert "Council-only neglect audit" in client.get(f"/audits/{audit.pk}/").content.decode()


def test_a_question_longer_than_500_characters_is_explained_not_a_server_error(client, demo):
    sign_in(client, BUSINESS)

    response = client.post(
        "/audits/new/",
        {
            "title": "Neglect with a long question",
            "theme": "Neglect",
            "agencies": [demo.agency("Midshire Police").pk],
            "questions": "Was neglect recognised early?\n" + "Why " * 130,
            **date_input("return_due_on", DUE),
        },
    )

    assert response.status_code == 200
    assert "at most 500 characters; shorten question 2." in response.content.decode()
    assert not Audit.objects.filter(title="Neglect with a long question").exists()


def test_a_follow_up_of_a_long_titled_audit_keeps_its_title_within_200_characters(client, demo):
    audit = AuditFactory(title="Neglect " + "x" * 192)
    sign_in(client, BUSINESS)

    response = client.post(f"/audits/{audit.pk}/follow-up/", date_input("return_due_on", DUE))

    follow_up = Audit.objects.get(follow_up_of=audit)
    assert response.status_code == 302
    assert len(follow_up.title) <= 200
    assert follow_up.title.startswith("Neglect xxx") and follow_up.title.endswith(": follow-up")


def test_a_seed_too_large_to_keep_is_explained(client, demo, audit):
    upload = SimpleUploadedFile("cases.csv", b"reference\nS-1\nS-2\n")
    sign_in(client, BUSINESS)

    response = client.post(
        f"/audits/{audit.pk}/sample/", {"file": upload, "size": 1, "seed": 2**63}
    )

    assert response.status_code == 200
    assert "less than or equal to" in response.content.decode()
    assert not audit.samples.exists()


def test_drawing_the_same_list_with_the_same_seed_again_is_refused(client, demo, audit):
    csv = b"reference\n" + b"\n".join(f"S-{n}".encode() for n in range(30))
    sign_in(client, BUSINESS)

    def draw(seed=7):
        upload = SimpleUploadedFile("cases.csv", csv)
        return client.post(f"/audits/{audit.pk}/sample/", {"file": upload, "size": 4, "seed": seed})

    first = draw()
    again = draw()
    another = draw(seed=8)

    assert first.status_code == 302
    assert again.status_code == 200
    assert "already drawn with seed 7" in again.content.decode()
    assert another.status_code == 302
    assert audit.samples.count() == 2
    assert audit.cases.count() == 2 + 4 + 4


def test_a_sample_form_sent_twice_draws_once(client, demo, audit):
    csv = b"reference\n" + b"\n".join(f"S-{n}".encode() for n in range(30))
    url = f"/audits/{audit.pk}/sample/"
    sign_in(client, BUSINESS)

    def seed_shown() -> str:
        field = re.search(r'<input[^>]*name="seed"[^>]*>', client.get(url).content.decode())[0]
        return re.search(r'value="(\d+)"', field)[1]

    seed = seed_shown()

    def send():
        upload = SimpleUploadedFile("cases.csv", csv)
        return client.post(url, {"file": upload, "size": 4, "seed": seed})

    first, again = send(), send()

    assert first.status_code == 302
    assert again.status_code == 200
    assert f"already drawn with seed {seed}" in again.content.decode()
    assert audit.samples.get().seed == int(seed)
    assert audit.cases.count() == 2 + 4
    # Shown again, the form offers a seed of its own for the next draw.
    assert seed_shown() != seed


def test_round_totals_count_only_submitted_self_assessments(client, demo):
    year = timezone.localdate().year + 8
    standards = [("s11-1", "Clear line of accountability for safeguarding")]
    SelfAssessmentRoundFactory(year=year - 1, standards=standards)
    met = {"s11-1": {"rating": "met", "evidence": "A named director."}}
    for assessment in SelfAssessment.objects.filter(kind="s11", year=year - 1):
        services.self_assessment_save(
            assessment=assessment, by=demo.user(BUSINESS), ratings=met, submit=True
        )
    # This year: the police carry last year's rating forward in a draft; the council submit.
    round_ = SelfAssessmentRoundFactory(year=year, standards=standards)
    council = SelfAssessment.objects.get(agency__name="Riverside Council", kind="s11", year=year)
    services.self_assessment_save(
        assessment=council, by=demo.user(BUSINESS), ratings=met, submit=True
    )
    sign_in(client, SCRUTINEER)

    page = client.get(f"/audits/rounds/{round_.pk}/").content.decode()
    export = client.get(f"/audits/rounds/{round_.pk}/export.csv").content.decode()

    assert "Clear line of accountability for safeguarding,1,0,0" in export
    totals = page.split("Clear line of accountability for safeguarding</th>")[1].split("</tr>")[0]
    assert re.findall(r">(\d+)</td>", totals) == ["1", "0", "0"]


def test_reopening_without_a_reason_says_so_and_a_draft_cannot_be_reopened(client, demo, audit):
    police = a_return(audit, "Midshire Police")
    url = f"/audits/returns/{police.pk}/reopen/"
    sign_in(client, BUSINESS)

    draft = client.post(url, {"reason": "Graded the wrong child's file."}, follow=True)
    complete_return(police, by=demo.user(PRACTITIONER_POLICE))
    no_reason = client.post(url, {"reason": ""})

    assert "Only a submitted return can be reopened." in draft.content.decode()
    assert no_reason.status_code == 200
    assert_error_summary_links_land(no_reason.content.decode())
    assert "Say why the return is being reopened." in no_reason.content.decode()
    police.refresh_from_db()
    assert police.status == ReturnStatus.SUBMITTED
