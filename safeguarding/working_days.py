"""The working-day calendar every statutory deadline is counted on.

A working day is Monday to Friday, not an England and Wales bank holiday (from the `holidays`
package) and not one of the partnership's own closure days. "N working days after D" counts N
working days starting the day after D. Every answer carries the days it skipped, so a page can
show a person how their deadline was worked out.

A deadline, once set, stands: a closure day added later, or a timescale changed later, does not
move a stored date. `WorkingDayCalendar.explain` explains a stored date the way it was worked out
and says in plain words where today's calendar or rule would now give a different one.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cache, lru_cache

import holidays

MAX_DAYS = 3660
# The years every date the service takes falls in (a calculator's start, a period of figures, a
# yearly round): any the partnership could have, and far enough from the end of the calendar
# (31 December 9999) that adding MAX_DAYS, or a day after a period's end, is safe.
FIRST_YEAR = 2000
LAST_YEAR = 2100
START_RANGE_MESSAGE = (
    f"Enter a start date between {FIRST_YEAR} and {LAST_YEAR}, for example 2026-11-20"
)


def check_start_in_range(start: date) -> None:
    """Raise ValueError with START_RANGE_MESSAGE for a start the calculators do not take."""
    if not FIRST_YEAR <= start.year <= LAST_YEAR:
        raise ValueError(START_RANGE_MESSAGE)


@dataclass(frozen=True)
class SkippedDay:
    date: date
    reason: str


@dataclass(frozen=True)
class WorkingDayCount:
    """The answer to "N working days after start": the due date and the days passed over."""

    start: date
    days: int
    due: date
    skipped: tuple[SkippedDay, ...] = ()
    # Plain-English notes where the date was set on a calendar or rule that has changed since.
    notes: tuple[str, ...] = ()

    @property
    def skipped_holidays(self) -> tuple[SkippedDay, ...]:
        return tuple(day for day in self.skipped if day.date.weekday() < 5)

    def explanation(self) -> str:
        unit = "working day" if self.days == 1 else "working days"
        text = f"{self.days} {unit} after {self.start:%A %-d %B %Y} is {self.due:%A %-d %B %Y}."
        if self.skipped_holidays:
            names = "; ".join(f"{d.date:%-d %B %Y} ({d.reason})" for d in self.skipped_holidays)
            text += f" Not counted: weekends and {names}."
        elif self.skipped:
            text += " Weekends are not counted."
        return text

    def as_dict(self) -> dict:
        return {
            "start": self.start.isoformat(),
            "days": self.days,
            "due": self.due.isoformat(),
            "skipped": [{"date": d.date.isoformat(), "reason": d.reason} for d in self.skipped],
        }


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> dict[date, str]:
    # England and Wales share their bank holidays; "ENG" is the package's name for them.
    return dict(holidays.country_holidays("GB", subdiv="ENG", years=year).items())


# The years the package knows England and Wales bank holidays for; it has none outside them.
_FIRST_HOLIDAY_YEAR = holidays.country_holidays("GB", subdiv="ENG").start_year
_LAST_HOLIDAY_YEAR = holidays.country_holidays("GB", subdiv="ENG").end_year


@cache  # one entry a year from _FIRST_HOLIDAY_YEAR to _LAST_HOLIDAY_YEAR at most
def _weekday_bank_holidays(year: int) -> tuple[date, ...]:
    """The year's bank holidays that fall on a weekday, in date order."""
    return tuple(sorted(day for day in _bank_holidays(year) if day.weekday() < 5))


@dataclass
class WorkingDayCalendar:
    """Counts working days; `closure_days` are a partnership's own non-working days."""

    closure_days: dict[date, str] = field(default_factory=dict)

    @classmethod
    def for_partnership(cls, partnership) -> WorkingDayCalendar:
        if partnership is None:
            return cls()
        return calendars_for([partnership.pk])[partnership.pk]

    def non_working_reason(self, day: date) -> str | None:
        if day.weekday() == 5:
            return "Saturday"
        if day.weekday() == 6:
            return "Sunday"
        holiday = _bank_holidays(day.year).get(day)
        if holiday:
            return f"Bank holiday: {holiday}"
        return self.closure_days.get(day)

    def is_working_day(self, day: date) -> bool:
        return self.non_working_reason(day) is None

    def without(self, days) -> WorkingDayCalendar:
        """This calendar with the given closure days counted as working days again."""
        counted = set(days)
        return WorkingDayCalendar(
            closure_days={d: r for d, r in self.closure_days.items() if d not in counted}
        )

    def _closures_added_since(self, start: date, days: int, due: date) -> tuple[date, ...]:
        """The closure days a stored deadline counted as working days, so added after it was set.

        They are the closure days from the day after `start` to `due` when counting them as
        working days again gives back `due`; none when that does not explain it.
        """
        added = tuple(
            day
            for day in sorted(self.closure_days)
            if start < day <= due and day.weekday() < 5 and day not in _bank_holidays(day.year)
        )
        if added and self.without(added).add(start, days).due == due:
            return added
        return ()

    def as_set(self, start: date, days: int, due: date) -> WorkingDayCalendar:
        """The calendar a deadline `days` working days after `start`, stored as `due`, was set on.

        Today's calendar without the closure days added since; today's when that cannot be told.
        """
        return self.without(self._closures_added_since(start, days, due))

    def explain(self, start: date, days: int, due: date, *, rule_changed=None) -> WorkingDayCount:
        """How the stored deadline `due`, set as `days` working days after `start`, was worked out.

        The answer always ends at `due`: a deadline, once set, stands. Where today's calendar
        or rule gives a different date, its notes say why in plain words. `rule_changed`, for a
        timescale that can be changed (an escalation stage's), takes the number of working days
        the deadline was set with and says how the rule has changed since.
        """
        today = self.add(start, days)
        if today.due == due:
            return today
        added = self._closures_added_since(start, days, due)
        counted = self.between(start, due)
        by_rule = rule_changed is not None and counted > 0 and self.add(start, counted).due == due
        # Each is a guess from the dates alone; where both fit, neither is said.
        if added and not by_rule:
            then = self.without(added).add(start, days)
            names = " and ".join(f"{day:%A %-d %B %Y}" for day in added)
            closure = "a closure day" if len(added) == 1 else "closure days"
            return replace(
                then,
                notes=(
                    f"The partnership added {closure} on {names} after this deadline was set; "
                    "the deadline set then stands.",
                ),
            )
        if by_rule and not added:
            return replace(self.add(start, counted), notes=(rule_changed(counted),))
        skipped = tuple(
            SkippedDay(day, reason)
            for offset in range(1, (due - start).days + 1)
            if (reason := self.non_working_reason(day := start + timedelta(days=offset)))
        )
        changed = "the partnership's closure days or the bank holidays have"
        if rule_changed is not None:
            changed = "the partnership's closure days, the bank holidays or this timescale have"
        return WorkingDayCount(
            start=start,
            days=days,
            due=due,
            skipped=skipped,
            notes=(
                f"Counted on today's calendar it would be {today.due:%A %-d %B %Y}: {changed} "
                "changed since this deadline was set. The deadline set then stands.",
            ),
        )

    def add(self, start: date, days: int) -> WorkingDayCount:
        """The date `days` working days after `start`, with every day skipped on the way."""
        if not 0 <= days <= MAX_DAYS:
            raise ValueError(f"days must be between 0 and {MAX_DAYS}")
        current, counted, skipped = start, 0, []
        while counted < days:
            try:
                current += timedelta(days=1)
            except OverflowError:
                raise ValueError(
                    f"{days} working days after {start} is past the calendar's last day, "
                    f"{date.max:%-d %B %Y}"
                ) from None
            reason = self.non_working_reason(current)
            if reason is None:
                counted += 1
            else:
                skipped.append(SkippedDay(current, reason))
        return WorkingDayCount(start=start, days=days, due=current, skipped=tuple(skipped))

    def between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end`; negative when end is earlier.

        Computed arithmetically so that a deadline years in the past costs no more than one
        next week: list pages call this for every row.
        """
        if end == start:
            return 0
        if end < start:
            return -self.between(end, start)
        weekdays = _weekdays_in(start + timedelta(days=1), end)
        off = self._weekday_closures(start + timedelta(days=1), end)
        return weekdays - off

    def _weekday_closures(self, first: date, last: date) -> int:
        """Bank holidays and closure days falling on a weekday from `first` to `last`."""
        # Only the years the holidays package has bank holidays for can hold one, so a span of
        # centuries looks at no more years than that.
        count = 0
        for year in range(
            max(first.year, _FIRST_HOLIDAY_YEAR), min(last.year, _LAST_HOLIDAY_YEAR) + 1
        ):
            days = _weekday_bank_holidays(year)
            count += bisect_right(days, last) - bisect_left(days, first)
        count += sum(
            1
            for day in self.closure_days
            if first <= day <= last and day.weekday() < 5 and day not in _bank_holidays(day.year)
        )
        return count


def calendars_for(partnership_ids) -> dict[int, WorkingDayCalendar]:
    """One working-day calendar per partnership, with every closure day read in one query."""
    from partnerships.models import ClosureDay

    partnership_ids = set(partnership_ids)
    closures = defaultdict(dict)
    for partnership_id, day, reason in ClosureDay.objects.filter(
        partnership_id__in=partnership_ids
    ).values_list("partnership_id", "date", "reason"):
        closures[partnership_id][day] = f"Partnership closure: {reason}"
    return {pk: WorkingDayCalendar(closure_days=closures[pk]) for pk in partnership_ids}


def every_partnership_calendar() -> dict[int, WorkingDayCalendar]:
    """Each partnership's calendar, for a sweep that works out deadlines across them all."""
    from partnerships.models import Partnership

    return calendars_for(Partnership.objects.values_list("pk", flat=True))


def beyond_notice(calendars: Iterable[WorkingDayCalendar], today: date, working_days: int) -> date:
    """The first day more than `working_days` working days after `today` on the calendar of
    `calendars` that reaches furthest (closure days push it later). A sweep reads the
    deadlines before it, then works out on each deadline's own calendar whether it is within
    the notice."""
    plain = WorkingDayCalendar()
    return max(calendar.add(today, working_days + 1).due for calendar in [plain, *calendars])


def _weekdays_in(first: date, last: date) -> int:
    """Monday-to-Friday days from `first` to `last` inclusive."""
    if last < first:
        return 0
    total = (last - first).days + 1
    full_weeks, extra = divmod(total, 7)
    count = full_weeks * 5
    for offset in range(extra):
        if (first.weekday() + offset) % 7 < 5:
            count += 1
    return count


def add_working_days(start: date, days: int, *, partnership=None) -> WorkingDayCount:
    return WorkingDayCalendar.for_partnership(partnership).add(start, days)
