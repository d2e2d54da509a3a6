"""Retention: after a configurable period a child's identifying details are pseudonymised.

Case records are never deleted: the record, its dates, decisions and learning stay, so the
partnership's figures and history remain whole; only the details that identify the child are
replaced. Each app registers a `RetentionRule` for each model holding such details; the
business of how long is data (`RetentionSetting`, editable by admins), with a default per type.

Free text written about a case can name the child too (a referral's concerns, an escalation's
reasons, an incident's summary, an agency's chronology), so it is replaced with `REMOVED_TEXT`:
on the record itself (`replacements`) and on the records that belong to it (`related`, e.g. an
escalation's responses). Historical copies kept by django-simple-history are pseudonymised
too, and so is the body of every notification about the record (bodies quote decision reasons
and responses).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.db.models import Case, Value, When
from django.utils import timezone

from .models import Notification, RetentionSetting

REMOVED_TEXT = "Removed at the end of the retention period."


@dataclass(frozen=True)
class Related:
    """Records belonging to the rule's record whose free text is replaced along with it."""

    model: type[models.Model]
    parent: str  # the lookup from `model` to the rule's model, e.g. "rapid_review__incident"
    replacements: dict[str, object]


@dataclass(frozen=True)
class RetentionRule:
    model: type[models.Model]
    counted_from: str  # the date (or datetime) lookup the retention period runs from
    default_years: int
    replacements: dict[str, object] = field(default_factory=dict)
    related: tuple[Related, ...] = ()

    @property
    def label(self) -> str:
        return self.model._meta.verbose_name_plural.capitalize()


_rules: list[RetentionRule] = []


def register(rule: RetentionRule) -> None:
    _rules.append(rule)


def rules() -> list[RetentionRule]:
    return list(_rules)


def retention_years(rule: RetentionRule) -> int:
    setting = RetentionSetting.objects.filter(
        record_type=ContentType.objects.get_for_model(rule.model)
    ).first()
    return setting.years if setting else rule.default_years


def field_at(model: type[models.Model], lookup: str) -> models.Field | None:
    """The model field a lookup path such as "referral__received_at" ends on (None when the
    path ends on a transform such as "__date")."""
    *relations, name = lookup.split("__")
    try:
        for relation in relations:
            model = model._meta.get_field(relation).related_model
        return model._meta.get_field(name)
    except (FieldDoesNotExist, AttributeError):
        return None


def cutoff_for(years: int, today: date) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def expired_records_pseudonymise(*, today: date | None = None) -> dict[str, int]:
    """Pseudonymise every record past its retention period; returns how many, by type."""
    today = today or timezone.localdate()
    done = {}
    for rule in _rules:
        cutoff = cutoff_for(retention_years(rule), today)
        lookup = rule.counted_from
        if isinstance(field_at(rule.model, lookup), models.DateTimeField):
            lookup += "__date"  # compare calendar days, not a naive midnight
        expired = rule.model._default_manager.filter(
            **{f"{lookup}__lt": cutoff, "pseudonymised_at__isnull": True}
        )
        with transaction.atomic():
            ids = list(expired.values_list("pk", flat=True)[:10_000])
            count = rule.model._default_manager.filter(pk__in=ids).update(
                **expressions(rule.replacements), pseudonymised_at=timezone.now()
            )
            replace_in_history(rule.model, ids, rule.replacements)
            notification_bodies_replace(rule.model, ids)
            for related in rule.related:
                related_ids = list(
                    related.model._default_manager.filter(
                        **{f"{related.parent}__in": ids}
                    ).values_list("pk", flat=True)
                )
                related.model._default_manager.filter(pk__in=related_ids).update(
                    **expressions(related.replacements)
                )
                replace_in_history(related.model, related_ids, related.replacements)
                notification_bodies_replace(related.model, related_ids)
        done[rule.label] = count
    return done


def replace_in_history(model: type[models.Model], ids: list, replacements: dict) -> None:
    history = getattr(model, "history", None)
    if history is None:
        return
    history_fields = {f.name for f in history.model._meta.fields}  # some fields are not kept
    kept = {name: value for name, value in replacements.items() if name in history_fields}
    if kept:
        history.model.objects.filter(id__in=ids).update(**expressions(kept))


def expressions(replacements: dict) -> dict:
    """Text replacements apply only where there was text: an empty answer stays empty."""
    return {
        name: Case(When(**{name: ""}, then=Value("")), default=Value(value))
        if isinstance(value, str) and value
        else value
        for name, value in replacements.items()
    }


def notification_bodies_replace(model: type[models.Model], ids: list) -> None:
    """Notifications about these records quote their free text (decision reasons, responses)."""
    if not ids:
        return
    Notification.objects.filter(
        subject_type=ContentType.objects.get_for_model(model), subject_id__in=ids
    ).exclude(body="").update(body=REMOVED_TEXT)
