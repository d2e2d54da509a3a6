from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext


def sweep_cost(sweep, today, make) -> tuple[int, int, int]:
    """What `sweep` costs on `today` over the records `make()` creates, all undone after: how
    many reminders it records, the queries it runs, and the queries it runs again the same day
    with nothing new to record."""
    with transaction.atomic():
        make()
        ContentType.objects.clear_cache()  # so the first count does not pay for both
        with CaptureQueriesContext(connection) as first:
            recorded = sweep(today=today)
        with CaptureQueriesContext(connection) as again:
            assert sweep(today=today) == 0
        transaction.set_rollback(True)
    return recorded, len(first), len(again)
