"""Test settings: the real settings with a few small overrides."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret")

from safeguarding.settings import *  # noqa: F403
from safeguarding.settings import CACHES, REDIS_URL

_worker = os.environ.get("PYTEST_XDIST_WORKER", "main")

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = os.environ.get(
    "TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend"
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tasks run in-process unless a test starts a real worker; each test process has its own queue,
# control exchange (so a ping reaches only its own workers) and cache prefix, so parallel test
# processes sharing one Redis never see each other's work.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_DEFAULT_QUEUE = f"tests-{_worker}"
CELERY_CONTROL_EXCHANGE = f"tests-{_worker}"
if REDIS_URL:
    CACHES["default"]["KEY_PREFIX"] = f"tests-{_worker}"
# Demo personas skip the second factor as on a developer's machine; other users in tests are
# signed in with one (see tests/conftest.py).
DEMO_MODE = True
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# The benchmark's commands, so its dataset generator is tested against the current models.
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]  # noqa: F405
