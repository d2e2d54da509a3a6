"""Long forms keep what was typed when the session runs out (static/src/js/keep-drafts.js).

Sessions end after 30 minutes without activity. A practitioner who then sends a long form is
asked to sign in again, and the text they sent would be lost. So the browser keeps a draft of
every `<form data-keep-draft="...">` in sessionStorage (this tab only) as it is typed, and puts
it back when the form is shown again after signing in. The server's part is here:

- Every page tells the script who is signed in and which sign-in this is (`data-draft-owner`,
  `data-draft-session` on `<body>`, from `drafts()` below). A draft from an earlier sign-in of
  the same person is restored with a banner; a draft never reaches another person's page.
- Every page lists the form submissions the server accepted since the last page it drew
  (`data-drafts-saved`: each as the form's `data-keep-draft` name, which the script sends as
  the `keep_draft` field, and the address, path and query, it posted to); the script deletes
  those drafts. The name matters because two forms on one page may post to one address (a
  case's moderation and its "add an action"): accepting one must not delete the other's draft.
  A submission counts as accepted when a signed-in person's POST is answered with a redirect
  and no error message was queued: the Post/Redirect/Get pattern every form view here follows
  (a form with mistakes is drawn again with 200; a step the record no longer allows is
  redirected with an error message; neither clears the draft). This is decided on the server,
  not guessed from which page the browser lands on, so a validation error, an error page or a
  sign-in in between never deletes what was typed.
- A POST from someone whose session has ended is sent to sign in with `next` pointing at the
  page the form was on (the same-origin Referer), not at the POST-only address it was sent
  to, so they come back to the form and its restored draft rather than a "method not allowed".
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import resolve_url
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme

from .two_factor import needs_second_factor

SAVED_KEY = "drafts_saved"
SIGN_IN_KEY = "drafts_sign_in"
MAX_SAVED = 20
FORM_FIELD = "keep_draft"  # the form's data-keep-draft name, added by keep-drafts.js
FORM_NAME = re.compile(r"[\w-]{1,100}")


def accepted(request, response) -> bool:
    """Did the server accept this form submission (see the module docstring)?"""
    if request.method != "POST" or response.status_code not in (301, 302, 303):
        return False
    if request.path == resolve_url(settings.LOGIN_URL):
        return False  # signing in (request.user is then no longer django-otp's wrapped user)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    if hasattr(user, "is_verified") and needs_second_factor(user):
        return False  # half signed in: the POST was turned away to the two-factor page
    queued = getattr(getattr(request, "_messages", None), "_queued_messages", [])
    return not any(message.level >= messages.ERROR for message in queued)


def form_page(request) -> str | None:
    """The page (path and query) a POST was sent from: its Referer, when it is this site."""
    referer = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    page = urlsplit(referer)
    return page.path + (f"?{page.query}" if page.query else "")


def sign_in_redirect_to_form(request, response) -> None:
    """Send someone whose session ended back to the page their form was on after signing in."""
    user = getattr(request, "user", None)
    if request.method != "POST" or response.status_code != 302:
        return
    if user is None or user.is_authenticated:
        return
    location = urlsplit(response["Location"])
    if location.path != resolve_url(settings.LOGIN_URL):
        return
    page = form_page(request)
    if page is None or urlsplit(page).path == location.path:
        return
    query = QueryDict(location.query, mutable=True)
    query["next"] = page
    response["Location"] = urlunsplit(location._replace(query=query.urlencode(safe="/")))


class KeepDraftsMiddleware:
    """Records accepted form submissions for the next page, and fixes sign-in `next` for
    POSTs after the session ended. Sits inside MessageMiddleware, to see queued messages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method == "POST":
            if accepted(request, response):
                name = request.POST.get(FORM_FIELD, "")
                if FORM_NAME.fullmatch(name):  # a form sent without a name kept no draft
                    draft = f"{name}:{request.get_full_path()}"
                    saved = [d for d in request.session.get(SAVED_KEY, []) if d != draft]
                    request.session[SAVED_KEY] = [*saved, draft][-MAX_SAVED:]
            else:
                sign_in_redirect_to_form(request, response)
        return response


def mark_sign_in(sender, request, user, **kwargs):
    """Receiver of `user_logged_in`: set with the sign-in, so the first page need not save the
    session again."""
    if getattr(request, "session", None) is not None:
        request.session[SIGN_IN_KEY] = secrets.token_urlsafe(12)


class DraftState:
    """What `<body>` tells keep-drafts.js. `saved` is read once: the page drawing it takes it."""

    def __init__(self, request):
        self.request = request

    @cached_property
    def sign_in(self) -> str:
        """An opaque value that changes each time the person signs in (never the session key)."""
        session = self.request.session
        if SIGN_IN_KEY not in session:  # a session begun before sign-ins were marked
            mark_sign_in(sender=None, request=self.request, user=self.request.user)
        return session[SIGN_IN_KEY]

    @cached_property
    def saved(self) -> str:
        return " ".join(self.request.session.pop(SAVED_KEY, []))


def drafts(request):
    """Context processor: `drafts.sign_in` and `drafts.saved` for signed-in people."""
    if not request.user.is_authenticated:
        return {}
    return {"drafts": DraftState(request)}
