"""Recording who read a child's identifying details, when, and through which page or endpoint.

Models that hold a child's identifying details call `record_access()` from every view,
endpoint and export that shows them. Each record names itself with `access_log_label()` (never
the child's name) and its partnership through `partnership_id`.
"""

from collections.abc import Iterable

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AccessChannel, AccessLogEntry


def _channel_for(request) -> str:
    if request.path.startswith("/api/"):
        return AccessChannel.API
    if request.path.startswith("/admin/"):
        return AccessChannel.ADMIN
    return AccessChannel.PAGE


def record_access(request, records: Iterable[models.Model], *, channel: str | None = None) -> int:
    """Append one entry per record read; one query whatever the number of records."""
    records = list(records)
    if not records or not request.user.is_authenticated:
        return 0
    match = getattr(request, "resolver_match", None)
    route = match.view_name if match else ""
    channel = channel or _channel_for(request)
    entries = [
        AccessLogEntry(
            user=request.user,
            agency_id=request.user.agency_id,
            partnership_id=getattr(record, "partnership_id", None),
            content_type=ContentType.objects.get_for_model(record),
            object_id=record.pk,
            record=_label(record),
            channel=channel,
            route=route,
            path=request.path[:500],
        )
        for record in records
    ]
    AccessLogEntry.objects.bulk_create(entries)
    return len(entries)


def _label(record) -> str:
    if hasattr(record, "access_log_label"):
        return record.access_log_label()
    return f"{record._meta.verbose_name.capitalize()} {record.pk}"


def identifying_content_types() -> list[ContentType]:
    """The record types that hold a child's identifying details (they name themselves)."""
    models_ = [m for m in apps.get_models() if hasattr(m, "access_log_label")]
    return list(ContentType.objects.get_for_models(*models_).values()) if models_ else []
