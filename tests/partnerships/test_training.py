"""Multi-agency training: recorded by the business team, counted in the yearly report."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from partnerships import services
from partnerships.models import Action, TrainingEvent
from reviews.models import RapidReview
from tests.partnerships.factories import TrainingEventFactory
from tests.partnerships.test_agency_choices import SCHOOLS, join_schools
from tests.partnerships.test_yearly_report import START
from tests.personas import (
    ADMIN,
    ANONYMOUS,
    BUSINESS,
    LEAD_POLICE,
    OTHER_PARTNERSHIP,
    PRACTITIONER_POLICE,
    SCRUTINEER,
    check_access,
    sign_in,
)
from tests.support.dates import date_input
from tests.support.pages import folded_groups, part_from


def review_recommendation(demo) -> Action:
    """An action answering a recommendation of the demo rapid review."""
    review = RapidReview.objects.filter(partnership=demo.riverside).first()
    return Action.objects.create(
        partnership=demo.riverside,
        owner_agency=demo.agency("Riverside Council"),
        source_type=ContentType.objects.get_for_model(RapidReview),
        source_id=review.pk,
        recommendation="Train practitioners to recognise neglect early.",
        title="Neglect training for all front-line staff",
        due_on=date(2026, 3, 31),
    )


def record(demo, partnership=None, **kwargs):
    defaults = {"title": "Training", "theme": "neglect", "held_on": date(2025, 6, 1)}
    return services.training_event_record(
        partnership=partnership or demo.riverside,
        by=demo.user(BUSINESS),
        **{**defaults, **kwargs},
    )


def test_the_yearly_report_counts_the_training_of_its_period(client, demo):
    council, police, school = (
        demo.agency(name)
        for name in ("Riverside Council", "Midshire Police", "St Anne's Primary School")
    )
    record(
        demo,
        title="Neglect: the first signs",
        held_on=date(2025, 5, 10),
        attendees=30,
        attendance={council: 12, police: 8},
        evaluation_score=Decimal("4.0"),
        recommendation=review_recommendation(demo),
    )
    record(
        demo,
        title="Neglect in the early years",
        held_on=date(2025, 11, 20),
        attendance={council: 5, school: 7},  # no total: the agencies add up to 12
        evaluation_score=Decimal("5.0"),
    )
    record(
        demo,
        title="Domestic abuse and the unborn baby",
        held_on=date(2026, 3, 31),  # the period's last day
        theme="domestic_abuse",
        attendees=25,
    )
    # Outside the period or the partnership: not counted.
    record(demo, title="Before", held_on=date(2025, 3, 31), theme="exploitation", attendees=100)
    record(demo, title="After", held_on=date(2026, 4, 1), attendees=100)
    record(demo, partnership=demo.northgate, title="Northgate's", attendees=100)
    report = services.yearly_report_start(
        partnership=demo.riverside, period_start=START, by=demo.user(BUSINESS)
    )
    api = APIClient()
    sign_in(api, SCRUTINEER)

    body = api.get(f"/api/v1/yearly-reports/{report.pk}/").json()

    training = next(s for s in body["sections"] if s["key"] == "training")
    assert [(f["label"], f["value"]) for f in training["figures"]] == [
        ("Training events", 3),
        ("People attending", 30 + 12 + 25),
        ("Attending from Midshire Police", 8),
        ("Attending from Riverside Council", 12 + 5),
        ("Attending from St Anne's Primary School", 7),
        ("Attending, agency not recorded", 67 - (8 + 17 + 7)),
        ("Events on Neglect", 2),
        ("Events on Domestic abuse", 1),
        ("Events answering a review recommendation", 1),
        ("Events evaluated", 2),
        ("Average evaluation score", 4.5),
    ]
    assert training["items"] == [
        "10 May 2025: Neglect: the first signs (Neglect, 30 attending)",
        "20 November 2025: Neglect in the early years (Neglect, 12 attending)",
        "31 March 2026: Domestic abuse and the unborn baby (Domestic abuse, 25 attending)",
    ]
    sign_in(client, BUSINESS)
    page = client.get(report.get_absolute_url()).content.decode()
    assert "Attending, agency not recorded" in page and "4.5 out of 5" in page


def test_a_period_without_training_says_so_in_figures(demo):
    report = services.yearly_report_start(
        partnership=demo.riverside, period_start=date(2020, 4, 1), by=demo.user(BUSINESS)
    )
    api = APIClient()
    sign_in(api, BUSINESS)

    body = api.get(f"/api/v1/yearly-reports/{report.pk}/").json()

    training = next(s for s in body["sections"] if s["key"] == "training")
    figures = {f["label"]: f for f in training["figures"]}
    assert figures["Training events"]["value"] == 0
    assert figures["People attending"]["value"] == 0
    assert figures["Average evaluation score"] == {
        "label": "Average evaluation score",
        "value": None,
        "kind": "score",
        "display": "No figure",
    }
    assert training["items"] == []


def form_data(demo, **overrides):
    data = {
        "title": "Professional curiosity with adolescents",
        **date_input("held_on", "2026-10-01"),
        "theme": "professional_curiosity",
        "learning_from": "An escalation about a 15-year-old's repeated missing episodes.",
        "recommendation": "",
        "audience_agencies": [
            demo.agency("Midshire Police").pk,
            demo.agency("Riverside College").pk,
        ],
        "attendees": "",
        f"attending_{demo.agency('Midshire Police').pk}": "11",
        f"attending_{demo.agency('Riverside College').pk}": "4",
        "evaluation_score": "4.2",
    }
    return {**data, **overrides}


def test_the_business_team_records_training_with_attendance_by_agency(client, demo):
    recommendation = review_recommendation(demo)
    sign_in(client, BUSINESS)
    action_page = client.get(recommendation.get_absolute_url()).content.decode()
    new = re.search(
        r'<a class="govuk-link" href="([^"]+)">Record training that answers this recommendation',
        action_page,
    ).group(1)
    assert new == (
        reverse("partnerships:training-create", args=[demo.riverside.pk])
        + f"?recommendation={recommendation.pk}"
    )
    page = client.get(new).content.decode()
    assert "Attendees by agency" in page
    assert "Yes: Train practitioners to recognise neglect early. (Riverside Council)" in page

    response = client.post(new, form_data(demo, recommendation=recommendation.pk))

    event = TrainingEvent.objects.get(title="Professional curiosity with adolescents")
    assert response.status_code == 302 and response.url == event.get_absolute_url()
    assert event.partnership == demo.riverside and event.created_by == demo.user(BUSINESS)
    assert event.attendees == 15  # no total given: the agencies' numbers added up
    assert {(a.agency.name, a.attendees) for a in event.attendance.all()} == {
        ("Midshire Police", 11),
        ("Riverside College", 4),
    }
    assert set(event.audience_agencies.values_list("name", flat=True)) == {
        "Midshire Police",
        "Riverside College",
    }
    assert event.recommendation == recommendation
    assert event.evaluation_score == Decimal("4.2")
    detail = client.get(event.get_absolute_url()).content.decode()
    assert "Riverside College" in detail and "4.2 out of 5" in detail
    listing = client.get(reverse("partnerships:training-list")).content.decode()
    assert "Professional curiosity with adolescents" in listing


def test_the_business_team_corrects_training(client, demo):
    event = record(demo, attendees=10, attendance={demo.agency("Midshire Police"): 4})
    sign_in(client, BUSINESS)
    change = reverse("partnerships:training-change", args=[event.pk])
    form = client.get(change)
    police_field = f"attending_{demo.agency('Midshire Police').pk}"
    assert form.context["form"][police_field].value() == 4

    response = client.post(change, form_data(demo, attendees="20", evaluation_score=""))

    assert response.status_code == 302
    event.refresh_from_db()
    assert event.title == "Professional curiosity with adolescents" and event.attendees == 20
    assert event.evaluation_score is None
    assert {(a.agency.name, a.attendees) for a in event.attendance.all()} == {
        ("Midshire Police", 11),
        ("Riverside College", 4),
    }
    assert event.history.count() == 2


def test_training_is_linked_only_to_a_review_recommendation_of_its_partnership(client, demo):
    northgate = Action.objects.create(
        partnership=demo.northgate,
        owner_agency=demo.agency("Northgate Council"),
        source_type=ContentType.objects.get_for_model(RapidReview),
        source_id=1,
        recommendation="Northgate's own recommendation",
        title="Northgate's action",
        due_on=date(2026, 1, 1),
    )
    not_from_a_review = Action.objects.create(
        partnership=demo.riverside,
        owner_agency=demo.agency("Riverside Council"),
        title="Refresh the escalation policy",
        due_on=date(2026, 1, 1),
    )
    sign_in(client, BUSINESS)
    new = reverse("partnerships:training-create", args=[demo.riverside.pk])
    for offered in (northgate.pk, not_from_a_review.pk, "", "abc", "1²", "9" * 30):
        page = client.get(f"{new}?recommendation={offered}").content.decode()
        assert "Does it answer this review recommendation?" not in page
        assert "record it from the recommendation's page" in page
        assert "Northgate&#x27;s own recommendation" not in page

    # Posted without being offered, a recommendation is not linked.
    posted = form_data(demo, recommendation=northgate.pk)
    client.post(f"{new}?recommendation={northgate.pk}", posted)
    recorded = TrainingEvent.objects.get(title="Professional curiosity with adolescents")
    assert recorded.recommendation is None
    # Only a review's recommendation offers training, and only to its partnership's business team.
    recommendation = review_recommendation(demo)
    link = "Record training that answers this recommendation"
    assert link not in client.get(not_from_a_review.get_absolute_url()).content.decode()
    pages = check_access(
        client,
        recommendation.get_absolute_url(),
        {BUSINESS: 200, LEAD_POLICE: 200, SCRUTINEER: 200, OTHER_PARTNERSHIP: 404},
    )
    assert link in pages[BUSINESS].content.decode()
    assert link not in pages[LEAD_POLICE].content.decode()
    assert link not in pages[SCRUTINEER].content.decode()


def test_changing_training_keeps_or_unlinks_its_recommendation(client, demo):
    recommendation = review_recommendation(demo)
    event = record(demo, attendees=5, recommendation=recommendation)
    sign_in(client, BUSINESS)
    change = reverse("partnerships:training-change", args=[event.pk])
    page = client.get(change).content.decode()
    assert re.search(rf'value="{recommendation.pk}"\s+checked', page)

    client.post(change, form_data(demo, recommendation=recommendation.pk))
    event.refresh_from_db()
    assert event.recommendation == recommendation
    client.post(change, form_data(demo, recommendation=""))
    event.refresh_from_db()
    assert event.recommendation is None
    assert "Does it answer this review recommendation?" not in client.get(change).content.decode()


def test_a_large_partnership_gives_attendance_by_sector_with_the_schools_folded(
    client, demo, django_assert_max_num_queries
):
    schools = join_schools(demo)
    sign_in(client, BUSINESS)
    new = reverse("partnerships:training-create", args=[demo.riverside.pk])
    with django_assert_max_num_queries(12):
        page = client.get(new).content.decode()
    attendance = part_from(page, "Attendees by agency (optional)</legend>", "</fieldset>")
    assert folded_groups(attendance) == {f"School ({SCHOOLS + 1})": False}
    assert attendance.count('inputmode="numeric"') == demo.riverside.memberships.count()

    school = f"attending_{schools[3].pk}"
    invalid = client.post(new, form_data(demo, title="", **{school: "6"})).content.decode()
    assert "Give the training a title" in invalid
    attendance = part_from(invalid, "Attendees by agency (optional)</legend>", "</fieldset>")
    assert folded_groups(attendance) == {f"School ({SCHOOLS + 1}, 1 given)": True}
    assert f'name="{school}" type="text" inputmode="numeric" value="6"' in attendance

    wrong = client.post(new, form_data(demo, **{school: "six"})).content.decode()
    attendance = part_from(wrong, "Attendees by agency (optional)</legend>", "</fieldset>")
    assert folded_groups(attendance) == {f"School ({SCHOOLS + 1}, 1 given)": True}
    assert f'aria-describedby="id_{school}-error"' in attendance
    assert "Enter a whole number" in attendance


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"title": " "}, "Give the training a title"),
        (date_input("held_on", None), "Enter date the training was held"),
        (date_input("held_on", "2026-October-1"), "training was held must be a real date"),
        ({"theme": ""}, "Choose the learning theme"),
        ({"attendees": "10"}, "add up to 15, more than the 10 in total"),
        ({"attendees": "-1"}, "greater than or equal to 0"),
        ({"evaluation_score": "6"}, "less than or equal to 5"),
        ({"evaluation_score": "0.5"}, "greater than or equal to 1"),
        (
            {
                "attendees": "",
                "attending_%(police)s": "",
                "attending_%(college)s": "",
            },
            "Give the number who attended, in total or by agency",
        ),
    ],
)
def test_a_training_form_with_mistakes_says_what_is_wrong(client, demo, overrides, message):
    ids = {
        "police": demo.agency("Midshire Police").pk,
        "college": demo.agency("Riverside College").pk,
    }
    overrides = {key % ids: value for key, value in overrides.items()}
    before = TrainingEvent.objects.count()
    sign_in(client, BUSINESS)

    response = client.post(
        reverse("partnerships:training-create", args=[demo.riverside.pk]),
        form_data(demo, **overrides),
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and message in page
    assert TrainingEvent.objects.count() == before


def test_training_cannot_be_recorded_before_it_happens_or_for_outsiders(demo):
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(Exception) as future:
        record(demo, held_on=tomorrow, attendees=3)
    assert "cannot be in the future" in str(future.value)
    with pytest.raises(Exception) as outsider:
        record(demo, attendees=3, audience_agencies=[demo.agency("Northgate Academy")])
    assert "audience_agencies" in str(outsider.value)
    with pytest.raises(Exception) as outsider_attending:
        record(demo, attendance={demo.agency("Northgate Academy"): 3})
    assert "attendance" in str(outsider_attending.value)
    northgate_action = Action.objects.create(
        partnership=demo.northgate,
        owner_agency=demo.agency("Northgate Council"),
        title="Not Riverside's",
        due_on=date(2026, 1, 1),
    )
    with pytest.raises(Exception) as foreign:
        record(demo, attendees=3, recommendation=northgate_action)
    assert "recommendation" in str(foreign.value)


def test_a_signed_off_report_fixes_the_training_it_counts(client, demo):
    counted = record(demo, held_on=date(2025, 6, 1), attendees=10)
    report = services.yearly_report_start(
        partnership=demo.riverside, period_start=START, by=demo.user(BUSINESS)
    )
    services.yearly_report_sign_off(report=report, by=demo.user(LEAD_POLICE))
    sign_in(client, BUSINESS)

    added = client.post(
        reverse("partnerships:training-create", args=[demo.riverside.pk]),
        form_data(demo, **date_input("held_on", "2026-01-10")),
    )
    changed = client.post(
        reverse("partnerships:training-change", args=[counted.pk]),
        form_data(demo, **date_input("held_on", "2026-06-10")),
    )

    assert "its training figures are fixed" in added.content.decode()
    assert "can no longer change" in changed.content.decode()
    counted.refresh_from_db()
    assert counted.attendees == 10 and counted.held_on == date(2025, 6, 1)
    # Outside the report's period, training is recorded as usual.
    later = client.post(
        reverse("partnerships:training-create", args=[demo.riverside.pk]),
        form_data(demo, **date_input("held_on", "2026-06-10")),
    )
    assert later.status_code == 302


def test_who_sees_and_records_training(client, demo):
    event = record(demo, attendees=12)
    check_access(
        client,
        reverse("partnerships:training-list"),
        {BUSINESS: 200, SCRUTINEER: 200, LEAD_POLICE: 200, OTHER_PARTNERSHIP: 200, ANONYMOUS: 302},
    )
    check_access(
        client,
        event.get_absolute_url(),
        {
            BUSINESS: 200,
            SCRUTINEER: 200,
            LEAD_POLICE: 200,
            PRACTITIONER_POLICE: 404,
            OTHER_PARTNERSHIP: 404,
            ANONYMOUS: 302,
        },
    )
    new = reverse("partnerships:training-create", args=[demo.riverside.pk])
    change = reverse("partnerships:training-change", args=[event.pk])
    for method in ("get", "post"):
        check_access(
            client,
            new,
            {
                BUSINESS: 200 if method == "get" else 302,
                SCRUTINEER: 403,
                LEAD_POLICE: 403,
                PRACTITIONER_POLICE: 403,
                OTHER_PARTNERSHIP: 404,
                ANONYMOUS: 302,
            },
            method=method,
            data=form_data(demo, title="From " + method) if method == "post" else None,
        )
        check_access(
            client,
            change,
            {
                SCRUTINEER: 403,
                LEAD_POLICE: 403,
                PRACTITIONER_POLICE: 404,
                OTHER_PARTNERSHIP: 404,
                ANONYMOUS: 302,
            },
            method=method,
            data=form_data(demo, title="Changed") if method == "post" else None,
        )
    assert TrainingEvent.objects.filter(title="From post").count() == 1  # the business team's
    event.refresh_from_db()
    assert event.title == "Training"
    other = check_access(
        client, reverse("partnerships:training-list"), {OTHER_PARTNERSHIP: 200, SCRUTINEER: 200}
    )
    assert "Recognising neglect" not in other[OTHER_PARTNERSHIP].content.decode()
    assert "Recognising neglect" in other[SCRUTINEER].content.decode()  # the demo's training
    assert "Record training" not in other[SCRUTINEER].content.decode()


def test_the_training_list_reads_a_bounded_number_of_queries(
    client, demo, django_assert_max_num_queries
):
    TrainingEventFactory.create_batch(60, partnership=demo.riverside)
    sign_in(client, BUSINESS)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("partnerships:training-list"))

    assert response.status_code == 200 and len(response.context["object_list"]) == 50


def test_the_admin_records_training_with_attendance(client, demo):
    event = TrainingEventFactory(
        partnership=demo.riverside, attending={demo.agency("Midshire Police"): 5}
    )
    base = "/admin/partnerships/trainingevent/"
    check_access(client, base, {ADMIN: 200, BUSINESS: 302})
    check_access(client, f"{base}?q=Training+session", {ADMIN: 200})
    check_access(client, f"{base}add/", {ADMIN: 200})
    page = check_access(client, f"{base}{event.pk}/change/", {ADMIN: 200})
    assert "Midshire Police" in page[ADMIN].content.decode()
    check_access(client, f"{base}{event.pk}/history/", {ADMIN: 200})


def test_submitting_training_twice_records_it_once(client, demo):
    sign_in(client, BUSINESS)
    url = reverse("partnerships:training-create", args=[demo.riverside.pk])

    first = client.post(url, form_data(demo))
    second = client.post(url, form_data(demo), follow=True)

    event = TrainingEvent.objects.get(title="Professional curiosity with adolescents")
    assert first.url == event.get_absolute_url()
    assert second.redirect_chain[-1][0] == event.get_absolute_url()
    assert "was recorded a moment ago" in second.content.decode()
    assert event.attendees == 15
