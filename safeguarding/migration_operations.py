"""Migration operations for the tables that hold millions of rows in a national deployment."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db.migrations.operations import AddIndex


class AddIndexWithoutBlockingWrites(AddIndexConcurrently):
    """Build an index while the table stays open to writes: `CREATE INDEX CONCURRENTLY` on
    PostgreSQL, so a deployment does not hold up every reminder, access log entry or referral
    for as long as a table of millions takes to index; a plain index elsewhere (SQLite, for
    `make run`). Its migration sets `atomic = False`, as PostgreSQL requires."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)
