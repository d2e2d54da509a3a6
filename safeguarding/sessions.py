"""Sessions end after 30 minutes without a request, renewed at most once a minute.

Saving the session on every request (Django's SESSION_SAVE_EVERY_REQUEST) made every page pay
a transaction of three round trips to move its expiry on by a few seconds. Here a signed-in
session is saved, and its expiry moved to 30 minutes from now, only when it was last renewed a
minute or more ago, so an idle session ends between 29 and 30 minutes after the last request:
never later than the 30 minutes the partnership's security policy allows.
"""

import time

from django.contrib.auth import SESSION_KEY

RENEWED_AT = "renewed_at"
RENEW_AFTER_SECONDS = 60


def renewed_now(session) -> None:
    session[RENEWED_AT] = int(time.time())


def mark_renewed_at_sign_in(sender, request, user, **kwargs):
    """Signing in saves the session 30 minutes ahead: the next page need not save it again."""
    if getattr(request, "session", None) is not None:
        renewed_now(request.session)


class SlidingSessionMiddleware:
    """Sits after SessionMiddleware, so its mark is seen when the session is saved."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty() or SESSION_KEY not in session:
            return response  # nobody signed in: nothing to keep alive
        if time.time() - session.get(RENEWED_AT, 0) >= RENEW_AFTER_SECONDS:
            renewed_now(session)  # a change, so SessionMiddleware saves it
        return response
