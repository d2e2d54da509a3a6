import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.urls import resolve

from partnerships.models import PublishedArrangement
from safeguarding.access_log import record_access
from safeguarding.models import AccessLogEntry, AppendOnlyError
from tests.personas import (
    ADMIN,
    ANONYMOUS,
    BUSINESS,
    OTHER_PARTNERSHIP,
    PRACTITIONER_HEALTH,
    SCRUTINEER,
    check_access,
    sign_in,
)


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


def test_the_access_log_filters_by_person_and_date(client, demo):
    read(demo.user(PRACTITIONER_HEALTH), [arrangement(demo.riverside)])
    read(demo.user(BUSINESS), [arrangement(demo.riverside)])
    sign_in(client, BUSINESS)
    practitioner = demo.user(PRACTITIONER_HEALTH)

    by_person = client.get("/access-log/", {"user": practitioner.pk})
    future = client.get("/access-log/", {"from_date": "2099-01-01"})

    assert [e.user for e in by_person.context["object_list"]] == [practitioner]
    assert list(future.context["object_list"]) == []


def test_the_access_log_page_runs_a_bounded_number_of_queries(
    client, demo, django_assert_max_num_queries
):
    read(demo.user(PRACTITIONER_HEALTH), [arrangement(demo.riverside)] * 200)
    sign_in(client, BUSINESS)

    with django_assert_max_num_queries(16):
        response = client.get("/access-log/")

    assert response.context["paginator"].count == 200
