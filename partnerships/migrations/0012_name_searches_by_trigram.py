"""Indexes for the filters that find agencies and people by part of a name.

Django writes `name__icontains` as `UPPER(name) LIKE UPPER('%...%')`, which no B-tree can answer:
each search read every person in the country (12.7 ms for 9,905 people, growing with them). A
trigram index on the upper-cased column answers it. PostgreSQL only; SQLite, for `make run`,
reads the table as before.
"""

from django.db import migrations

SEARCHED = [
    ("partnerships_user", "first_name"),
    ("partnerships_user", "last_name"),
    ("partnerships_user", "username"),
    ("partnerships_user", "email"),
    ("partnerships_agency", "name"),
]


def index_name(table, column):
    return f"{table}_{column}_trigram"


def add_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, column in SEARCHED:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{index_name(table, column)}" ON "{table}" '
            f'USING gin (UPPER("{column}"::text) gin_trgm_ops)'
        )
    # The planner weighs an index on an expression by statistics only ANALYZE gathers, and these
    # tables change too little for autovacuum to gather them soon.
    for table in sorted({table for table, _ in SEARCHED}):
        schema_editor.execute(f'ANALYZE "{table}"')


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in SEARCHED:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{index_name(table, column)}"')


class Migration(migrations.Migration):
    dependencies = [("partnerships", "0011_action_index_holds_owner")]

    operations = [migrations.RunPython(add_trigram_indexes, drop_trigram_indexes)]
