"""The days that tests which depend on "today" run on, whatever day the suite itself is run.

The demo data and the review factories carry fixed dates, so whether something is overdue,
due soon or in the future depends on the day. A test whose assertions depend on that travels
to one of these days (time-machine) instead of passing only until the calendar catches up.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

LONDON = ZoneInfo("Europe/London")

# The review factories' incidents come to light on Friday 20 November 2026 and their reviews
# start that day. The Monday after is inside the 15 working days and before any return is due.
DURING_THE_REVIEW = pytest.mark.time_machine(datetime(2026, 11, 23, 10, tzinfo=LONDON))

# The demo's dated records stand as the tests describe them: the school's action overdue since
# 30 October 2026 and the police's due on 31 March 2027; Riverside's arrangements due for review
# on 19 December 2026, and Northgate's (31 March 2027) not yet within the month of reminders.
A_DEMO_DAY = pytest.mark.time_machine(datetime(2026, 12, 7, 10, tzinfo=LONDON))


def a_year_from_today() -> date:
    """A day always in the future, for input that must be refused because it is."""
    return timezone.localdate() + timedelta(days=365)
