"""Settings, read from environment variables with strict parsing and safe defaults.

No DATABASE_URL: a SQLite file. No REDIS_URL: local-memory cache and Celery tasks run eagerly
in-process. DEBUG is off unless asked for, and with DEBUG off a SECRET_KEY must be given.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use true or false.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
# Demo accounts made by seed_demo may skip two-factor sign-in, on a developer's machine only.
DEMO_MODE = env_bool("DEMO_MODE", default=DEBUG)
if DEMO_MODE and not DEBUG:
    raise ImproperlyConfigured("DEMO_MODE is refused with production settings (DEBUG off).")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Only ever used with DEBUG on, on a developer's own machine.
    SECRET_KEY = "insecure-development-only-key"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]
THIRD_PARTY_APPS = [
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "simple_history",
    "crispy_forms",
    "crispy_forms_gds",
    "django_celery_beat",
    "health_check",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]
LOCAL_APPS = [
    "safeguarding",
    "partnerships",
    "reviews",
    "audits",
    "referrals",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "safeguarding.sessions.SlidingSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "safeguarding.two_factor.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "safeguarding.drafts.KeepDraftsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "safeguarding.urls"
WSGI_APPLICATION = "safeguarding.wsgi.application"
ASGI_APPLICATION = "safeguarding.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "safeguarding.context_processors.navigation",
                "safeguarding.drafts.drafts",
            ],
            # `date` formats each format's parts once (safeguarding/templatetags/compiled_dates.py).
            "builtins": ["safeguarding.templatetags.compiled_dates"],
        },
    },
]

# Widgets from Django's Jinja2 templates, the rest from Django's (safeguarding/form_renderer.py).
FORM_RENDERER = "safeguarding.form_renderer.WidgetRenderer"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles a plan's expressions when its cost estimate is high, as for a
    # year's indicators: about 100 ms of compiling to save a few ms of counting. A parallel plan
    # takes cores from the requests served beside it, and looks cheaper to the planner than it
    # is: a police lead's audit returns list counted in three processes, comparing every return
    # in the country with the audits' keys, answered at p95 in 1.5 s under load on two cores;
    # kept to one process, PostgreSQL reads the index entries of those audits instead: 133 ms.
    # A server-side cursor (`QuerySet.iterator()`, which the sweeps and exports read to the end)
    # is planned, by default, to return its first tenth quickly: the day after a sweep had told
    # 19,671 actions they were overdue, before autovacuum had counted them, that chose to compare
    # each open action with every one of them (5.4 s); planned for all its rows, 35 ms.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        "-c jit=off -c max_parallel_workers_per_gather=0 -c cursor_tuple_fraction=1"
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite (`make run` without DATABASE_URL) builds the covering indexes on their keys alone;
    # the columns they carry for PostgreSQL's index-only counts are not needed there.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "spm"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "partnerships.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Repeated failed sign-ins lock out the username and the address they came from.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "safeguarding.two_factor.locked_out"
AXES_IPWARE_PROXY_COUNT = env_int("AXES_IPWARE_PROXY_COUNT", 0)
OTP_TOTP_ISSUER = "Safeguarding Partnership Manager"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-guardian: no anonymous user row and no methods patched onto User.
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False
GUARDIAN_MONKEY_PATCH_GROUP = False

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static" / "dist"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "no-reply@safeguarding.example")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 30 * 60)
# The expiry slides with each request, renewed at most once a minute (safeguarding/sessions.py).
SESSION_SAVE_EVERY_REQUEST = False
CSRF_FAILURE_VIEW = "safeguarding.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# No inline script anywhere: scripts come from our own origin only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"
# crispy-forms-gds styles text inputs and plain selects; dates, numbers and yes-or-no choices
# would otherwise be drawn with no GOV.UK class at all.
CRISPY_CLASS_CONVERTERS = {
    "dateinput": "govuk-input govuk-input--width-10",
    "numberinput": "govuk-input govuk-input--width-10",
    "anyyesnoselect": "govuk-select",
}
# An empty choice in a filter matches everything.
FILTERS_EMPTY_CHOICE_LABEL = "Any"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so a request with no credentials is answered 401 with WWW-Authenticate.
        "safeguarding.api_tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "safeguarding.api.exception_handler",
}
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env_int("API_TOKEN_TTL_HOURS", 12)),
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Safeguarding Partnership Manager API",
    "DESCRIPTION": "The API of the multi-agency safeguarding children partnership system.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several apps have fields named `status`, `decision` or `kind`: each choice set gets its
    # own name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "ActionStatusEnum": "partnerships.choices.ActionStatus",
        "ReferralStatusEnum": "referrals.choices.ReferralStatus",
        "EscalationStatusEnum": "referrals.choices.EscalationStatus",
        "AuditReturnStatusEnum": "audits.choices.ReturnStatus",
        "ReferralDecisionEnum": "referrals.choices.Decision",
        "RapidReviewDecisionEnum": "reviews.choices.Decision",
        "AgencyReturnStatusEnum": "reviews.choices.ReturnStatus",
        "ScrutinyKindEnum": "partnerships.choices.ScrutinyKind",
        "SelfAssessmentKindEnum": "audits.choices.SelfAssessmentKind",
        "YearlyReportStatusEnum": "partnerships.choices.YearlyReportStatus",
        "MembershipRoleEnum": "partnerships.choices.MembershipRole",
    },
}

# Celery. Without a broker, tasks run in-process as soon as they are sent.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# When the broker is down, give up publishing quickly: the outbox keeps the work and the
# pending sweep sends it later, so a web request never hangs waiting for Redis.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The one beat schedule. Every sweep is safe to run twice: the outbox decides what was sent.
# Beat copies each entry into the database by name and keeps rows it no longer finds here, so
# renaming an entry or its task needs a migration that renames the row too (as partnerships
# 0017 does), or the old row goes on sending a task that no longer exists.
CELERY_BEAT_SCHEDULE = {
    "deliver-pending-notifications": {
        "task": "safeguarding.tasks.deliver_pending_notifications",
        "schedule": timedelta(minutes=5),
    },
    "clear-expired-api-tokens": {
        "task": "safeguarding.tasks.clear_expired_api_tokens",
        "schedule": timedelta(hours=1),
    },
    "pseudonymise-expired-records": {
        "task": "safeguarding.tasks.pseudonymise_expired_records",
        "schedule": crontab(hour=2, minute=30),
    },
    "start-and-end-roles": {
        "task": "partnerships.tasks.start_and_end_roles",
        "schedule": crontab(hour=0, minute=5),
    },
    "escalation-stage-sweep": {
        "task": "referrals.tasks.move_overdue_escalations",
        "schedule": crontab(hour=6, minute=30),
    },
    "arrangement-review-reminders": {
        "task": "partnerships.tasks.send_arrangement_review_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    "action-overdue-reminders": {
        "task": "partnerships.tasks.send_action_overdue_reminders",
        "schedule": crontab(hour=7, minute=5),
    },
    "rapid-review-reminders": {
        "task": "reviews.tasks.send_rapid_review_reminders",
        "schedule": crontab(hour=7, minute=10),
    },
    "agency-return-reminders": {
        "task": "reviews.tasks.send_agency_return_reminders",
        "schedule": crontab(hour=7, minute=15),
    },
    "practice-review-milestone-reminders": {
        "task": "reviews.tasks.send_practice_review_milestone_reminders",
        "schedule": crontab(hour=7, minute=20),
    },
    "audit-return-reminders": {
        "task": "audits.tasks.send_audit_return_reminders",
        "schedule": crontab(hour=7, minute=25),
    },
    "scrutiny-response-reminders": {
        "task": "partnerships.tasks.send_scrutiny_reminders",
        "schedule": crontab(hour=7, minute=30),
    },
    "yearly-report-reminders": {
        "task": "partnerships.tasks.send_yearly_report_reminders",
        "schedule": crontab(hour=7, minute=35),
    },
    "referral-deadline-reminders": {
        "task": "referrals.tasks.send_referral_deadline_reminders",
        "schedule": crontab(hour="8,12,15", minute=0, day_of_week="mon-fri"),
    },
    "referral-follow-up-reminders": {
        "task": "referrals.tasks.send_referral_follow_up_reminders",
        "schedule": crontab(hour=8, minute=5, day_of_week="mon-fri"),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": os.environ.get("AXES_LOG_LEVEL", "WARNING")}},
}
