"""Taking a record's row for one step, so the step is checked against the record as it stands."""

from typing import TypeVar

from django.db.models import Model

M = TypeVar("M", bound=Model)


def lock(record: M, *fields: str) -> M:
    """Lock the record's row until the transaction ends and read `fields` of it afresh into it
    (every field when none are named; name only "pk" just to wait for the row).

    A step that depends on the record's state checks it here, not on the copy read when the
    page was opened: someone may have submitted, decided or signed it off since, and no other
    step can change it until this one is written (a second step at once waits here).
    """
    record.refresh_from_db(
        from_queryset=type(record)._default_manager.select_for_update(), fields=fields or None
    )
    return record
