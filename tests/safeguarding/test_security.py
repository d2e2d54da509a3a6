"""Getting in: two-factor sign-in, lock-out, expiring tokens, sessions, CSP, deploy checks."""

import os
import re
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken
from knox.settings import CONSTANTS
from rest_framework.test import APIClient

from safeguarding.sessions import RENEW_AFTER_SECONDS, RENEWED_AT
from safeguarding.tasks import clear_expired_api_tokens
from tests.partnerships.factories import RoleAssignmentFactory
from tests.personas import BUSINESS, PRACTITIONER_HEALTH

PASSWORD = "a-long-test-password"


@pytest.fixture
def practitioner(demo):
    """A real (non-demo) account: always needs a second factor."""
    return RoleAssignmentFactory(
        partnership=demo.riverside, user__agency=demo.agency("Riverside Community Health NHS Trust")
    ).user


def code_for(device):
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def sign_in_with_password(client, username, password=PASSWORD):
    return client.post("/sign-in/", {"username": username, "password": password})


def test_a_first_sign_in_sets_up_an_authenticator_and_gives_recovery_codes(client, practitioner):
    signed_in = sign_in_with_password(client, practitioner.username)
    assert signed_in.status_code == 302

    blocked = client.get("/partnerships/")
    assert blocked.status_code == 302
    assert blocked["Location"].startswith("/account/two-factor/")
    setup = client.get("/account/two-factor/").content.decode()
    assert "Set up two-factor sign-in" in setup and "data:image/svg+xml" in setup

    device = TOTPDevice.objects.get(user=practitioner, confirmed=False)
    done = client.post("/account/two-factor/", {"code": code_for(device)})

    codes = re.findall(r"<code>([0-9a-f]{8}-[0-9a-f]{6})</code>", done.content.decode())
    assert len(codes) == 10
    assert client.get("/partnerships/").status_code == 200


def test_a_wrong_code_is_explained_and_signs_nobody_in(client, practitioner):
    sign_in_with_password(client, practitioner.username)
    client.get("/account/two-factor/")

    wrong = client.post("/account/two-factor/", {"code": "000000"})

    assert "That code is not right" in wrong.content.decode()
    assert client.get("/partnerships/").status_code == 302


def test_later_sign_ins_need_a_code_and_a_recovery_code_works_once(client, practitioner):
    sign_in_with_password(client, practitioner.username)
    client.get("/account/two-factor/")
    device = TOTPDevice.objects.get(user=practitioner)
    done = client.post("/account/two-factor/", {"code": code_for(device)})
    recovery = re.findall(r"<code>([0-9a-f]{8}-[0-9a-f]{6})</code>", done.content.decode())[0]
    client.post("/sign-out/")

    sign_in_with_password(client, practitioner.username)
    assert "Enter your code" in client.get("/account/two-factor/").content.decode()
    assert client.post("/account/two-factor/?next=/partnerships/", {"code": recovery}).url == (
        "/partnerships/"
    )
    client.post("/sign-out/")
    sign_in_with_password(client, practitioner.username)
    again = client.post("/account/two-factor/", {"code": recovery})

    assert "That code is not right" in again.content.decode()


def test_demo_accounts_skip_the_second_factor_only_in_demo_mode(client, demo, settings):
    sign_in_with_password(client, BUSINESS, "demo-pass-2026")
    assert client.get("/partnerships/").status_code == 200

    settings.DEMO_MODE = False
    assert client.get("/partnerships/").status_code == 302


def test_the_api_refuses_a_session_without_a_second_factor(client, practitioner):
    sign_in_with_password(client, practitioner.username)

    response = client.get("/api/v1/partnerships/")

    assert response.status_code == 403
    assert "two-factor" in response.json()["detail"]


def test_an_api_token_needs_the_second_factor_and_can_be_listed_and_revoked(practitioner):
    api = APIClient()
    device = TOTPDevice.objects.create(user=practitioner, name="phone", confirmed=True)

    refused = api.post(
        "/api/v1/auth/token/", {"username": practitioner.username, "password": PASSWORD}
    )
    issued = api.post(
        "/api/v1/auth/token/",
        {"username": practitioner.username, "password": PASSWORD, "otp": code_for(device)},
    )

    assert refused.status_code == 400 and "otp" in refused.json()
    assert issued.status_code == 200 and issued.json()["expiry"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {issued.json()['token']}")
    listed = api.get("/api/v1/auth/tokens/").json()
    assert len(listed) == 1
    assert api.delete(f"/api/v1/auth/tokens/{listed[0]['token_key']}/").status_code == 204
    assert api.get("/api/v1/partnerships/").status_code == 401


def token_for(user, *, expired=False) -> str:
    instance, token = AuthToken.objects.create(user=user)
    if expired:
        instance.expiry = timezone.now() - timedelta(minutes=1)
        instance.save(update_fields=["expiry"])
    return token


def test_an_expired_token_is_refused_and_deleted(demo):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(demo.user(BUSINESS), expired=True)}")

    assert api.get("/api/v1/partnerships/").status_code == 401
    assert not AuthToken.objects.exists()


def test_an_api_request_reads_its_own_token_however_many_the_person_holds(demo):
    user = demo.user(BUSINESS)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    api.get("/api/v1/partnerships/")
    with CaptureQueriesContext(connection) as one_token:
        api.get("/api/v1/partnerships/")

    for expired in [False] * 20 + [True] * 20:
        token_for(user, expired=expired)
    with CaptureQueriesContext(connection) as many_tokens:
        response = api.get("/api/v1/partnerships/")

    assert response.status_code == 200
    assert len(many_tokens) == len(one_token)
    token_reads = [q["sql"] for q in many_tokens if '"knox_authtoken"' in q["sql"]]
    assert token_reads and all('"knox_authtoken"."token_key" =' in sql for sql in token_reads)
    assert AuthToken.objects.filter(user=user).count() == 41  # the expired wait for the hour


def test_expired_tokens_are_cleared_every_hour_and_never_listed(client, demo):
    user = demo.user(BUSINESS)
    live = token_for(user)[: CONSTANTS.TOKEN_KEY_LENGTH]
    token_for(user, expired=True)
    token_for(demo.user(PRACTITIONER_HEALTH), expired=True)
    expired = set(AuthToken.objects.exclude(token_key=live).values_list("token_key", flat=True))
    api = APIClient()
    api.force_authenticate(user)
    client.force_login(user)

    listed = api.get("/api/v1/auth/tokens/").json()
    account = client.get("/account/")
    cleared = clear_expired_api_tokens.delay().get()

    assert [token["token_key"] for token in listed] == [live]
    assert account.status_code == 200 and live in account.content.decode()
    assert not [key for key in expired if key in account.content.decode()]
    assert cleared == 2
    assert list(AuthToken.objects.values_list("token_key", flat=True)) == [live]
    assert "safeguarding.tasks.clear_expired_api_tokens" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }


def test_the_account_page_lists_and_revokes_tokens(client, demo):
    AuthToken.objects.create(user=demo.user(BUSINESS))
    client.force_login(demo.user(BUSINESS))
    key = AuthToken.objects.get().token_key

    assert key in client.get("/account/").content.decode()
    client.post(f"/account/tokens/{key}/revoke/")

    assert not AuthToken.objects.exists()


def test_repeated_failures_lock_the_account_even_with_the_right_password(client, demo):
    for _ in range(5):
        sign_in_with_password(client, BUSINESS, "wrong-password")

    locked = sign_in_with_password(client, BUSINESS, "demo-pass-2026")
    api_locked = APIClient().post(
        "/api/v1/auth/token/", {"username": BUSINESS, "password": "demo-pass-2026"}
    )

    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
    assert api_locked.status_code in (403, 429)


def test_an_idle_session_expires_after_30_minutes(client, demo, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    client.force_login(demo.user(BUSINESS))
    assert client.get("/").status_code == 200

    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))

    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


def test_a_session_is_renewed_to_30_minutes_ahead_at_most_once_a_minute(client, demo):
    client.force_login(demo.user(BUSINESS))
    client.get("/")
    renewed = Session.objects.get().expire_date
    assert renewed - timezone.now() > timedelta(minutes=29, seconds=50)

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    assert Session.objects.get().expire_date == renewed
    assert not [q for q in queries if "UPDATE" in q["sql"] and "django_session" in q["sql"]]

    session = client.session
    session[RENEWED_AT] -= RENEW_AFTER_SECONDS
    session.save()
    moved_back = Session.objects.get().expire_date
    assert client.get("/").status_code == 200
    assert Session.objects.get().expire_date > moved_back


def test_a_visitor_with_an_ended_session_is_not_given_a_new_one(client, demo):
    client.force_login(demo.user(BUSINESS))
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))

    client.get("/")
    client.get("/sign-in/")

    assert not Session.objects.filter(expire_date__gt=timezone.now()).exists()


def test_pages_carry_a_content_security_policy_and_no_inline_script(client, demo):
    client.force_login(demo.user(BUSINESS))

    response = client.get("/")

    policy = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", policy).group(1)
    assert script_src.strip() == "'self'"
    assert "frame-ancestors 'none'" in policy
    inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", response.content.decode())
    assert inline == []


def production_env(**extra):
    unset = ("DEBUG", "DEMO_MODE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(
        DJANGO_SETTINGS_MODULE="safeguarding.settings",
        SECRET_KEY="p" * 20 + "r0duct10n-s3cr3t-k3y-w1th-3n0ugh-ch4r5-2026",
        ALLOWED_HOSTS="safeguarding.example.org",
        **extra,
    )
    return env


def test_the_deploy_checks_pass_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=production_env(),
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_demo_mode_is_refused_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        env=production_env(DEMO_MODE="true"),
        capture_output=True,
        text=True,
    )

    assert result.returncode != 0
    assert "DEMO_MODE is refused with production settings" in result.stderr


def test_a_username_longer_than_any_account_is_refused_with_a_field_message(client, demo):
    api = APIClient()

    too_long = api.post("/api/v1/auth/token/", {"username": "a" * 300, "password": "x"})
    long_code = api.post(
        "/api/v1/auth/token/",
        {"username": BUSINESS, "password": "demo-pass-2026", "otp": "1" * 300},
    )
    page = client.post("/sign-in/", {"username": "a" * 300, "password": "x"})
    admin_page = client.post("/admin/login/", {"username": "a" * 300, "password": "x"})

    assert too_long.status_code == 400
    assert "150" in too_long.json()["username"][0]
    assert long_code.status_code == 400 and "20" in long_code.json()["otp"][0]
    assert page.status_code == 200 and "There is a problem" in page.content.decode()
    assert admin_page.status_code == 200 and "150" in admin_page.content.decode()


@pytest.mark.parametrize("key", ["%00", "abc%00def", "x" * 16, "not-a-key"])
def test_a_token_key_that_no_token_could_have_is_simply_not_found(client, demo, key):
    AuthToken.objects.create(user=demo.user(BUSINESS))
    api = APIClient()
    api.force_authenticate(demo.user(BUSINESS))
    client.force_login(demo.user(BUSINESS))

    assert api.delete(f"/api/v1/auth/tokens/{key}/").status_code == 404
    assert client.post(f"/account/tokens/{key}/revoke/").status_code == 404
    assert AuthToken.objects.count() == 1
