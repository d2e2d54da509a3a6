"""Production settings plus the benchmark's own pieces (its commands and the floor view).

Used only by `make bench`: the app is served exactly as in production (DEBUG off, 2FA on,
WhiteNoise, persistent connections), with one extra URL for the framework floor.
"""

from safeguarding.settings import *  # noqa: F403
from safeguarding.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
# The load tool speaks plain HTTP to gunicorn, as a TLS-terminating proxy would.
SECURE_SSL_REDIRECT = False
# Reminder e-mails are counted, not sent: the mail server is not what is measured.
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
