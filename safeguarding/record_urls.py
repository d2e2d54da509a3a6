"""The address of one record's page, for lists that link each of their rows to it.

`reverse()` works a URL pattern out afresh on each call, about 20 to 40 µs: a list of 50 actions
or audit returns paid 1 to 2 ms for its links alone (docs/performance.md). A record's page
differs from the next one's only in its key, so each pattern is reversed once, around a stand-in
key, and a record's key is put in its place.
"""

from functools import lru_cache

from django.urls import get_script_prefix, get_urlconf, reverse

STAND_IN = 918_273_645_546_372_819  # no real key or address holds these digits


@lru_cache(maxsize=256)
def _around_key(name: str, script_prefix: str, urlconf: str | None) -> tuple[str, str]:
    before, after = reverse(name, args=[STAND_IN], urlconf=urlconf).split(str(STAND_IN))
    return before, after


def record_url(name: str, pk) -> str:
    """reverse(name, args=[pk]) for a URL pattern that takes a record's integer key."""
    if not isinstance(pk, int) or isinstance(pk, bool) or pk < 0:
        return reverse(name, args=[pk])  # what reverse() itself says about it
    before, after = _around_key(name, get_script_prefix(), get_urlconf())
    return f"{before}{pk}{after}"
