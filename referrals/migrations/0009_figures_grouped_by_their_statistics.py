"""PostgreSQL learns how many groups the indicators' referral pass makes.

The pass groups a period's referrals by quarter (an expression of the time received, in the
site's time zone), referring agency and decision. PostgreSQL keeps no statistics for an
expression, so it expected a group a row (54,000 for the largest partnership's year, where there
are 240) and sorted them all to group them. With these statistics, which ANALYZE fills, it
expects a few thousand and hashes them (docs/performance.md, the fifteenth change). The
expression must be the one the query groups by, in the same time zone; statistics are a hint
to the planner, so a mismatch would cost time, never a wrong figure.
"""

from django.conf import settings
from django.db import migrations

STATISTICS = "referral_figures_groups"


def create_statistics(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quarter = f"date_trunc('quarter', received_at AT TIME ZONE '{settings.TIME_ZONE}')"
    schema_editor.execute(
        f"CREATE STATISTICS IF NOT EXISTS {STATISTICS} (ndistinct) "
        f"ON ({quarter}), referrer_agency_id, decision FROM referrals_referral"
    )
    schema_editor.execute("ANALYZE referrals_referral")


def drop_statistics(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")


class Migration(migrations.Migration):
    dependencies = [("referrals", "0008_figures_read_from_one_index")]

    operations = [migrations.RunPython(create_statistics, drop_statistics)]
