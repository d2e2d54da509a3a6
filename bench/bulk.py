"""Write model rows and their object permissions with PostgreSQL COPY.

The benchmark's dataset is millions of rows; saving them one by one through the ORM would take
hours. `CopyWriter` buffers plain values per model, fills the fields a row leaves out with the
model's own defaults, and streams them to the table with COPY. Ids are given out here so that
rows can point at each other before anything is written; the sequences are moved on at the end.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import date, datetime

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, models
from django.db.models.fields import NOT_PROVIDED
from django.utils import timezone
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

FLUSH_EVERY = 50_000


_SPECIAL = ("\\", "\t", "\n", "\r")


def _text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return r"\N"
    kind = type(value)
    if kind is int:
        return str(value)
    if kind is bool:
        return "t" if value else "f"
    if kind is datetime or kind is date:
        return value.isoformat()
    if kind is dict or kind is list:
        value = json.dumps(value)
    value = str(value)
    if any(character in value for character in _SPECIAL):
        for character, escaped in zip(_SPECIAL, ("\\\\", "\\t", "\\n", "\\r"), strict=True):
            value = value.replace(character, escaped)
    return value


class _Table:
    def __init__(self, model: type[models.Model], next_id: int, now: datetime):
        self.model = model
        fields = list(model._meta.concrete_fields)
        self.columns = [f.column for f in fields]
        self.attnames = {f.attname for f in fields}
        # What each column holds when a row leaves it out, worked out once.
        self.plan = [(f.attname, self._default(f, now)) for f in fields]
        self.next_id = next_id
        self.rows: list[str] = []
        self.written = 0

    def _default(self, field, now) -> str | None:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return _text(now)
        if field.default is not NOT_PROVIDED:
            return _text(field.get_default())
        if field.null:
            return _text(None)
        if field.blank and isinstance(field, models.CharField | models.TextField):
            return ""
        return None  # the row must give it

    def row(self, values: dict) -> str:
        if not self.written and not self.rows:
            unknown = set(values) - self.attnames
            if unknown:
                raise ValueError(f"{self.model.__name__} has no field(s) {sorted(unknown)}")
        parts = []
        for attname, default in self.plan:
            if attname in values:
                parts.append(_text(values[attname]))
            elif default is None:
                raise ValueError(f"{self.model.__name__}.{attname} needs a value")
            else:
                parts.append(default)
        return "\t".join(parts)


@contextmanager
def _checks_run_first(cursor):
    """A key dropped or added alters the table it points at too, which PostgreSQL refuses while
    that table's rows have deferred checks pending: run every pending check first."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    yield
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


class CopyWriter:
    """Buffers rows per model and COPYs them in batches; grants object permissions the same way."""

    def __init__(self, *, indexed_while_written: tuple[type[models.Model], ...] = ()):
        """`indexed_while_written`: models whose indexes are read before `finish()` builds the
        others, so are kept and kept up to date row by row."""
        self.tables: dict[type[models.Model], _Table] = {}
        self._permissions: dict[tuple[type[models.Model], str], int] = {}
        self._permission_models: dict[type[models.Model], tuple] = {}
        self._indexed_while_written = indexed_while_written
        self._keys_to_add: list[tuple[str, str, str]] = []
        self._indexes_to_build: list[tuple[str, str, bool]] = []
        self.now = timezone.now()
        self.seconds: dict[str, float] = {}

    def _build_keys_and_indexes_at_the_end(self, model: type[models.Model]) -> None:
        """Check the table's foreign keys and build its indexes once, when everything is
        written, as a database restore does, not row by row.

        Deferred keys are checked one row at a time when the transaction commits: about 13 µs
        each here, so minutes for a table of millions. A row COPYed into a table is put into
        each of its indexes in turn: the referrals' fourteen indexes outgrow memory long before
        the millionth. The key constraints are dropped here and added back by `finish()`, which
        checks each in a single pass of the table; the indexes that no constraint needs are
        dropped here and built again by `finish()`, each from one sort of the table.
        """
        table = model._meta.db_table
        quote = connection.ops.quote_name
        with connection.cursor() as cursor, _checks_run_first(cursor):
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'",
                [table],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
                self._keys_to_add.append((quote(table), quote(name), definition))
            if model in self._indexed_while_written:
                return
            cursor.execute(
                "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid), "
                "indexprs IS NOT NULL FROM pg_index "
                "WHERE indrelid = %s::regclass AND NOT indisprimary AND NOT indisunique "
                "AND NOT EXISTS (SELECT FROM pg_constraint WHERE conindid = indexrelid)",
                [table],
            )
            for name, definition, on_expression in cursor.fetchall():
                cursor.execute(f"DROP INDEX {name}")
                self._indexes_to_build.append((table, definition, on_expression))

    def _table(self, model) -> _Table:
        if model not in self.tables:
            self._build_keys_and_indexes_at_the_end(model)
            with connection.cursor() as cursor:
                table = connection.ops.quote_name(model._meta.db_table)
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
                self.tables[model] = _Table(model, cursor.fetchone()[0] + 1, self.now)
        return self.tables[model]

    def add(self, model: type[models.Model], **values) -> int:
        """Queue one row; returns its id."""
        table = self._table(model)
        values.setdefault("id", table.next_id)
        table.next_id = max(table.next_id, values["id"] + 1)
        table.rows.append(table.row(values))
        if len(table.rows) >= FLUSH_EVERY:
            self._flush(table)
        return values["id"]

    def permission_id(self, model, action: str) -> int:
        key = (model, action)
        if key not in self._permissions:
            self._permissions[key] = Permission.objects.get(
                content_type=ContentType.objects.get_for_model(model),
                codename=f"{action}_{model._meta.model_name}",
            ).pk
        return self._permissions[key]

    def grant(self, obj_model, obj_id: int, actions, *, groups=(), users=()) -> None:
        """What `safeguarding.permissions.grant` records, as rows of the direct-FK tables."""
        if obj_model not in self._permission_models:
            self._permission_models[obj_model] = (
                get_group_obj_perms_model(obj_model),
                get_user_obj_perms_model(obj_model),
            )
        group_model, user_model = self._permission_models[obj_model]
        for action in actions:
            permission = self.permission_id(obj_model, action)
            for group_id in groups:
                self.add(
                    group_model,
                    group_id=group_id,
                    permission_id=permission,
                    content_object_id=obj_id,
                )
            for user_id in users:
                self.add(
                    user_model,
                    user_id=user_id,
                    permission_id=permission,
                    content_object_id=obj_id,
                )

    def _flush(self, table: _Table) -> None:
        if not table.rows:
            return
        buffer = io.StringIO("\n".join(table.rows) + "\n")
        columns = ", ".join(connection.ops.quote_name(c) for c in table.columns)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY {connection.ops.quote_name(table.model._meta.db_table)} ({columns}) "
                "FROM STDIN",
                buffer,
            )
        table.written += len(table.rows)
        table.rows = []

    def _flush_all(self) -> None:
        for table in self.tables.values():
            self._flush(table)

    def finish(self, *, before_indexes: Callable[[], object] = lambda: None) -> dict[str, int]:
        """Write what is buffered, move the id sequences on, run `before_indexes` over the
        written rows, check the keys, build the indexes, and return rows written per table.
        How long each step took is left in `seconds`."""
        quote = connection.ops.quote_name
        with self._step("final_copy"):
            self._flush_all()
        with connection.cursor() as cursor:
            with self._step("analyze"):
                for statement in connection.ops.sequence_reset_sql(
                    no_style(), [t.model for t in self.tables.values()]
                ):
                    cursor.execute(statement)
                for table in self.tables.values():
                    cursor.execute(f"ANALYZE {quote(table.model._meta.db_table)}")
            # Before the keys: a row written in this transaction and then changed is checked
            # again against each key of its table, once for every change.
            before_indexes()
            with self._step("keys"), _checks_run_first(cursor):
                for table, name, definition in self._keys_to_add:
                    cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
            self._keys_to_add = []
            with self._step("indexes"):
                for _, definition, _ in self._indexes_to_build:
                    cursor.execute(definition)
                # Again where an index on an expression was built: it has statistics of its own,
                # which only ANALYZE gathers.
                for table in sorted({table for table, _, on in self._indexes_to_build if on}):
                    cursor.execute(f"ANALYZE {quote(table)}")
            self._indexes_to_build = []
        return {t.model._meta.label: t.written for t in self.tables.values()}

    @contextmanager
    def _step(self, name: str):
        started = time.perf_counter()
        yield
        self.seconds[name] = round(time.perf_counter() - started, 1)
