"""The admin's lists of tables that grow with every year kept (`ListedAtScaleMixin`)."""

import math
import re

import pytest
from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models.constants import LOOKUP_SEP
from django.test.utils import CaptureQueriesContext

from audits.models import AuditReturn
from partnerships.models import Action, Agency
from referrals.admin import ReferralAdmin
from referrals.models import Referral
from referrals.services import information_sharing_record
from reviews.models import AgencyReturn
from safeguarding.admin import ListedAtScaleMixin
from safeguarding.migration_operations import trigram_index_name
from safeguarding.notifications import Message, notification_create
from safeguarding.pagination import BoundedCountPaginator
from tests.personas import (
    ADMIN,
    BUSINESS,
    DSL_SCHOOL,
    FRONT_DOOR_HILLFORD,
    PRACTITIONER_POLICE,
    sign_in,
)
from tests.referrals.factories import OpenEscalationFactory, SubmittedReferralFactory
from tests.reviews.factories import RapidReviewFactory, SubmittedRapidReviewFactory
from tests.support.pages import part_from

REFERRALS = "/admin/referrals/referral/"


@pytest.fixture
def three_referrals(demo):
    """From a health trust to Hillford, the police to Riverside, and a school to Hillford."""
    return {
        "health": SubmittedReferralFactory(),
        "police": SubmittedReferralFactory(
            referrer=demo.user(PRACTITIONER_POLICE),
            local_authority=Agency.objects.get(name="Riverside Council"),
        ),
        "school": SubmittedReferralFactory(referrer=demo.user(DSL_SCHOOL)),
    }


def test_the_admin_finds_referrals_by_the_names_of_who_sent_and_who_received_them(
    client, three_referrals, django_assert_max_num_queries
):
    sign_in(client, ADMIN)

    def found(term):
        page = client.get(REFERRALS, {"q": term}).content.decode()
        return {name for name, referral in three_referrals.items() if referral.reference in page}

    assert found("midshire") == {"police"}  # the referrer's agency
    assert found("practitioner.police") == {"police"}  # the referrer
    assert found("okafor") == {"police"}  # the referrer by name
    assert found("RIVERSIDE") == {"health", "police"}  # an agency's name, a front door's
    assert found("riverside police") == {"police"}  # each word matches something
    assert found("hillford anne") == {"school"}
    assert found("health community") == {"health"}
    assert found('"health community"') == set()  # a quoted phrase is matched whole
    assert found("nobody by that name") == set()
    school = three_referrals["school"]
    assert found(str(school.pk)) == found(school.reference) == {"school"}

    # A name is looked up once for the front door and the referrer's agency: two lookups a word.
    with django_assert_max_num_queries(12) as queries:
        client.get(REFERRALS, {"q": "riverside police"})
    # Referrals are read by the keys found, not joined to every agency and person, and counted
    # only so far, in no order (a list sorted by a column would sort them all to count).
    counts = [
        q["sql"]
        for q in queries
        if q["sql"].startswith("SELECT COUNT(*)") and '"referrals_referral"' in q["sql"]
    ]
    assert len(counts) == 1
    assert "JOIN" not in counts[0] and "ORDER BY" not in counts[0]
    assert "LIMIT 2001" in counts[0]


def sorts_offered(page: str) -> list[str]:
    return re.findall(r'<th scope="col" class="sortable column-(\w+)', page)


def test_a_list_at_scale_is_sorted_only_by_a_column_an_index_holds_in_order(client, demo):
    # Each list has rows, so its headers are drawn.
    RapidReviewFactory()  # with a return for each agency involved
    assert all(m.objects.exists() for m in (Action, AuditReturn, AgencyReturn))
    sign_in(client, ADMIN)

    def offered(url):
        return sorts_offered(client.get(url).content.decode())

    assert offered("/admin/partnerships/action/") == ["due_on"]
    assert offered("/admin/audits/auditreturn/") == []
    assert offered("/admin/reviews/agencyreturn/") == []


def test_the_admin_sorts_referrals_only_by_the_date_received(client, three_referrals):
    sign_in(client, ADMIN)

    page = client.get(REFERRALS).content.decode()

    assert sorts_offered(page) == ["received_at"]
    # A sort typed into the address by the referrer's agency is not followed: newest first.
    by_agency = client.get(REFERRALS, {"o": "3"}).content.decode()
    listed = sorted(three_referrals.values(), key=lambda r: by_agency.index(r.reference))
    assert listed == sorted(three_referrals.values(), key=lambda r: -r.pk)


def test_the_admin_finds_notifications_by_kind_or_stage_and_lists_neither_as_a_filter(
    client, demo, django_capture_on_commit_callbacks
):
    def record(kind, stage):
        with django_capture_on_commit_callbacks(execute=False):
            return notification_create(
                recipient=demo.user(BUSINESS),
                kind=kind,
                subject=demo.riverside,
                partnership_id=demo.riverside.pk,
                stage=stage,
                message=Message("A reminder"),
            )

    deadline = record("referral_deadline", "overdue")
    # Each email given up is told under a stage of its own: a filter would list every one.
    given_up = record("notification_given_up", "given_up_2026-12-07T10:00:00+00:00")
    sign_in(client, ADMIN)
    url = "/admin/safeguarding/notification/"

    def found(term):
        page = client.get(url, {"q": term}).content.decode()
        return {n.kind for n in (deadline, given_up) if f"{url}{n.pk}/change/" in page}

    assert found("referral_deadline") == {"referral_deadline"}
    assert found("given_up_2026-12-07") == {"notification_given_up"}
    recipient = demo.user(BUSINESS)
    assert (
        found(recipient.last_name)
        == found(recipient.email)
        == {"referral_deadline", "notification_given_up"}
    )
    filters = part_from(client.get(url).content.decode(), '<nav id="changelist-filter"', "</nav>")
    assert "referral_deadline" not in filters and "given_up_2026" not in filters


def lists_at_scale():
    return {
        model: model_admin
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, ListedAtScaleMixin)
    }


def list_url(model) -> str:
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/"


@pytest.fixture
def two_of_each(demo):
    """At least two rows in each list at scale, beside the demo's."""
    SubmittedRapidReviewFactory.create_batch(2)  # each starts a practice review
    OpenEscalationFactory.create_batch(2)
    for referral in SubmittedReferralFactory.create_batch(2):
        information_sharing_record(
            referral=referral,
            by=demo.user(FRONT_DOOR_HILLFORD),
            agency=demo.agency("Riverside Homes"),
            reason="Housing are rehousing the family.",
            lawful_basis="public_task",
        )


def test_every_list_at_scale_runs_the_same_queries_for_a_page_of_one_row_as_for_all(
    client, two_of_each, monkeypatch
):
    sign_in(client, ADMIN)

    for model, model_admin in lists_at_scale().items():
        rows = model._default_manager.count()
        assert rows >= 2, model
        queries = []
        for per_page in (1, rows):
            monkeypatch.setattr(model_admin, "list_per_page", per_page)
            with CaptureQueriesContext(connection) as made:
                page = client.get(list_url(model)).content.decode()
            assert part_from(page, "<tbody>", "</tbody>").count("<tr") == per_page, model
            queries.append(len(made))
        assert queries[0] == queries[1], (model, queries)


def test_no_list_at_scale_reads_its_whole_table_to_offer_its_filters(client, two_of_each):
    # A date drill-down lists the years by reading every row's date; a filter of all values
    # lists them by reading every row.
    sign_in(client, ADMIN)
    at_scale = lists_at_scale()
    assert len(at_scale) == 11

    for model in at_scale:
        url = list_url(model)
        assert model._default_manager.exists(), url  # a list with rows to filter
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        reads_all = f'FROM "{model._meta.db_table}"'
        assert not [
            q["sql"]
            for q in queries
            if q["sql"].startswith("SELECT DISTINCT") and reads_all in q["sql"]
        ], url
    escalations = client.get("/admin/referrals/escalation/").content.decode()
    assert 'href="?stage=2"' in part_from(escalations, '<nav id="changelist-filter"', "</nav>")


def searched_columns():
    """Each (model, field) whose text a list at scale searches, on its own table or a related."""
    for model, model_admin in lists_at_scale().items():
        for field in model_admin.search_fields:
            *path, name = field.split(LOOKUP_SEP)
            searched = model
            for step in path:
                searched = searched._meta.get_field(step).related_model
            yield searched, name


@pytest.mark.django_db
def test_every_text_an_admin_list_at_scale_searches_is_found_through_a_trigram_index(
    needs_services,
):
    searched = set(searched_columns())
    assert len(searched) == 14

    for model, name in searched:
        query = model._default_manager.filter(**{f"{name}__icontains": "fostering"})
        sql, params = query.values("pk").query.sql_with_params()
        with transaction.atomic(), connection.cursor() as cursor:
            # With so few rows the planner would read them all: made to choose among the
            # indexes, only one on this very expression can answer it.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        column = model._meta.get_field(name).column
        assert trigram_index_name(model._meta.db_table, column) in plan, (model, name, plan)


def test_the_admin_finds_agency_returns_by_their_incidents_reference(client, demo):
    wanted, other = RapidReviewFactory(), RapidReviewFactory()
    sign_in(client, ADMIN)

    page = client.get(
        "/admin/reviews/agencyreturn/", {"q": wanted.incident.reference}
    ).content.decode()

    for agency_return in AgencyReturn.objects.filter(rapid_review__in=[wanted, other]):
        listed = f"/admin/reviews/agencyreturn/{agency_return.pk}/change/" in page
        assert listed == (agency_return.rapid_review == wanted)


def test_a_long_admin_list_says_there_are_more_than_it_counted_and_counts_on_from_a_later_page(
    client, three_referrals, monkeypatch
):
    SubmittedReferralFactory.create_batch(4)
    monkeypatch.setattr(BoundedCountPaginator, "ahead", 3)
    monkeypatch.setattr(ReferralAdmin, "list_per_page", 2)
    total = Referral.objects.count()
    sign_in(client, ADMIN)

    first = client.get(REFERRALS).content.decode()

    pages = part_from(first, '<p class="paginator">', "</p>")
    assert "More than 3 referrals" in pages
    assert re.search(r'class="end">2</a>\s*…', pages)  # the pages go on past those counted
    assert "More than 3 results" in first
    assert "Select all referrals that match (more than 3)" in first
    assert f"Select all {total}" not in first

    last = client.get(REFERRALS, {"p": math.ceil(total / 2)}).content.decode()

    assert f"{total} referrals" in part_from(last, '<p class="paginator">', "</p>")
    assert "More than" not in last


def test_an_admin_list_at_scale_searches_only_through_foreign_keys(client, demo, monkeypatch):
    # A many-valued relation would repeat a referral for each child it matched.
    monkeypatch.setattr(ReferralAdmin, "search_fields", ["children__first_name"])
    sign_in(client, ADMIN)

    with pytest.raises(ImproperlyConfigured, match="children__first_name: not a foreign key"):
        client.get(REFERRALS, {"q": "Maya"})
