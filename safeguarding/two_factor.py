"""Two-factor sign-in: everyone proves a time-based code (TOTP) or a recovery code.

Signing in takes a password and then a second factor; until both are done a person can reach
only the sign-in, sign-out and two-factor pages. Demo accounts made by `seed_demo` may skip the
second factor when DEMO_MODE is on, which the settings refuse outside DEBUG.
"""

import secrets

import segno
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODE_COUNT = 10
OPEN_PATH_PREFIXES = ("/sign-in/", "/sign-out/", "/account/two-factor/", "/static/", "/health/")


def needs_second_factor(user) -> bool:
    """True while a signed-in person has not yet proved their second factor."""
    if not user.is_authenticated or user.is_verified():
        return False
    return not (settings.DEMO_MODE and user.is_demo_account)


class RequireTwoFactorMiddleware:
    """Send signed-in people who have not proved a second factor to the two-factor page.

    API calls with a session but no second factor get 403; token calls are not affected here
    because tokens are only issued after both factors (see `token_obtain`).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if needs_second_factor(request.user) and not request.path.startswith(OPEN_PATH_PREFIXES):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": "Finish signing in with your two-factor code first."}, status=403
                )
            return redirect(f"{reverse('two-factor')}?next={request.get_full_path()}")
        return self.get_response(request)


def locked_out(request, credentials, *args, **kwargs):
    """What django-axes answers once an account or address is locked out."""
    message = (
        "Too many failed sign-in attempts. Your account is locked for "
        f"{int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)} minutes. "
        "If this was not you, contact your partnership's business team."
    )
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    return render(request, "registration/locked_out.html", {"message": message}, status=429)


def confirmed_totp_device(user):
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def totp_device_start(*, user) -> TOTPDevice:
    """An unconfirmed authenticator for the person to add to their app (reused until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def totp_qr_svg_data_uri(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_data_uri(scale=4)


def totp_device_confirm(*, request, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the authenticator if the code is right; returns fresh recovery codes, or None."""
    if not device.verify_token(code.strip().replace(" ", "")):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    otp_login(request, device)
    return recovery_codes_replace(user=device.user)


def recovery_codes_replace(*, user) -> list[str]:
    """Issue a new set of single-use recovery codes, cancelling any earlier set."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Recovery codes")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    device.token_set.all().delete()
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def second_factor_verify(*, request, code: str) -> bool:
    """Accept a TOTP code or an unused recovery code for the signed-in person."""
    device = match_token(request.user, code.strip().replace(" ", ""))
    if device is None:
        return False
    otp_login(request, device)
    return True


def second_factor_check(*, user, code: str) -> bool:
    """For API sign-in: is `code` a valid second factor for this person (consumes it)."""
    if settings.DEMO_MODE and user.is_demo_account:
        return True
    code = (code or "").strip().replace(" ", "")
    # A missing code is not a wrong guess: don't let it start the devices' throttling.
    return bool(code) and match_token(user, code) is not None
