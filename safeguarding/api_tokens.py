"""API tokens: knox's expiring tokens, checked one at a time and cleared by the hour."""

from django.utils import timezone
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox import auth
from knox.models import AuthToken
from knox.signals import token_expired


class TokenAuthentication(auth.TokenAuthentication):
    """knox's token authentication, without reading every other token the person holds.

    knox deletes a person's expired tokens on each request, so each request read all of their
    tokens: an integration that asks for a token each run holds hundreds at once (a token lives
    12 hours). Here a request checks only its own token, refused and deleted once expired as in
    knox, and `expired_api_tokens_clear` deletes the rest every hour.
    """

    def _cleanup_token(self, auth_token) -> bool:
        if auth_token.expiry is None or auth_token.expiry >= timezone.now():
            return False
        auth_token.delete()
        token_expired.send(
            sender=type(self), username=auth_token.user.get_username(), source="auth_token"
        )
        return True


class TokenScheme(KnoxTokenScheme):
    """The API's documentation describes these tokens as knox's: they are used the same way."""

    target_class = TokenAuthentication


def live_api_tokens(user):
    """A person's tokens that still work, newest first: an expired one waits for the hourly
    clearing, but is not shown as if it could be used."""
    return (
        AuthToken.objects.filter(user=user).exclude(expiry__lt=timezone.now()).order_by("-created")
    )


def expired_api_tokens_clear() -> int:
    deleted, _ = AuthToken.objects.filter(expiry__lt=timezone.now()).delete()
    return deleted
