"""The schema's promises, read from PostgreSQL's catalogue of what migrations built."""

import re

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_filters.rest_framework import DjangoFilterBackend

from partnerships.models import DesignatedSafeguardingLead
from tests.budget_coverage import list_routes
from tests.support.routes import every_route, view_class_of

OUR_APPS = ("audits", "partnerships", "referrals", "reviews", "safeguarding")


def tables_whose_columns_we_declare() -> list[str]:
    """Our models' tables, object permissions among them, less the join tables Django makes for
    many-to-many fields."""
    return [
        model._meta.db_table
        for label in OUR_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=False)
    ]


# Each plain b-tree index over every row, with its key columns, their operator classes and
# their orders (an index on (x, y DESC) can serve an order that one on (x, y, z) cannot).
INDEXES = """
    SELECT
        pg_index.indrelid::regclass::text,
        index.relname,
        string_to_array(pg_index.indkey::text, ' ')::int[],
        string_to_array(pg_index.indclass::text, ' ')::oid[],
        string_to_array(pg_index.indoption::text, ' ')::int[],
        pg_index.indnkeyatts,
        pg_index.indisunique
    FROM pg_index
    JOIN pg_class AS index ON index.oid = pg_index.indexrelid
    JOIN pg_am ON pg_am.oid = index.relam
    WHERE pg_index.indrelid::regclass::text = ANY(%s)
        AND pg_am.amname = 'btree'
        AND pg_index.indpred IS NULL
        AND pg_index.indexprs IS NULL
"""


@pytest.mark.django_db
def test_no_index_is_the_leading_part_of_another_on_its_table(needs_services):
    """Every write to a table updates each of its indexes. One whose key columns begin another
    index's answers nothing the longer one cannot, so it only costs: with a million referrals,
    12 to 14 MB for each of the four the referrals table had, and four more index entries to
    write for each referral."""
    with connection.cursor() as cursor:
        cursor.execute(INDEXES, [tables_whose_columns_we_declare()])
        fields = ("table", "name", "columns", "classes", "orders", "keys", "unique")
        indexes = [dict(zip(fields, row, strict=True)) for row in cursor.fetchall()]

    def begins(shorter, longer) -> bool:
        keys = shorter["keys"]
        return (
            shorter["table"] == longer["table"]
            and shorter["name"] != longer["name"]
            and keys <= longer["keys"]
            and all(shorter[part][:keys] == longer[part][:keys] for part in fields[2:5])
        )

    redundant = sorted(
        f"{shorter['table']}: {shorter['name']} is the start of {longer['name']}"
        for shorter in indexes
        if not shorter["unique"]
        for longer in indexes
        if begins(shorter, longer)
    )
    assert redundant == []


def test_a_foreign_key_index_is_dropped_and_built_again_without_blocking_writes(
    django_db_setup, django_db_blocker, needs_services
):
    # Outside a test's transaction, as a deployment's migrate is: CONCURRENTLY refuses one.
    with django_db_blocker.unblock():
        with CaptureQueriesContext(connection) as back:
            call_command("migrate", "referrals", "0013", verbosity=0)
        with CaptureQueriesContext(connection) as forth:
            call_command("migrate", "referrals", verbosity=0)

    built = [query["sql"] for query in back if "CREATE INDEX" in query["sql"]]
    dropped = [query["sql"] for query in forth if "DROP INDEX" in query["sql"]]
    assert all("CONCURRENTLY" in sql for sql in built + dropped)

    def names(statements, pattern):
        return {re.search(pattern, sql).group(1) for sql in statements}

    assert names(built, r'INDEX CONCURRENTLY "(\w+)"') == names(dropped, r'EXISTS "(\w+)"')
    assert 'DROP INDEX CONCURRENTLY IF EXISTS "referrals_referral_referrer_id_c4bd6f93"' in dropped
    assert len(dropped) == 10  # eight keys of 0014, and the object permissions' two of 0015
    # Neither way touches a foreign key's constraint, which would be checked on every row.
    assert not [
        query
        for query in back.captured_queries + forth.captured_queries
        if "CONSTRAINT" in query["sql"]
    ]


def test_a_migration_stopped_part_way_carries_on_when_run_again(
    django_db_setup, django_db_blocker, needs_services
):
    """A deployment cut short while building the notifications' subject index leaves the
    migration unrecorded and the index built, or left invalid half-built; run again, it
    keeps the one and builds the other again, without blocking writes."""
    build = (
        "CREATE INDEX notification_subject ON safeguarding_notification "
        "(subject_type_id, subject_id, kind, stage)"
    )

    def subject_index_is_valid():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indisvalid FROM pg_index "
                "WHERE indexrelid = 'notification_subject'::regclass"
            )
            return cursor.fetchone()[0]

    with django_db_blocker.unblock():
        call_command("migrate", "safeguarding", "0005", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute(build)
            cursor.execute(
                "UPDATE pg_index SET indisvalid = false "
                "WHERE indexrelid = 'notification_subject'::regclass"
            )
        with CaptureQueriesContext(connection) as rebuilt:
            call_command("migrate", "safeguarding", verbosity=0)
        assert subject_index_is_valid() is True

        call_command("migrate", "safeguarding", "0005", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute(build)
        with CaptureQueriesContext(connection) as kept:
            call_command("migrate", "safeguarding", verbosity=0)
        assert subject_index_is_valid() is True

    statements = [query["sql"] for query in rebuilt if "INDEX" in query["sql"]]
    assert 'DROP INDEX CONCURRENTLY "notification_subject"' in statements
    assert any(
        sql.startswith('CREATE INDEX CONCURRENTLY "notification_subject"') for sql in statements
    )
    # Later migrations build indexes of their own: none of them may be this one again, built
    # concurrently or not.
    assert not [
        query
        for query in kept
        if query["sql"].startswith("CREATE INDEX") and "notification_subject" in query["sql"]
    ]


# Foreign keys left without an index of their own, on purpose, and why.
FOREIGN_KEYS_READ_ONLY_THROUGH_A_PARTIAL_INDEX = {
    # Read only for the few notifications given up (`notification_given_up`); an index over
    # every notification would be written with each of millions for the rare deletion of a
    # partnership, which scans them once.
    ("safeguarding_notification", "partnership_id"),
}


@pytest.mark.django_db
def test_every_foreign_key_leads_an_index_over_every_row(needs_services):
    """Deleting a row makes PostgreSQL and Django's collector look up what refers to it, and
    lists join and filter on these keys: without an index that leads with the key, each is a
    scan of the whole table. Removing an index that made another redundant (the test above)
    must not leave a key behind."""
    all_our_tables = [
        model._meta.db_table
        for label in OUR_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT constraint_.conrelid::regclass::text, attribute.attname
            FROM pg_constraint AS constraint_
            JOIN pg_attribute AS attribute
                ON attribute.attrelid = constraint_.conrelid
                AND attribute.attnum = constraint_.conkey[1]
            WHERE constraint_.contype = 'f'
                AND constraint_.conrelid::regclass::text = ANY(%s)
                AND NOT EXISTS (
                    SELECT 1 FROM pg_index
                    WHERE pg_index.indrelid = constraint_.conrelid
                        AND pg_index.indpred IS NULL
                        AND pg_index.indkey[0] = constraint_.conkey[1]
                )
            """,
            [all_our_tables],
        )
        unindexed = set(cursor.fetchall())

    assert unindexed == FOREIGN_KEYS_READ_ONLY_THROUGH_A_PARTIAL_INDEX


# A filter that calls a method names no column: the columns each method's lookup narrows by.
COLUMNS_FILTER_METHODS_NARROW_BY = {
    ("AuditFilterSet", "theme"): [("audits_audit", "theme")],
    ("ActionFilterSet", "overdue"): [("partnerships_action", "due_on")],
    ("ActionApiFilterSet", "overdue"): [("partnerships_action", "due_on")],
    ("RapidReviewFilterSet", "overdue"): [("reviews_rapidreview", "due_on")],
    ("ReferralFilterSet", "category"): [("referrals_referralcategory", "category")],
    ("ReferralApiFilterSet", "category"): [("referrals_referralcategory", "category")],
    ("AgencyApiFilterSet", "partnership"): [("partnerships_membership", "partnership_id")],
}

# Filters served by a scan of a small table, on purpose, and why.
FILTERS_WITHOUT_AN_INDEX = {
    # Most agencies are active, so PostgreSQL reads them all whatever the index; one for each
    # school, council, force and charity is tens of thousands nationally.
    ("AgencyFilterSet", "active"),
    # A match anywhere in a name, which no b-tree index serves; one lead for each school.
    ("DesignatedSafeguardingLeadFilterSet", "search"),
    # One of two or three values, so an index would not narrow the rows an agency or a
    # partnership sees: its own few hundred returns a year, or its scrutineer's few challenges.
    ("SelfAssessmentFilterSet", "status"),
    ("SelfAssessmentApiFilterSet", "status"),
    ("ScrutinyChallengeViewSet", "kind"),
}


def filtersets_of_the_lists():
    """Each filter set a list page or list endpoint offers, named as its class is, or as its
    view is where DRF makes it from the view's `filterset_fields`."""
    lists = list_routes()
    for _, pattern, name in every_route():
        if name not in lists:
            continue
        view_class = view_class_of(pattern.callback)
        if getattr(view_class, "filterset_class", None):
            yield view_class.filterset_class.__name__, view_class.filterset_class
        elif getattr(view_class, "filterset_fields", None):
            made = DjangoFilterBackend().get_filterset_class(view_class(), view_class.queryset)
            yield view_class.__name__, made


def column_filtered(model, field_name: str) -> tuple[str, str]:
    """The table and column a filter's path lands on: `agency__memberships__partnership` is
    the membership table's partnership_id, reached through the keys of the tables before it."""
    *through, last = field_name.split("__")
    for name in through:
        model = model._meta.get_field(name).related_model
    return model._meta.db_table, model._meta.get_field(last).column


def test_the_filter_columns_are_found_through_each_relation():
    assert column_filtered(DesignatedSafeguardingLead, "agency__memberships__partnership") == (
        "partnerships_membership",
        "partnership_id",
    )


@pytest.mark.django_db
def test_every_filter_a_list_offers_is_served_by_an_index(needs_services):
    """A filter on a column no index keys makes PostgreSQL read every row the person may see
    to find the few that match: the whole of a front door's million referrals. A column counts
    as served when it is a key of an index, or decides which rows a partial index holds."""
    with connection.cursor() as cursor:
        cursor.execute(
            r"""
            SELECT table_.relname, attribute.attname
            FROM pg_index
            JOIN pg_class AS table_ ON table_.oid = pg_index.indrelid
            JOIN pg_attribute AS attribute
                ON attribute.attrelid = pg_index.indrelid AND attribute.attnum > 0
            WHERE attribute.attnum = ANY(
                    (string_to_array(pg_index.indkey::text, ' ')::int[])[1:pg_index.indnkeyatts]
                )
                OR pg_get_expr(pg_index.indpred, pg_index.indrelid)
                    ~ ('\m' || attribute.attname || '\M')
            """
        )
        indexed = set(cursor.fetchall())

    offered, unlisted, unserved = set(), set(), set()
    for filterset_name, filterset in filtersets_of_the_lists():
        for name, filter_ in filterset.base_filters.items():
            key = (filterset_name, name)
            offered.add(key)
            if key in FILTERS_WITHOUT_AN_INDEX:
                continue
            if not filter_.method:
                columns = [column_filtered(filterset._meta.model, filter_.field_name)]
            elif key in COLUMNS_FILTER_METHODS_NARROW_BY:
                columns = COLUMNS_FILTER_METHODS_NARROW_BY[key]
            else:
                unlisted.add(key)
                continue
            unserved |= {(key, column) for column in columns if column not in indexed}

    assert not unlisted, "list the columns these filters' methods narrow by"
    assert not unserved
    # Each exception is still offered, so none outlives its filter.
    assert set(COLUMNS_FILTER_METHODS_NARROW_BY) | FILTERS_WITHOUT_AN_INDEX <= offered
