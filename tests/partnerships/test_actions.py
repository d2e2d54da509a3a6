import html
import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from audits.models import AuditCase
from audits.services import audit_case_action_add
from partnerships.choices import ActionStatus
from partnerships.models import Action
from partnerships.services import action_create, action_overdue_reminders_send
from reviews.services import recommendation_add
from safeguarding.models import Notification
from safeguarding.pagination import BoundedCountPaginator
from tests.partnerships.factories import AgencyFactory
from tests.personas import (
    ADMIN,
    ANONYMOUS,
    BUSINESS,
    DSL_SCHOOL,
    LEAD_POLICE,
    OTHER_PARTNERSHIP,
    PRACTITIONER_HEALTH,
    PRACTITIONER_POLICE,
    SCRUTINEER,
    check_access,
    sign_in,
)
from tests.reviews.factories import RapidReviewFactory
from tests.support.clock import A_DEMO_DAY, a_year_from_today
from tests.support.concurrency import run_at_once
from tests.support.dates import date_input
from tests.support.pages import part_from, tags

TRAINING = "Refresh whole-staff training on recognising neglect"


@pytest.fixture
def school_action(demo):
    return Action.objects.get(title=TRAINING)


def test_it_refuses_an_owner_outside_the_partnership(demo):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        action_create(
            partnership=demo.riverside,
            owner_agency=demo.agency("Northgate Academy"),
            title="x",
            due_on=date(2027, 1, 1),
            by=demo.user(BUSINESS),
        )
    assert "owner_agency" in error.value.message_dict


def test_the_action_list_shows_each_person_what_they_may_see(client, demo):
    responses = check_access(
        client,
        "/partnerships/actions/",
        {
            BUSINESS: 200,
            DSL_SCHOOL: 200,
            PRACTITIONER_HEALTH: 200,
            SCRUTINEER: 200,
            OTHER_PARTNERSHIP: 200,
            ANONYMOUS: 302,
        },
    )

    def titles(persona):
        return {a.title for a in responses[persona].context["object_list"]}

    assert len(titles(BUSINESS)) == 2
    assert titles(DSL_SCHOOL) == {TRAINING}  # their own agency's
    assert titles(PRACTITIONER_HEALTH) == set()  # the NHS trust owns none
    assert len(titles(SCRUTINEER)) == 2
    assert titles(OTHER_PARTNERSHIP) == set()


def test_the_action_list_filters_by_the_owning_agencys_name(client, demo):
    elsewhere = AgencyFactory.create_batch(30)  # agencies elsewhere in the country
    sign_in(client, BUSINESS)

    def titles(owner):
        response = client.get("/partnerships/actions/", {"owner_agency": owner})
        page = response.content.decode()
        assert response.status_code == 200
        assert not [a.name for a in elsewhere if a.name in page]  # no list of every agency
        return {a.title for a in response.context["object_list"]}

    assert titles("st anne's") == {TRAINING}
    assert titles("Midshire police") == {"Attend every strategy discussion for children under two"}
    assert titles("primary midshire") == set()
    assert len(titles("  ")) == 2


def test_the_action_page_is_404_outside_permission(client, demo, school_action):
    check_access(
        client,
        school_action.get_absolute_url(),
        {
            BUSINESS: 200,
            DSL_SCHOOL: 200,
            LEAD_POLICE: 200,
            SCRUTINEER: 200,
            PRACTITIONER_POLICE: 404,
            OTHER_PARTNERSHIP: 404,
            ANONYMOUS: 302,
        },
    )


def test_the_owning_agencys_lead_records_completion_with_evidence(client, demo, school_action):
    sign_in(client, DSL_SCHOOL)
    url = school_action.get_absolute_url()

    refused = client.post(url, {"status": "completed"})
    done = client.post(
        url,
        {
            "status": "completed",
            **date_input("completed_on", "2026-11-20"),
            "evidence_of_completion": "All 32 staff trained on 18 November; register attached.",
            "evidence_of_impact": "Two early help referrals for neglect since, both appropriate.",
        },
    )

    assert refused.status_code == 200
    page = refused.content.decode()
    assert "There is a problem" in page and "Give evidence that the action was completed" in page
    assert done.status_code == 302
    school_action.refresh_from_db()
    assert school_action.status == "completed"
    assert school_action.completed_on_time is False  # due 30 October
    assert school_action.history.count() == 2


def test_only_the_business_team_and_the_owners_lead_may_record_progress(
    client, demo, school_action
):
    check_access(
        client,
        school_action.get_absolute_url(),
        {SCRUTINEER: 403, LEAD_POLICE: 403, PRACTITIONER_POLICE: 404, BUSINESS: 302},
        method="post",
        data={"status": "in_progress"},
    )


@A_DEMO_DAY
def test_the_api_lists_and_filters_actions(demo, school_action):
    api = APIClient()
    responses = check_access(
        api,
        "/api/v1/actions/?overdue=true",
        {BUSINESS: 200, DSL_SCHOOL: 200, OTHER_PARTNERSHIP: 200, ANONYMOUS: 401},
    )

    assert [a["title"] for a in responses[BUSINESS].json()["results"]] == [TRAINING]
    assert responses[BUSINESS].json()["results"][0]["is_overdue"] is True
    assert responses[OTHER_PARTNERSHIP].json()["results"] == []


def test_the_api_records_progress_and_explains_bad_input(demo, school_action):
    api = APIClient()
    url = f"/api/v1/actions/{school_action.pk}/progress/"
    sign_in(api, DSL_SCHOOL)

    bad = api.post(url, {"status": "completed"}, format="json")
    unknown = api.post(url, {"status": "finished"}, format="json")
    good = api.post(url, {"status": "in_progress"}, format="json")

    assert bad.status_code == 400
    assert set(bad.json()) == {"evidence_of_completion", "completed_on"}
    assert unknown.status_code == 400 and "status" in unknown.json()
    assert good.status_code == 200 and good.json()["status"] == "in_progress"
    check_access(
        api,
        url,
        {SCRUTINEER: 403, PRACTITIONER_POLICE: 404, ANONYMOUS: 401},
        method="post",
        data={"status": "in_progress"},
        format="json",
    )


def test_overdue_actions_are_reminded_to_the_owners_lead_once(
    demo, mailoutbox, django_capture_on_commit_callbacks
):
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            action_overdue_reminders_send(today=date(2026, 11, 23))

    reminder = Notification.objects.get(kind="action_overdue")
    assert reminder.recipient.username == DSL_SCHOOL
    assert [m.to for m in mailoutbox] == [["dsl.school@example.org"]]


def test_a_later_sweep_reads_no_action_already_told_it_is_overdue(
    demo, django_assert_max_num_queries
):
    assert action_overdue_reminders_send(today=date(2026, 11, 23)) == 1

    for today in (date(2026, 11, 24), date(2027, 3, 1)):
        with django_assert_max_num_queries(1):
            assert action_overdue_reminders_send(today=today) == 0


def a_backlog_of_actions(count: int) -> None:
    """`count` more overdue actions for the owner of the demo's training action."""
    action = Action.objects.get(title=TRAINING)
    Action.objects.bulk_create(
        Action(
            partnership=action.partnership,
            owner_agency=action.owner_agency,
            title=f"Audit attendance, term {term}",
            due_on=action.due_on,
            source_type=action.source_type,
            source_id=action.source_id,
        )
        for term in range(count)
    )


def test_a_backlog_of_one_agencys_actions_reads_its_leads_once(demo):
    a_backlog_of_actions(20)

    with CaptureQueriesContext(connection) as ran:
        assert action_overdue_reminders_send(today=date(2026, 11, 23)) == 21

    roles_read = [q for q in ran.captured_queries if "partnerships_roleassignment" in q["sql"]]
    assert len(roles_read) == 1


def test_a_backlog_is_recorded_200_actions_to_an_insert_and_sent_once(
    demo, mailoutbox, django_capture_on_commit_callbacks
):
    a_backlog_of_actions(249)

    with CaptureQueriesContext(connection) as ran, django_capture_on_commit_callbacks(execute=True):
        told = action_overdue_reminders_send(today=date(2026, 11, 23))

    written = [q for q in ran.captured_queries if "INSERT INTO" in q["sql"]]
    assert len(written) == 2  # 200 actions' reminders, then the other 50's
    assert told == Notification.objects.filter(kind="action_overdue").count() >= 250
    assert len(mailoutbox) == told
    assert action_overdue_reminders_send(today=date(2026, 11, 23)) == 0


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_of_a_backlog_at_the_same_moment_tell_each_lead_once(
    transactional_demo, needs_services, mailoutbox
):
    a_backlog_of_actions(449)

    results = run_at_once(lambda: action_overdue_reminders_send(today=date(2026, 11, 23)))

    told = Notification.objects.filter(kind="action_overdue")
    assert sum(results) == told.count() >= 450
    assert told.values("recipient", "subject_id").distinct().count() == told.count()
    assert len(mailoutbox) == told.count()


def test_the_sweep_looks_up_each_action_it_reads_rather_than_joining_every_reminder(
    demo, needs_services
):
    """Joined as the statistics plan it, a sweep run before autovacuum has counted the last
    one's reminders compares each action with all of them (see `already_notified`)."""
    action_overdue_reminders_send(today=date(2026, 11, 23))
    with CaptureQueriesContext(connection) as ran:
        action_overdue_reminders_send(today=date(2026, 11, 24))

    [read] = [q["sql"] for q in ran.captured_queries if "safeguarding_notification" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {read}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "SubPlan" in plan and "Join" not in plan.split("SubPlan")[1], plan
    assert "Anti Join" not in plan, plan


def test_an_action_titled_over_two_lines_in_the_admin_is_reminded_on_one(
    client, demo, mailoutbox, django_capture_on_commit_callbacks
):
    action = Action.objects.get(title=TRAINING)
    url = f"/admin/partnerships/action/{action.pk}/change/"
    sign_in(client, ADMIN)
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    changed = client.post(url, {**data, "title": "Refresh whole-staff training\r\non neglect"})
    assert changed.status_code == 302

    with django_capture_on_commit_callbacks(execute=True):
        action_overdue_reminders_send(today=date(2026, 11, 23))

    assert [m.subject for m in mailoutbox] == [
        "Action overdue: Refresh whole-staff training on neglect"
    ]


def test_an_agency_without_a_lead_has_its_overdue_actions_sent_to_the_business_team(
    demo, django_capture_on_commit_callbacks
):
    Action.objects.filter(title=TRAINING).update(owner_agency=demo.agency("Riverside Youth Trust"))

    action_overdue_reminders_send(today=date(2026, 11, 23))

    assert Notification.objects.get(kind="action_overdue").recipient.username == BUSINESS


def test_a_lead_whose_role_ends_later_this_month_is_still_reminded(
    demo, django_capture_on_commit_callbacks
):
    demo.user(DSL_SCHOOL).role_assignments.update(ended_on=timezone.localdate() + timedelta(days=7))

    action_overdue_reminders_send(today=date(2026, 11, 23))

    assert Notification.objects.get(kind="action_overdue").recipient.username == DSL_SCHOOL


def test_action_lists_run_a_bounded_number_of_queries(client, demo, django_assert_max_num_queries):
    agencies = AgencyFactory.create_batch(3)
    for agency in agencies:
        demo.riverside.memberships.create(agency=agency, role="relevant_agency")
    Action.objects.bulk_create(
        Action(
            partnership=demo.riverside,
            owner_agency=agencies[i % 3],
            title=f"Action {i}",
            due_on=date(2026, 1, 1) + timedelta(days=i),
        )
        for i in range(300)
    )
    sign_in(client, ADMIN)
    api = APIClient()
    sign_in(api, BUSINESS)

    with django_assert_max_num_queries(16):
        page = client.get("/partnerships/actions/")
    with django_assert_max_num_queries(8):
        listed = api.get("/api/v1/actions/")

    assert page.context["paginator"].count == 302
    assert len(listed.json()["results"]) == 50 and listed.json()["next"]


def test_a_long_action_list_is_counted_only_so_far_soonest_due_first(client, demo, monkeypatch):
    monkeypatch.setattr(BoundedCountPaginator, "ahead", 80)
    police = demo.agency("Midshire Police")
    Action.objects.bulk_create(
        Action(
            partnership=demo.riverside,
            owner_agency=police,
            title=f"Action {i}",
            due_on=date(2026, 1, 1) + timedelta(days=i),
            status=ActionStatus.COMPLETED if i % 2 else ActionStatus.IN_PROGRESS,
        )
        for i in range(150)
    )
    sign_in(client, BUSINESS)

    with CaptureQueriesContext(connection) as queries:
        first = client.get("/partnerships/actions/").content.decode()
    [count] = [
        q["sql"]
        for q in queries.captured_queries
        if "COUNT(*)" in q["sql"] and "partnerships_action" in q["sql"]
    ]
    last = client.get("/partnerships/actions/", {"page": 4}).content.decode()
    narrowed = client.get("/partnerships/actions/", {"status": "completed"})

    assert "More than 80 actions: use the filters to find one" in first
    assert "Page 1</span>" in first and "Page 1 of" not in first and 'rel="next"' in first
    # Counted no further than it says, in the order of the index that holds the list's order.
    assert "LIMIT 81" in count and 'ORDER BY "partnerships_action"."due_on" ASC' in count
    riversides = Action.objects.filter(partnership=demo.riverside)
    assert f"{riversides.count()} actions" in last and "Page 4 of 4" in last
    completed = riversides.filter(status=ActionStatus.COMPLETED).count()
    assert narrowed.context["paginator"].count == completed < 80  # under the bound: counted
    assert f"{completed} actions" in narrowed.content.decode()


def test_the_api_pages_through_actions_in_due_order_with_each_once(demo):
    school = demo.agency("St Anne's Primary School")
    police = demo.agency("Midshire Police")
    # Due dates out of creation order, and pairs due the same day, so order is by date then id.
    Action.objects.bulk_create(
        Action(
            partnership=demo.riverside,
            owner_agency=school if i % 3 == 0 else police,
            title=f"Action {i}",
            due_on=date(2026, 1, 1) + timedelta(days=(i * 37) % 60),
        )
        for i in range(120)
    )
    api = APIClient()

    def walk(persona):
        sign_in(api, persona)
        seen, url = [], "/api/v1/actions/"
        while url:
            body = api.get(url).json()
            seen += [(a["due_on"], a["id"]) for a in body["results"]]
            url = body["next"]
        return seen

    everything = walk(BUSINESS)
    assert len(everything) == Action.objects.filter(partnership=demo.riverside).count()
    assert everything == sorted(everything) and len(set(everything)) == len(everything)

    school_only = walk(DSL_SCHOOL)
    expected = Action.objects.filter(owner_agency=school).order_by("due_on", "pk")
    assert [pk for _, pk in school_only] == [a.pk for a in expected]
    assert len(school_only) == 41  # 40 made here and the demo's own training action


def test_the_action_list_tags_each_action_by_its_status_or_as_overdue(client, demo):
    school = demo.agency("St Anne's Primary School")
    future, past = timezone.localdate() + timedelta(days=30), date(2020, 1, 6)
    for title, status, due_on in [
        ("Waiting", "not_started", future),
        ("Started", "in_progress", future),
        ("Done", "completed", past),
        ("Dropped", "cancelled", past),
        ("Late", "in_progress", past),
    ]:
        Action.objects.create(
            partnership=demo.riverside,
            owner_agency=school,
            title=title,
            status=status,
            due_on=due_on,
        )
    sign_in(client, BUSINESS)
    page = client.get("/partnerships/actions/", {"owner_agency": "St Anne"}).content.decode()

    def tag_of(title):
        [tag] = tags(part_from(page, f">{title}</a>"))
        return tag

    assert tag_of("Waiting") == ("blue", "Not started")
    assert tag_of("Started") == ("light-blue", "In progress")
    assert tag_of("Done") == ("green", "Completed")
    assert tag_of("Dropped") == ("grey", "Cancelled")
    assert tag_of("Late") == ("red", "Overdue")


def test_the_action_list_filters_overdue_actions_and_says_any_when_left_alone(client, demo):
    school = demo.agency("St Anne's Primary School")
    for title, due_on in [("Late", date(2020, 1, 6)), ("In time", a_year_from_today())]:
        Action.objects.create(
            partnership=demo.riverside,
            owner_agency=school,
            title=title,
            status="in_progress",
            due_on=due_on,
        )
    sign_in(client, BUSINESS)

    unfiltered = client.get("/partnerships/actions/").content.decode()
    overdue = client.get("/partnerships/actions/", {"overdue": "true", "owner_agency": "St Anne"})
    either = client.get("/partnerships/actions/", {"overdue": "unknown", "owner_agency": "St Anne"})

    assert '<option value="" selected>Any</option>' in unfiltered  # partnership and status
    assert '<option value="unknown" selected>Any</option>' in unfiltered  # overdue
    assert "---------" not in unfiltered and "Unknown" not in unfiltered
    overdue_titles = {a.title for a in overdue.context["object_list"]}
    assert "Late" in overdue_titles and "In time" not in overdue_titles
    assert {"Late", "In time"} <= {a.title for a in either.context["object_list"]}


def source_named(page: str) -> str:
    row = part_from(page, "Comes from</dt>", "</dd>")
    return html.unescape(re.sub(r"<[^>]+>", "", row.removeprefix("Comes from</dt>"))).strip()


def test_the_action_page_names_where_it_comes_from_only_to_those_who_may_open_it(client, demo):
    """A scrutineer reads an action agreed at an audit's moderation, never the case's
    reference; an agency owning an action from a rapid review it cannot see is told its kind."""
    business = demo.user(BUSINESS)
    case = AuditCase.objects.filter(audit__partnership=demo.riverside).first()
    from_case = audit_case_action_add(
        case=case,
        by=business,
        owner_agency=demo.agency("St Anne's Primary School"),
        title="Strategy discussions recorded",
        due_on=a_year_from_today(),
    )
    review = RapidReviewFactory()
    from_review = recommendation_add(
        review=review,
        owner_agency=demo.agency("St Anne's Primary School"),
        recommendation="Escalate bruising in non-mobile babies.",
        title="Bruising protocol in school",
        due_on=a_year_from_today(),
        by=business,
    )
    comes_from = {}
    for persona in (BUSINESS, SCRUTINEER, DSL_SCHOOL):
        sign_in(client, persona)
        for action in (from_case, from_review):
            response = client.get(action.get_absolute_url())
            assert response.status_code == 200, (persona, action)
            comes_from[persona, action.title] = source_named(response.content.decode())

    sign_in(client, DSL_SCHOOL)
    assert client.get(review.get_absolute_url()).status_code == 404
    assert comes_from[BUSINESS, from_case.title] == str(case)
    assert comes_from[SCRUTINEER, from_case.title] == "Audit case"
    assert comes_from[BUSINESS, from_review.title] == str(review)
    assert comes_from[DSL_SCHOOL, from_review.title] == "Rapid review"
