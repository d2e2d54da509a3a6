"""Migration operations for the tables that hold millions of rows in a national deployment.

Each works on PostgreSQL without holding up writes to the table, so a deployment does not hold
up every reminder, access log entry or referral while it runs; elsewhere (SQLite, for
`make run`) it is Django's own operation. Their migrations set `atomic = False`, as PostgreSQL's
`CONCURRENTLY` requires.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db.migrations.operations import AddIndex, AlterField
from django.db.migrations.operations.base import Operation
from django.db.models import Index


def _on_postgresql(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


def _built_already(schema_editor, name: str) -> bool:
    """Whether a migration stopped part way (a deployment cut short) had already built the
    index `name`. A `CREATE INDEX CONCURRENTLY` stopped before it finished leaves its index
    behind marked invalid: no query uses it, every write still updates it, and it stands in
    the way of building it again, so it is dropped here to be built again."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT pg_index.indisvalid FROM pg_index
            JOIN pg_class ON pg_class.oid = pg_index.indexrelid
            WHERE pg_class.relname = %s AND pg_class.relnamespace = current_schema()::regnamespace
            """,
            [name],
        )
        found = cursor.fetchone()
    if found is None:
        return False
    if not found[0]:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY {schema_editor.quote_name(name)}")
        return False
    return True


class AddIndexWithoutBlockingWrites(AddIndexConcurrently):
    """Build an index with `CREATE INDEX CONCURRENTLY` on PostgreSQL."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if _on_postgresql(schema_editor):
            if not _built_already(schema_editor, self.index.name):
                super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if _on_postgresql(schema_editor):
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class DropForeignKeyIndexWithoutBlockingWrites(AlterField):
    """Turn a foreign key's own index off (`db_index=False`), for a key whose column leads a
    longer index that serves every lookup the key's own did.

    Django's AlterField would also drop the key's constraint and add it back, and adding it back
    checks every row while writes to the table wait. On PostgreSQL this only drops the index,
    with `DROP INDEX CONCURRENTLY`; going back builds it again the same way.
    """

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if not _on_postgresql(schema_editor):
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        model = from_state.apps.get_model(app_label, self.model_name)
        for name in self._own_index_names(schema_editor, model):
            schema_editor.remove_index(
                model, Index(fields=[self.name], name=name), concurrently=True
            )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if not _on_postgresql(schema_editor):
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        field = model._meta.get_field(self.name)
        name = schema_editor._create_index_name(model._meta.db_table, [field.column], suffix="")
        if not _built_already(schema_editor, name):
            schema_editor.execute(
                schema_editor._create_index_sql(model, fields=[field], name=name, concurrently=True)
            )

    def _own_index_names(self, schema_editor, model) -> list[str]:
        """The plain indexes on the key's column alone that `db_index=True` built, found as
        Django's AlterField finds them."""
        column = model._meta.get_field(self.name).column
        with schema_editor.connection.cursor() as cursor:
            constraints = schema_editor.connection.introspection.get_constraints(
                cursor, model._meta.db_table
            )
        declared = {index.name for index in model._meta.indexes}
        return [
            name
            for name, about in constraints.items()
            if about["index"]
            and not about["unique"]
            and not about["primary_key"]
            and about["columns"] == [column]
            and about["type"] == Index.suffix
            and name not in declared
        ]


def trigram_index_name(table: str, column: str) -> str:
    return f"{table}_{column}_trigram"


class AddTrigramSearchIndex(Operation):
    """Index a text column for Django's `icontains`, which it writes as
    `UPPER(column::text) LIKE UPPER('%word%')` and no B-tree can answer: a GIN index of the
    upper-cased text's trigrams (pg_trgm), built with `CREATE INDEX CONCURRENTLY`.

    PostgreSQL only, and so not among the model's indexes, which Django would also build on
    SQLite; there (for `make run`) a search reads the table as before.
    """

    reversible = True
    reduces_to_sql = False

    def __init__(self, model_name: str, field_name: str):
        self.model_name = model_name
        self.field_name = field_name

    def state_forwards(self, app_label, state):
        pass  # the index is the database's alone

    def _table_column_and_name(self, app_label, state) -> tuple[str, str, str]:
        model = state.apps.get_model(app_label, self.model_name)
        table = model._meta.db_table
        column = model._meta.get_field(self.field_name).column
        return table, column, trigram_index_name(table, column)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if not _on_postgresql(schema_editor):
            return
        table, column, name = self._table_column_and_name(app_label, to_state)
        quote = schema_editor.quote_name
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        if not _built_already(schema_editor, name):
            schema_editor.execute(
                f"CREATE INDEX CONCURRENTLY {quote(name)} ON {quote(table)} "
                f"USING gin (UPPER({quote(column)}::text) gin_trgm_ops)"
            )
        # The planner weighs an index on an expression by statistics only ANALYZE gathers.
        schema_editor.execute(f"ANALYZE {quote(table)}")

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if not _on_postgresql(schema_editor):
            return
        _, _, name = self._table_column_and_name(app_label, from_state)
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {schema_editor.quote_name(name)}")

    def describe(self):
        return f"Trigram index for searches of {self.model_name}.{self.field_name}"

    @property
    def migration_name_fragment(self):
        return f"{self.model_name}_{self.field_name}_trigram"
