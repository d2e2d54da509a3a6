"""On PostgreSQL, refuse UPDATE and DELETE on the access log in the database itself.

TRUNCATE stays possible for the database owner (test databases are emptied that way).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION safeguarding_access_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER safeguarding_access_log_append_only
    BEFORE UPDATE OR DELETE ON safeguarding_accesslogentry
    FOR EACH ROW EXECUTE FUNCTION safeguarding_access_log_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS safeguarding_access_log_append_only ON safeguarding_accesslogentry;
DROP FUNCTION IF EXISTS safeguarding_access_log_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("safeguarding", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
