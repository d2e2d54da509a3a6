"""Retention: after a configurable period a child's identifying details are pseudonymised.

Case records are never deleted: the record, its dates, decisions and learning stay, so the
partnership's figures and history remain whole; only the details that identify the child are
replaced. Each app registers a `RetentionRule` for each model holding such details; the
business of how long is data (`RetentionSetting`, editable by admins), with a default per type.
Historical copies kept by django-simple-history are pseudonymised too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.utils import timezone

from .models import RetentionSetting


@dataclass(frozen=True)
class RetentionRule:
    model: type[models.Model]
    counted_from: str  # the date (or datetime) lookup the retention period runs from
    default_years: int
    replacements: dict[str, object] = field(default_factory=dict)

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
                **rule.replacements, pseudonymised_at=timezone.now()
            )
            history = getattr(rule.model, "history", None)
            if history is not None:
                history.model.objects.filter(id__in=ids).update(**rule.replacements)
        done[rule.label] = count
    return done
