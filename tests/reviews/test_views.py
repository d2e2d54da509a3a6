import re
from datetime import date, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from partnerships.models import Action, ClosureDay
from reviews import services
from reviews.models import AgencyReturn, PracticeReview, RapidReview, SeriousIncident
from safeguarding.models import AccessLogEntry
from safeguarding.working_days import WorkingDayCalendar
from tests.partnerships.factories import UserFactory
from tests.personas import (
    ANONYMOUS,
    BUSINESS,
    DSL_SCHOOL,
    FRONT_DOOR_RIVERSIDE,
    LEAD_HEALTH,
    LEAD_LA,
    LEAD_POLICE,
    OTHER_PARTNERSHIP,
    PRACTITIONER_HEALTH,
    PRACTITIONER_POLICE,
    SCRUTINEER,
    check_access,
    sign_in,
)
from tests.reviews.factories import (
    INVOLVED,
    DecidedRapidReviewFactory,
    RapidReviewFactory,
    SeriousIncidentFactory,
    SignedOffRapidReviewFactory,
    SubmittedRapidReviewFactory,
    make_reviews,
)
from tests.support.clock import A_DEMO_DAY, DURING_THE_REVIEW, LONDON, a_year_from_today
from tests.support.dates import box_values, date_input
from tests.support.pages import (
    assert_error_summary_links_land,
    error_summary_links,
    part_from,
    tags,
)

# Who may open a review record: the owning partnership's business team and partners and the
# involved agencies; not an uninvolved agency, another partnership or the scrutineer.
CASE_RECORD = {
    BUSINESS: 200,
    LEAD_LA: 200,
    LEAD_HEALTH: 200,
    PRACTITIONER_POLICE: 200,
    PRACTITIONER_HEALTH: 200,
    DSL_SCHOOL: 404,
    OTHER_PARTNERSHIP: 404,
    SCRUTINEER: 404,
    ANONYMOUS: 302,
}
# Steps only the business team takes: others who can see the review are refused.
BUSINESS_STEP = {
    PRACTITIONER_POLICE: 403,
    LEAD_HEALTH: 403,
    DSL_SCHOOL: 404,
    OTHER_PARTNERSHIP: 404,
    SCRUTINEER: 404,
    ANONYMOUS: 302,
}


def incident_form(demo, **overrides):
    data = {
        "local_authority": demo.agency("Riverside Council").pk,
        "incident_type": "death",
        "looked_after": "on",
        "categories": ["neglect"],
        **date_input("became_aware_on", "2026-11-20"),
        "summary": "A looked-after young person died; neglect is suspected.",
        "agencies_involved": [demo.agency(name).pk for name in INVOLVED],
        "children-TOTAL_FORMS": "4",
        "children-INITIAL_FORMS": "0",
        "children-MIN_NUM_FORMS": "1",
        "children-MAX_NUM_FORMS": "4",
        "children-0-first_name": "Jordan",
        "children-0-last_name": "Example",
        **date_input("children-0-date_of_birth", "2010-05-04"),
    }
    data.update(overrides)
    return data


@DURING_THE_REVIEW
def test_the_full_life_of_a_rapid_review_through_the_browser(client, demo):
    sign_in(client, BUSINESS)
    assert client.get("/reviews/incidents/new/").status_code == 200
    invalid = client.post(
        "/reviews/incidents/new/",
        incident_form(demo, **date_input("became_aware_on", a_year_from_today())),
    )
    assert invalid.status_code == 200
    assert "There is a problem" in invalid.content.decode()
    assert "cannot be in the future" in invalid.content.decode()
    assert 'value="Jordan"' in invalid.content.decode()  # nothing typed is lost

    created = client.post("/reviews/incidents/new/", incident_form(demo))
    incident = SeriousIncident.objects.get()
    assert created.status_code == 302 and created["Location"] == incident.get_absolute_url()
    page = client.get(incident.get_absolute_url()).content.decode()
    assert "Friday 27 November 2026" in page  # notification due
    assert "Jordan Example" in page
    too_early = client.post(
        f"/reviews/incidents/{incident.pk}/notification/", date_input("notified_on", "2026-11-19")
    )
    assert too_early.status_code == 200
    assert "cannot be notified before the local authority became aware" in (
        too_early.content.decode()
    )
    client.post(
        f"/reviews/incidents/{incident.pk}/notification/", date_input("notified_on", "2026-11-20")
    )
    started = client.post(f"/reviews/incidents/{incident.pk}/start-review/")
    review = RapidReview.objects.get()
    assert started["Location"] == review.get_absolute_url()
    page = client.get(review.get_absolute_url()).content.decode()
    assert "Friday 11 December 2026" in page
    assert "govuk-task-list" in page and "Not started" in page

    sign_in(client, PRACTITIONER_POLICE)
    police_return = AgencyReturn.objects.get(agency__name="Midshire Police")
    url = police_return.get_absolute_url()
    client.post(url, {"chronology": "1 Nov: call-out", "summary": "", "action": "draft"})
    refused = client.post(url, {"chronology": "1 Nov: call-out", "summary": "", "action": "submit"})
    assert "Give a summary of your agency" in refused.content.decode()
    client.post(url, {"chronology": "1 Nov", "summary": "One call-out.", "action": "submit"})
    police_return.refresh_from_db()
    assert police_return.status == "submitted"

    sign_in(client, BUSINESS)
    step = f"/reviews/{review.pk}/"
    client.post(
        step + "meeting/",
        {
            **date_input("held_on", "2026-11-21"),
            "attendees": "The three partners",
            "learning": "Escalate.",
        },
    )
    no_reasons = client.post(step + "decision/", {"decision": "lcspr", "reasons": ""})
    assert "Give the reasons for the decision" in no_reasons.content.decode()
    client.post(step + "decision/", {"decision": "lcspr", "reasons": "Multi-agency learning."})
    blocked = client.post(step + "submit/", date_input("submitted_on", "2026-11-22"))
    assert "Still to sign off: local authority, health, police." in blocked.content.decode()
    for partner in (LEAD_LA, LEAD_HEALTH, LEAD_POLICE):
        sign_in(client, partner)
        assert "Sign off for" in client.get(step).content.decode()
        client.post(step + "sign-off/")
    sign_in(client, BUSINESS)
    client.post(step + "submit/", date_input("submitted_on", "2026-11-22"))
    review.refresh_from_db()
    assert review.status == "submitted"
    assert "On time" in client.get(step).content.decode()

    client.post(
        step + "recommendations/new/",
        {
            "owner_agency": demo.agency("Midshire Police").pk,
            "recommendation": "Police attend strategy discussions for babies.",
            "title": "Attend every strategy discussion for babies",
            **date_input("due_on", "2027-03-31"),
        },
    )
    assert Action.objects.get(source_id=review.pk).owner_agency.name == "Midshire Police"
    practice_review = PracticeReview.objects.get()
    response = client.post(
        practice_review.get_absolute_url(),
        {
            "reviewer": "Dr Jane Reviewer",
            "terms_of_reference": "How agencies responded to bruising.",
            **date_input("sent_to_panel_on", "2026-11-18"),
            **date_input("published_on", "2026-11-20"),
            "learning_briefing": "Bruising in babies who do not move is never normal.",
            "final_report": SimpleUploadedFile("report.pdf", b"%PDF-1.4"),
        },
        follow=True,
    )
    assert "2 working days before publication" in response.content.decode()
    assert review.history.count() >= 5


def test_a_deadline_over_christmas_explains_the_days_skipped(client, demo):
    review = RapidReviewFactory(
        incident__became_aware_on=date(2025, 12, 15), incident__notified_on=date(2025, 12, 16)
    )
    sign_in(client, BUSINESS)

    page = client.get(review.get_absolute_url()).content.decode()

    assert "Thursday 8 January 2026" in page
    for holiday in ("Christmas Day", "Boxing Day", "New Year"):
        assert holiday in page


def test_the_incident_page_hides_and_logs_the_children(client, demo):
    incident = SeriousIncidentFactory()

    responses = check_access(client, incident.get_absolute_url(), CASE_RECORD)

    assert "Alex Example" in responses[BUSINESS].content.decode()
    assert AccessLogEntry.objects.filter(
        user__username=BUSINESS, object_id=incident.children.get().pk
    ).exists()


def test_every_review_page_answers_each_persona(client, demo):
    review = DecidedRapidReviewFactory()
    incident = review.incident
    for url in (incident.get_absolute_url(), review.get_absolute_url()):
        check_access(client, url, CASE_RECORD)
    for url in ("/reviews/", "/reviews/incidents/", "/reviews/practice-reviews/"):
        listed = check_access(
            client,
            url,
            {
                BUSINESS: 200,
                DSL_SCHOOL: 200,
                OTHER_PARTNERSHIP: 200,
                SCRUTINEER: 200,
                ANONYMOUS: 302,
            },
        )
        assert incident.reference in listed[BUSINESS].content.decode() or "practice" in url
        for persona in (DSL_SCHOOL, OTHER_PARTNERSHIP, SCRUTINEER):
            assert incident.reference not in listed[persona].content.decode()
    check_access(
        client,
        "/reviews/incidents/new/",
        {
            BUSINESS: 200,
            FRONT_DOOR_RIVERSIDE: 200,
            PRACTITIONER_POLICE: 403,
            OTHER_PARTNERSHIP: 200,
            SCRUTINEER: 403,
            ANONYMOUS: 302,
        },
    )
    check_access(
        client,
        "/reviews/incidents/new/",
        {PRACTITIONER_POLICE: 403, SCRUTINEER: 403, DSL_SCHOOL: 403, ANONYMOUS: 302},
        method="post",
        data=incident_form(demo),
    )
    base = review.get_absolute_url()
    for step in ("meeting/", "decision/", "submit/", "extensions/new/", "recommendations/new/"):
        check_access(client, base + step, {**BUSINESS_STEP, BUSINESS: 200})
        check_access(client, base + step, BUSINESS_STEP, method="post", data={})
    for url in (
        f"/reviews/incidents/{incident.pk}/notification/",
        f"/reviews/incidents/{incident.pk}/start-review/",
        base + "share-returns/",
    ):
        check_access(client, url, BUSINESS_STEP, method="post", data={})
    check_access(
        client,
        base + "sign-off/",
        {**BUSINESS_STEP, LEAD_HEALTH: 302, BUSINESS: 403},
        method="post",
    )
    assert review.sign_offs.get().partner_kind == "health"


def test_an_agency_sees_its_own_return_and_others_only_once_shared(client, demo):
    review = RapidReviewFactory()
    police_return = AgencyReturn.objects.get(rapid_review=review, agency__name="Midshire Police")
    url = police_return.get_absolute_url()
    expected = {**CASE_RECORD, PRACTITIONER_HEALTH: 404}

    check_access(client, url, expected)
    check_access(
        client,
        url,
        {PRACTITIONER_HEALTH: 404, LEAD_HEALTH: 403, DSL_SCHOOL: 404, ANONYMOUS: 302},
        method="post",
        data={"chronology": "x", "action": "draft"},
    )
    sign_in(client, BUSINESS)
    client.post(f"/reviews/{review.pk}/share-returns/")
    check_access(client, url, {**expected, PRACTITIONER_HEALTH: 200})


def test_the_practice_review_pages(client, demo):
    practice_review = SubmittedRapidReviewFactory().practice_review
    url = practice_review.get_absolute_url()

    check_access(client, url, CASE_RECORD)
    check_access(client, url + "milestones/", BUSINESS_STEP, method="post", data={})
    check_access(client, url, BUSINESS_STEP, method="post", data={})
    sign_in(client, BUSINESS)
    client.post(
        url + "milestones/",
        {"title": "Terms of reference agreed", **date_input("due_on", "2026-12-18")},
    )
    milestone = practice_review.milestones.get()
    assert milestone.title == "Terms of reference agreed"
    assert "Mark as done today" in client.get(url).content.decode()
    check_access(
        client,
        f"/reviews/practice-reviews/milestones/{milestone.pk}/done/",
        {**BUSINESS_STEP, BUSINESS: 302},
        method="post",
    )
    milestone.refresh_from_db()
    assert milestone.completed_on is not None


def download(client, persona: str, url: str):
    """The response and its whole body, read at once: the tests' in-memory storage hands every
    reader of a file the same stream."""
    sign_in(client, persona)
    response = client.get(url)
    return response, b"".join(response.streaming_content)


def test_the_final_report_downloads_for_those_who_see_the_practice_review(client, demo):
    practice_review = SubmittedRapidReviewFactory().practice_review
    url = f"/reviews/practice-reviews/{practice_review.pk}/final-report/"
    check_access(client, url, {BUSINESS: 404, ANONYMOUS: 302})  # none uploaded yet

    report = SimpleUploadedFile("Alex Example LCSPR.PDF", b"%PDF-1.4 the report")
    services.practice_review_update(
        practice_review=practice_review, by=demo.user(BUSINESS), final_report=report
    )
    check_access(client, url, CASE_RECORD)
    police, police_body = download(client, PRACTITIONER_POLICE, url)
    page = client.get(practice_review.get_absolute_url()).content.decode()
    services.practice_review_update(
        practice_review=practice_review, by=demo.user(BUSINESS), published_on=timezone.localdate()
    )
    check_access(client, url, {**CASE_RECORD, SCRUTINEER: 200})
    _, scrutineer_body = download(client, SCRUTINEER, url)

    assert police_body == scrutineer_body == b"%PDF-1.4 the report"
    assert police["Content-Type"] == "application/pdf"
    assert police["Content-Disposition"] == (
        f'attachment; filename="practice-review-{practice_review.pk}-final-report.pdf"'
    )
    assert police["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in police["Cache-Control"]
    assert f'href="{url}"' in page
    readers = AccessLogEntry.objects.filter(
        object_id=practice_review.pk, route="reviews:practice-review-report"
    ).values_list("user__username", flat=True)
    assert {PRACTITIONER_POLICE, SCRUTINEER} <= set(readers)
    # Only the view serves it: nothing answers at the storage's own address.
    assert client.get(practice_review.final_report.url).status_code == 404


def test_a_final_report_missing_from_storage_is_not_found(client, demo):
    practice_review = SubmittedRapidReviewFactory().practice_review
    PracticeReview.objects.filter(pk=practice_review.pk).update(
        final_report="practice-reviews/gone.pdf"
    )

    check_access(
        client, f"/reviews/practice-reviews/{practice_review.pk}/final-report/", {BUSINESS: 404}
    )


def test_the_dashboard_shows_figures_to_overseers_only(client, demo):
    SubmittedRapidReviewFactory()
    RapidReviewFactory()

    responses = check_access(
        client,
        "/reviews/dashboard/",
        {
            BUSINESS: 200,
            LEAD_POLICE: 200,
            SCRUTINEER: 200,
            OTHER_PARTNERSHIP: 200,
            PRACTITIONER_POLICE: 403,
            DSL_SCHOOL: 403,
            ANONYMOUS: 302,
        },
    )

    business = responses[BUSINESS].context
    scrutineer = responses[SCRUTINEER].context
    assert business["open_total"] == scrutineer["open_total"] == 1
    assert len(business["open_reviews"]) == 1 and scrutineer["open_reviews"] == []
    assert business["submitted"]["total"] == 1
    assert responses[OTHER_PARTNERSHIP].context["open_total"] == 0
    assert "SI-" not in responses[SCRUTINEER].content.decode()


# After the factories' reviews were due (11 December 2026), before the extension runs out.
@pytest.mark.time_machine(datetime(2026, 12, 15, 10, tzinfo=LONDON))
def test_the_dashboard_counts_a_review_sent_by_an_extended_deadline_as_the_indicators_do(
    client, demo
):
    """On time is within the original 15 working days; an agreed extension is counted beside."""
    business = demo.user(BUSINESS)
    in_time = SignedOffRapidReviewFactory()
    services.rapid_review_submit(review=in_time, submitted_on=date(2026, 12, 10), by=business)
    extended = SignedOffRapidReviewFactory()
    services.rapid_review_extend(
        review=extended, new_due_on=date(2026, 12, 18), reason="Police returns delayed", by=business
    )
    services.rapid_review_submit(review=extended, submitted_on=date(2026, 12, 15), by=business)
    year = {"from": "2026-01-01", "to": "2026-12-31"}
    sign_in(client, BUSINESS)

    response = client.get("/reviews/dashboard/", year)

    submitted = response.context["submitted"]
    indicator = client.get(f"/api/v1/partnerships/{demo.riverside.pk}/indicators/", year).json()
    assert submitted == {"total": 2, "on_time": 1, "by_extension": 1, "percent": 50.0}
    assert indicator["rapid_reviews"]["met"] == submitted["on_time"]
    page = response.content.decode()
    assert "(1 of 2) submitted within their 15 working days" in page
    assert "1 more submitted late but by an agreed extended deadline." in page


@A_DEMO_DAY
def test_the_dashboard_computes_timeliness_and_outstanding_returns(client, demo):
    make_reviews(demo.riverside, 40)
    open_returns = AgencyReturn.objects.filter(
        partnership=demo.riverside, rapid_review__status="gathering"
    ).order_by("pk")
    # Started returns are still outstanding; submitted ones are not.
    AgencyReturn.objects.filter(pk__in=open_returns.values("pk")[:5]).update(status="in_progress")
    AgencyReturn.objects.filter(pk__in=open_returns.values("pk")[5:8]).update(status="submitted")
    sign_in(client, BUSINESS)

    context = client.get("/reviews/dashboard/?from=2026-01-01&to=2026-12-31").context

    # 10 submitted, alternately on the due date and a day after it.
    assert context["submitted"] == {"total": 10, "on_time": 5, "by_extension": 0, "percent": 50.0}
    assert context["returns_outstanding"][0]["agency__name"] == "Riverside Council"
    assert context["returns_outstanding"][0]["outstanding"] == 27
    assert {row["owner_agency__name"] for row in context["actions_overdue"]} == {
        "St Anne's Primary School"
    }


@A_DEMO_DAY
def test_the_dashboard_takes_its_period_in_boxes_or_as_the_iso_text_of_old_links(client, demo):
    make_reviews(demo.riverside, 40)
    sign_in(client, BUSINESS)
    year = {
        **date_input("date_from", date(2026, 1, 1)),
        **date_input("date_to", date(2026, 12, 31)),
    }
    spring = {
        **date_input("date_from", date(2026, 3, 1)),
        **date_input("date_to", date(2026, 5, 31)),
    }

    boxes = client.get("/reviews/dashboard/", year)
    text = client.get("/reviews/dashboard/", {"from": "2026-01-01", "to": "2026-12-31"})
    short = client.get("/reviews/dashboard/", spring)
    unasked = client.get("/reviews/dashboard/")

    assert boxes.context["submitted"] == text.context["submitted"]
    assert boxes.context["submitted"]["total"] == 10
    assert short.context["submitted"]["total"] < 10
    assert "between 1 March 2026 and 31 May 2026" in short.content.decode()
    page = text.content.decode()
    assert box_values(page, "date_from") == ["1", "1", "2026"]
    assert box_values(page, "date_to") == ["31", "12", "2026"]
    # This year so far unless asked.
    assert box_values(unasked.content.decode(), "date_from") == ["1", "1", "2026"]
    assert box_values(unasked.content.decode(), "date_to") == ["7", "12", "2026"]


@A_DEMO_DAY
def test_a_wrong_date_on_the_dashboard_is_explained_and_the_rest_still_shown(client, demo):
    make_reviews(demo.riverside, 40)
    sign_in(client, BUSINESS)

    response = client.get(
        "/reviews/dashboard/",
        {**date_input("date_from", "2026-13-01"), **date_input("date_to", date(2026, 12, 31))},
    )
    backwards = client.get("/reviews/dashboard/", {"from": "2026-12-01", "to": "2026-11-01"})

    page = response.content.decode()
    assert response.status_code == backwards.status_code == 200
    assert "There is a problem" in page
    assert error_summary_links(page) == ["#id_date_from_1"]
    assert_error_summary_links_land(page)
    assert page.count("The start of the period must be a real date") == 2
    assert response.context["submitted"] is None
    assert "submitted within their 15 working days" not in page
    assert response.context["open_total"] == 30  # the rest of the dashboard is still there
    assert "The end of the period must be after its start." in backwards.content.decode()


@pytest.mark.parametrize("url", ["/reviews/", "/reviews/dashboard/"])
def test_lists_and_dashboard_run_a_bounded_number_of_queries(
    client, demo, django_assert_max_num_queries, url
):
    make_reviews(demo.riverside, 1000)
    ClosureDay.objects.create(partnership=demo.riverside, date=date(2026, 12, 1), reason="Training")
    sign_in(client, BUSINESS)

    with django_assert_max_num_queries(25):
        response = client.get(url)

    assert response.status_code == 200
    if url == "/reviews/":
        assert response.context["paginator"].count == 1000
    else:
        assert response.context["open_total"] == 750


def test_the_incident_list_runs_a_bounded_number_of_queries(
    client, demo, django_assert_max_num_queries
):
    make_reviews(demo.riverside, 1000)
    sign_in(client, BUSINESS)

    with django_assert_max_num_queries(25):
        response = client.get("/reviews/incidents/")

    assert response.context["paginator"].count == 1000


def test_a_new_user_with_no_roles_sees_nothing(client, demo):
    RapidReviewFactory()
    stranger = UserFactory()
    client.force_login(stranger)

    assert client.get("/reviews/").context["paginator"].count == 0
    assert client.get("/reviews/dashboard/").status_code == 403


def test_a_review_and_its_practice_review_list_their_actions_in_bounded_queries(
    client, demo, django_assert_max_num_queries
):
    review = SubmittedRapidReviewFactory()
    owners = [demo.agency(name) for name in INVOLVED]
    sign_in(client, BUSINESS)

    for record in (review, review.practice_review):

        def add_actions(count, record=record):
            Action.objects.bulk_create(
                Action(
                    partnership=demo.riverside,
                    owner_agency=owners[i % len(owners)],
                    source=record,
                    title=f"Learning from {record.pk}: action {i}",
                    due_on=date(2027, 1, 1),
                )
                for i in range(count)
            )

        add_actions(3)
        with django_assert_max_num_queries(26) as few:
            client.get(record.get_absolute_url())
        add_actions(27)
        with django_assert_max_num_queries(26) as many:
            page = client.get(record.get_absolute_url()).content.decode()

        assert page.count(f"Learning from {record.pk}: action") == 30
        assert len(many) == len(few), record


@DURING_THE_REVIEW
def test_the_review_page_tags_each_return_and_the_review_by_where_it_stands(client, demo):
    review = RapidReviewFactory()
    submitted, started, late, waiting = review.returns.order_by("pk")[:4]
    AgencyReturn.objects.filter(pk=submitted.pk).update(status="submitted")
    AgencyReturn.objects.filter(pk=started.pk).update(status="in_progress")
    AgencyReturn.objects.filter(pk=late.pk).update(due_on=date(2020, 1, 6))
    AgencyReturn.objects.filter(pk=waiting.pk).update(due_on=date(2099, 1, 5))
    sign_in(client, BUSINESS)
    page = client.get(review.get_absolute_url()).content.decode()

    def tag_in(element_id):
        [tag] = tags(part_from(page, f'id="{element_id}">', "</div>"))
        return tag

    assert tag_in(f"return-{submitted.pk}-status") == ("green", "Submitted")
    assert tag_in(f"return-{started.pk}-status") == ("light-blue", "In progress")
    assert tag_in(f"return-{late.pk}-status") == ("red", "Overdue")
    assert tag_in(f"return-{waiting.pk}-status") == ("grey", "Not started")
    status = '<strong class="govuk-tag govuk-tag--blue">Gathering information</strong>'
    assert status in page

    submitted_review = SubmittedRapidReviewFactory()
    page = client.get(submitted_review.get_absolute_url()).content.decode()
    assert '<strong class="govuk-tag govuk-tag--green">Submitted to the Panel</strong>' in page


def test_the_list_and_each_review_count_working_days_against_the_deadline(client, demo):
    calendar = WorkingDayCalendar.for_partnership(demo.riverside)
    today = timezone.localdate()
    one_ahead, three_ahead = calendar.add(today, 1).due, calendar.add(today, 3).due
    three_back = max(
        day
        for day in (today - timedelta(days=n) for n in range(1, 9))
        if calendar.between(day, today) == 3
    )
    expected = {}
    for original_due_on, due_on, submitted_on, words in (
        (three_ahead, three_ahead, None, "3 working days left"),
        (one_ahead, one_ahead, None, "1 working day left"),
        (three_back, three_back, None, "Overdue by 3 working days"),
        (three_back, three_back, today, "Late by 3 working days"),
        (three_ahead, three_ahead, today, "On time"),
        (three_back, three_ahead, today, "On time by an agreed extension"),
    ):
        review = RapidReviewFactory()
        RapidReview.objects.filter(pk=review.pk).update(
            original_due_on=original_due_on, due_on=due_on, submitted_on=submitted_on
        )
        expected[review] = words
    sign_in(client, BUSINESS)
    listed = client.get("/reviews/").content.decode()

    for review, words in expected.items():
        row = re.search(rf'href="{review.get_absolute_url()}".*?</tr>', listed, re.S).group()
        assert words in re.sub(r"<[^>]+>", "", row)
        assert words in client.get(review.get_absolute_url()).content.decode()


def test_the_dashboard_tags_each_open_review_red_amber_or_green(client, demo):
    make_reviews(demo.riverside, 12, first_aware_on=timezone.localdate() - timedelta(days=18))
    sign_in(client, BUSINESS)
    response = client.get("/reviews/dashboard/")
    page = response.content.decode()
    colours = {"red": "red", "amber": "orange", "green": "green"}

    rags = {review.rag for review in response.context["open_reviews"]}
    assert len(rags) > 1  # the bulk reviews fall due across the coming weeks
    for review in response.context["open_reviews"]:
        row = re.search(rf"{review.incident.reference}</a>.*?</tr>", page, re.S).group()
        expected = f'<strong class="govuk-tag govuk-tag--{colours[review.rag]}">'
        assert expected + review.rag.capitalize() + "</strong>" in row


def test_marking_a_milestone_done_again_keeps_the_first_date(client, demo, time_machine):
    practice_review = SubmittedRapidReviewFactory().practice_review
    milestone = services.milestone_add(
        practice_review=practice_review,
        title="Family met",
        due_on=date(2026, 12, 18),
        by=demo.user(BUSINESS),
    )
    done = f"/reviews/practice-reviews/milestones/{milestone.pk}/done/"
    time_machine.move_to(datetime(2026, 12, 7, 10, tzinfo=LONDON))
    sign_in(client, BUSINESS)
    client.post(done)

    time_machine.move_to(datetime(2026, 12, 9, 10, tzinfo=LONDON))
    sign_in(client, BUSINESS)  # signed in afresh: a session idles out over two days
    replayed = client.post(done, follow=True)

    milestone.refresh_from_db()
    assert milestone.completed_on == date(2026, 12, 7)
    assert "already marked as done on 7 December 2026" in replayed.content.decode()


def test_an_extension_is_refused_beyond_a_year_after_the_original_deadline(client, demo):
    review = RapidReviewFactory()  # due 11 December 2026
    sign_in(client, BUSINESS)
    url = f"/reviews/{review.pk}/extensions/new/"

    far = client.post(
        url, {**date_input("new_due_on", "9999-12-31"), "reason": "Awaiting the trial"}
    )
    year_on = client.post(
        url, {**date_input("new_due_on", "2027-12-13"), "reason": "Awaiting the trial"}
    )
    within = client.post(
        url, {**date_input("new_due_on", "2027-12-10"), "reason": "Awaiting the trial"}
    )

    review.refresh_from_db()
    assert far.status_code == year_on.status_code == 200
    assert "no later than 11 December 2027" in far.context["form"].errors["new_due_on"][0]
    assert "new_due_on" in year_on.context["form"].errors
    assert within.status_code == 302
    assert review.due_on == date(2027, 12, 10)


def test_a_milestone_with_mistakes_comes_back_with_what_was_typed(client, demo):
    practice_review = SubmittedRapidReviewFactory().practice_review
    sign_in(client, BUSINESS)

    response = client.post(
        f"{practice_review.get_absolute_url()}milestones/",
        {"title": "Terms of reference agreed", **date_input("due_on", "2026-December-18")},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert_error_summary_links_land(page)
    assert 'value="Terms of reference agreed"' in page and 'value="December"' in page
    assert "Due date must be a real date" in page
    assert not practice_review.milestones.exists()


def test_the_childrens_mistakes_are_in_the_incidents_error_summary(client, demo):
    sign_in(client, BUSINESS)

    wrong_date = client.post(
        "/reviews/incidents/new/",
        incident_form(demo, **date_input("children-0-date_of_birth", "2010-02-31")),
    )
    no_child = client.post(
        "/reviews/incidents/new/",
        incident_form(demo, **{"children-0-first_name": "", "children-0-last_name": ""}),
    )

    for response in (wrong_date, no_child):
        assert response.status_code == 200
        assert_error_summary_links_land(response.content.decode())
    assert 'href="#id_children-0-date_of_birth_0"' in wrong_date.content.decode()
    assert 'href="#id_children-0-first_name"' in no_child.content.decode()
    assert not SeriousIncident.objects.filter(summary__startswith="A looked-after").exists()


def test_an_incident_with_no_child_asks_plainly_for_one(client, demo):
    sign_in(client, BUSINESS)
    no_child = {
        "children-0-first_name": "",
        "children-0-last_name": "",
        **date_input("children-0-date_of_birth", None),
    }
    second_only = {
        **no_child,
        "children-1-first_name": "Jordan",
        "children-1-last_name": "Example",
        **date_input("children-1-date_of_birth", "2010-05-04"),
    }

    none = client.post("/reviews/incidents/new/", incident_form(demo, **no_child))
    second = client.post("/reviews/incidents/new/", incident_form(demo, **second_only))

    page = none.content.decode()
    assert none.status_code == 200
    assert error_summary_links(page) == ["#id_children-0-first_name"]
    assert '<a href="#id_children-0-first_name">Add at least one child.</a>' in page
    assert_error_summary_links_land(page)
    assert second.status_code == 302  # the first of the four may be the one left blank
    assert SeriousIncident.objects.get().children.get().first_name == "Jordan"


def test_a_date_already_recorded_is_shown_in_its_boxes(client, demo):
    practice_review = SubmittedRapidReviewFactory().practice_review
    practice_review.sent_to_panel_on = date(2027, 3, 27)
    practice_review.save(update_fields=["sent_to_panel_on"])
    sign_in(client, BUSINESS)

    page = client.get(practice_review.get_absolute_url()).content.decode()

    assert box_values(page, "sent_to_panel_on") == ["27", "3", "2027"]
    assert box_values(page, "published_on") == ["", "", ""]
