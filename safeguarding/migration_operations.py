"""Migration operations for the tables that hold millions of rows in a national deployment.

Each works on PostgreSQL without holding up writes to the table, so a deployment does not hold
up every reminder, access log entry or referral while it runs; elsewhere (SQLite, for
`make run`) it is Django's own operation. Their migrations set `atomic = False`, as PostgreSQL's
`CONCURRENTLY` requires.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db.migrations.operations import AddIndex, AlterField
from django.db.models import Index


def _on_postgresql(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


def _drop_if_left_invalid(schema_editor, name: str) -> None:
    """A `CREATE INDEX CONCURRENTLY` that failed or was stopped (a deployment cut short) leaves
    its index behind marked invalid: no query uses it, every write still updates it, and it
    stands in the way of building it again. Drop it so that migrating again builds it."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT 1 FROM pg_index
            JOIN pg_class ON pg_class.oid = pg_index.indexrelid
            WHERE pg_class.relname = %s AND pg_class.relnamespace = current_schema()::regnamespace
                AND NOT pg_index.indisvalid
            """,
            [name],
        )
        left_invalid = cursor.fetchone() is not None
    if left_invalid:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY {schema_editor.quote_name(name)}")


class AddIndexWithoutBlockingWrites(AddIndexConcurrently):
    """Build an index with `CREATE INDEX CONCURRENTLY` on PostgreSQL."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if _on_postgresql(schema_editor):
            _drop_if_left_invalid(schema_editor, self.index.name)
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
        _drop_if_left_invalid(
            schema_editor,
            schema_editor._create_index_name(model._meta.db_table, [field.column], suffix=""),
        )
        schema_editor.execute(
            schema_editor._create_index_sql(model, fields=[field], concurrently=True)
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
