from datetime import date, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import resolve

from partnerships.models import PublishedArrangement
from referrals.models import ReferralChild
from safeguarding.access_log import identifying_content_types, record_access
from safeguarding.models import AccessLogEntry, AppendOnlyError
from tests.personas import (
    ADMIN,
    ANONYMOUS,
    BUSINESS,
    OTHER_PARTNERSHIP,
    PRACTITIONER_HEALTH,
    PRACTITIONER_POLICE,
    SCRUTINEER,
    check_access,
    sign_in,
)
from tests.support.dates import box_values, date_input
from tests.support.pages import assert_error_summary_links_land, error_summary_links


def arrangement(partnership):
    """A stand-in for a record holding a child's details: any record of a partnership will do."""
    return PublishedArrangement.objects.get(partnership=partnership)


def read(user, records, path="/api/v1/partnerships/"):
    request = RequestFactory().get(path)
    request.user = user
    request.resolver_match = resolve(path)
    return record_access(request, records)


def test_each_read_is_recorded_with_who_what_when_and_where(demo):
    reader = demo.user(PRACTITIONER_HEALTH)

    record = arrangement(demo.riverside)

    assert read(reader, [record, arrangement(demo.northgate)]) == 2

    entry = AccessLogEntry.objects.filter(partnership=demo.riverside).get()
    assert entry.user == reader
    assert entry.agency == reader.agency
    assert entry.content_type == ContentType.objects.get_for_model(PublishedArrangement)
    assert entry.object_id == record.pk
    assert entry.channel == "api"
    assert entry.route == "partnership-list"
    assert entry.path == "/api/v1/partnerships/"
    assert entry.record == f"Published arrangement {record.pk}"


def test_many_reads_are_recorded_in_a_few_queries(demo, django_assert_max_num_queries):
    records = list(PublishedArrangement.objects.all()) * 50

    with django_assert_max_num_queries(3):  # batched inserts, never one per record
        read(demo.user(BUSINESS), records)

    assert AccessLogEntry.objects.count() == 100


def test_the_application_refuses_to_change_or_delete_an_entry(demo):
    read(demo.user(BUSINESS), [arrangement(demo.riverside)])
    entry = AccessLogEntry.objects.get()

    entry.record = "something else"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


def test_the_database_refuses_to_change_or_delete_an_entry(demo, needs_services):
    read(demo.user(BUSINESS), [arrangement(demo.riverside)])

    for statement in (
        "UPDATE safeguarding_accesslogentry SET record = 'x'",
        "DELETE FROM safeguarding_accesslogentry",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            connection.cursor().execute(statement)

    assert AccessLogEntry.objects.get().record.startswith("Published arrangement")


def test_the_access_log_page_is_for_the_business_team_and_admins(client, demo):
    read(demo.user(PRACTITIONER_HEALTH), [arrangement(demo.riverside)])
    read(demo.user(OTHER_PARTNERSHIP), [arrangement(demo.northgate)])

    responses = check_access(
        client,
        "/access-log/",
        {
            BUSINESS: 200,
            OTHER_PARTNERSHIP: 200,
            ADMIN: 200,
            SCRUTINEER: 403,
            PRACTITIONER_HEALTH: 403,
            ANONYMOUS: 302,
        },
    )

    riverside = responses[BUSINESS].context["object_list"]
    assert [e.user.username for e in riverside] == [PRACTITIONER_HEALTH]
    assert [e.user.username for e in responses[OTHER_PARTNERSHIP].context["object_list"]] == [
        OTHER_PARTNERSHIP
    ]
    assert len(responses[ADMIN].context["object_list"]) == 2


def test_the_access_log_filters_by_person_agency_and_record(client, demo):
    police = demo.user(PRACTITIONER_POLICE)
    read(demo.user(PRACTITIONER_HEALTH), [arrangement(demo.riverside)])
    read(police, [arrangement(demo.riverside)])
    read(demo.user(BUSINESS), [arrangement(demo.riverside)])
    sign_in(client, BUSINESS)

    def readers(**query):
        response = client.get("/access-log/", query)
        assert response.status_code == 200
        return sorted(e.user.username for e in response.context["object_list"])

    assert readers(person="practitioner") == [PRACTITIONER_HEALTH, PRACTITIONER_POLICE]
    assert readers(person=f"{police.first_name} {police.last_name}".upper()) == [
        PRACTITIONER_POLICE
    ]
    assert readers(person=police.email) == [PRACTITIONER_POLICE]
    assert readers(person="nobody of that name") == []
    police.last_name = "Quartermain"
    police.save()
    assert readers(person="quarterm") == [PRACTITIONER_POLICE]
    assert readers(agency="midshire") == [PRACTITIONER_POLICE]
    assert readers(agency="Riverside Council") == [BUSINESS]
    assert readers(object_id=arrangement(demo.northgate).pk) == []
    assert len(readers(object_id=arrangement(demo.riverside).pk, channel="api")) == 3
    assert readers(channel="admin") == []


def test_the_access_log_offers_and_filters_by_the_record_types_that_name_a_child(client, demo):
    read(demo.user(PRACTITIONER_HEALTH), [arrangement(demo.riverside)])
    child = ContentType.objects.get_for_model(ReferralChild)
    AccessLogEntry.objects.create(
        user=demo.user(PRACTITIONER_POLICE),
        partnership=demo.riverside,
        content_type=child,
        object_id=1,
        record="Child 1 on referral R-000001",
        channel="page",
    )
    sign_in(client, BUSINESS)

    offered = client.get("/access-log/").context["filter_form"].fields["content_type"].choices
    children = client.get("/access-log/", {"content_type": child.pk})
    unknown = client.get("/access-log/", {"content_type": 10**9})

    assert [label for key, label in offered if key] == [
        str(content_type)
        for content_type in sorted(identifying_content_types(), key=lambda type_: type_.pk)
    ]
    assert str(child) in dict(offered).values()
    assert [e.record for e in children.context["object_list"]] == ["Child 1 on referral R-000001"]
    assert unknown.context["filter_form"].errors["content_type"]


JULY_AS_BOXES = {
    **date_input("from_date", date(2026, 7, 1)),
    **date_input("to_date", date(2026, 7, 31)),
}
# As links and bookmarks from before the day, month and year boxes write it.
JULY_AS_TEXT = {"from_date": "2026-07-01", "to_date": "2026-07-31"}


@pytest.mark.parametrize("july", [JULY_AS_BOXES, JULY_AS_TEXT], ids=["boxes", "iso-text"])
def test_the_access_log_filters_whole_days_in_uk_time(client, demo, july):
    london = ZoneInfo("Europe/London")
    reader = demo.user(PRACTITIONER_HEALTH)
    for moment in (
        datetime(2026, 6, 30, 23, 59, tzinfo=london),  # the evening before, in summer time
        datetime(2026, 7, 1, 0, 30, tzinfo=london),  # still 30 June in UTC
        datetime(2026, 7, 31, 23, 30, tzinfo=london),
        datetime(2026, 8, 1, 0, 0, tzinfo=london),
    ):
        with time_machine.travel(moment, tick=False):
            read(reader, [arrangement(demo.riverside)])
    sign_in(client, BUSINESS)

    in_july = client.get("/access-log/", july)
    future = client.get("/access-log/", date_input("from_date", date(2099, 1, 1)))

    assert [
        e.at.astimezone(london).strftime("%d %H:%M") for e in in_july.context["object_list"]
    ] == ["31 23:30", "01 00:30"]
    assert box_values(in_july.content.decode(), "from_date") == ["1", "7", "2026"]
    assert list(future.context["object_list"]) == []


def test_a_wrong_day_in_the_access_log_filter_is_explained_on_the_page(client, demo):
    read(demo.user(PRACTITIONER_HEALTH), [arrangement(demo.riverside)])
    sign_in(client, BUSINESS)

    wrong = client.get(
        "/access-log/",
        {**date_input("from_date", "2026-13-01"), **date_input("to_date", "2026-02-31")},
    )
    half = client.get("/access-log/", {"from_date_0": "1", "from_date_2": "2026"})
    text = client.get("/access-log/", {"from_date": "2026-02-31"})

    assert wrong.status_code == half.status_code == text.status_code == 200
    page = wrong.content.decode()
    assert "There is a problem" in page
    assert error_summary_links(page) == ["#id_from_date_1", "#id_to_date_0"]
    assert_error_summary_links_land(page)
    assert page.count("The first day must be a real date") == 2  # in the summary and by the boxes
    assert page.count("The last day must be a real date") == 2
    assert box_values(page, "from_date") == ["01", "13", "2026"]
    assert "The first day must include a month" in half.content.decode()
    assert "The first day must be a real date" in text.content.decode()
    assert box_values(text.content.decode(), "from_date") == ["31", "02", "2026"]


def test_the_access_log_takes_the_first_and_last_days_of_the_calendar(client, demo):
    read(demo.user(PRACTITIONER_HEALTH), [arrangement(demo.riverside)])
    sign_in(client, BUSINESS)

    everything = client.get("/access-log/", {"from_date": "0001-01-01", "to_date": "9999-12-31"})
    last_day = client.get("/access-log/", {"from_date": "9999-12-31", "to_date": "9999-12-31"})

    assert everything.status_code == 200
    assert len(everything.context["object_list"]) == 1
    assert last_day.status_code == 200
    assert list(last_day.context["object_list"]) == []


def newest_first(entries):
    return sorted(entries, key=lambda e: (e.at, e.pk), reverse=True)


def test_the_access_log_is_read_a_page_at_a_time_newest_first_without_counting(client, demo):
    read(demo.user(PRACTITIONER_HEALTH), [arrangement(demo.riverside)] * 120)
    read(demo.user(OTHER_PARTNERSHIP), [arrangement(demo.northgate)] * 5)
    expected = newest_first(AccessLogEntry.objects.filter(partnership=demo.riverside))
    sign_in(client, BUSINESS)

    # Each page's links carry the days chosen.
    pages, url = [], f"/access-log/?{urlencode(date_input('from_date', date(2026, 1, 1)))}"
    while url:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert not [q for q in queries if "accesslogentry" in q["sql"] and "COUNT(" in q["sql"]]
        page = response.context["page_obj"]
        pages.append(list(page.object_list))
        url = page.next_url
        assert url is None or "from_date_0=1&from_date_1=1&from_date_2=2026" in url
    body = response.content.decode()

    assert [len(p) for p in pages] == [50, 50, 20]
    assert [e for p in pages for e in p] == expected
    assert "Newer entries" in body and "Older entries" not in body
    newer = client.get(response.context["page_obj"].previous_url).context["page_obj"]
    assert list(newer.object_list) == expected[50:100]
    assert box_values(body, "from_date") == ["1", "1", "2026"]


def test_a_tampered_access_log_position_is_not_found(client, demo):
    sign_in(client, BUSINESS)

    assert client.get("/access-log/", {"cursor": "not-a-position"}).status_code == 404


@pytest.mark.parametrize("entries", [3, 300])
def test_the_access_log_page_runs_a_bounded_number_of_queries(
    client, demo, django_assert_max_num_queries, entries
):
    read(demo.user(PRACTITIONER_HEALTH), [arrangement(demo.riverside)] * entries)
    sign_in(client, BUSINESS)

    with django_assert_max_num_queries(13):
        response = client.get("/access-log/", {"person": "practitioner", "agency": "NHS"})

    assert len(response.context["object_list"]) == min(entries, 50)


def test_the_admins_list_of_the_log_is_the_access_log_page(client, demo):
    read(demo.user(PRACTITIONER_POLICE), [arrangement(demo.riverside)])
    entry = AccessLogEntry.objects.get()

    responses = check_access(
        client, "/admin/safeguarding/accesslogentry/", {ADMIN: 302, BUSINESS: 302}
    )
    one_entry = check_access(
        client, f"/admin/safeguarding/accesslogentry/{entry.pk}/change/", {ADMIN: 200}
    )

    assert responses[ADMIN].url == "/access-log/"
    assert responses[BUSINESS].url.startswith("/admin/login/")
    assert entry.user.get_full_name() in one_entry[ADMIN].content.decode()
