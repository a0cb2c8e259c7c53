"""Debrief settings: one module, read from the environment.

Every variable is documented in docs/operator-guide.md. Development and
production differ only by the values given, never by extra settings.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from debrief.lib.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBRIEF_DEBUG", False)

SECRET_KEY = env_str("DEBRIEF_SECRET_KEY") or ""
if len(SECRET_KEY) < 32:
    raise ImproperlyConfigured(
        "DEBRIEF_SECRET_KEY must be set to a random string of at least 32 characters "
        "(for example: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )

ALLOWED_HOSTS = env_list("DEBRIEF_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DEBRIEF_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "axes",
    "debrief.lib",
    "debrief.audit",
    "debrief.accounts",
    "debrief.orgs",
    "debrief.people",
    "debrief.cycles",
    "debrief.reports",
    "debrief.meetings",
    "debrief.rectification",
    "debrief.ballots",
    "debrief.assessments",
    "debrief.front",
    "debrief.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "debrief.urls"
WSGI_APPLICATION = "debrief.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "debrief.front.context_processors.navigation",
                "debrief.rectification.context_processors.notices",
            ],
        },
    },
]

# The embedded SQLite database is the default so that `make run` works on a bare
# machine; production and CI point DATABASE_URL at PostgreSQL.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'debrief.sqlite3'}",
        conn_max_age=env_int("DEBRIEF_DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# Behind PgBouncer in transaction mode, server-side cursors must be off.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool(
    "DEBRIEF_DB_DISABLE_SERVER_SIDE_CURSORS", False
)
# The two statements of a ballot are prepared on the server once per connection
# (debrief/ballots/services.py); Django's own queries are never prepared. Turn this
# off behind a pooler that cannot carry prepared statements (PgBouncer before 1.21,
# or without max_prepared_statements, in transaction mode).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["OPTIONS"] = {
        "prepare_threshold": 5 if env_bool("DEBRIEF_DB_PREPARED_STATEMENTS", True) else None
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "front:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login lockout is keyed by username only: hundreds of phones and desks share one
# NAT address at a venue, so locking an IP would lock out the whole room.
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_FAILURE_LIMIT = env_int("DEBRIEF_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("DEBRIEF_LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# Idle sessions end after this many minutes; each request extends the session.
SESSION_COOKIE_AGE = 60 * env_int("DEBRIEF_SESSION_IDLE_MINUTES", 120, minimum=5)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS: list[Path] = []
TIME_ZONE = env_str("DEBRIEF_TIME_ZONE", "Asia/Shanghai") or "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
MEDIA_ROOT = Path(env_str("DEBRIEF_MEDIA_ROOT") or BASE_DIR / "var" / "media")
WHITENOISE_USE_FINDERS = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Uploads: spreadsheets and attachments are read into memory only up to this size.
DEBRIEF_MAX_UPLOAD_MB = env_int("DEBRIEF_MAX_UPLOAD_MB", 10, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# The address printed on ballot slips (QR codes): what voters' phones reach, e.g.
# https://debrief.example.gov.cn. Empty: the address of the request that issues them.
DEBRIEF_PUBLIC_URL = env_str("DEBRIEF_PUBLIC_URL") or ""

# Security. HTTPS is assumed unless the operator says otherwise (see the operator
# guide); on an intranet TLS is usually terminated by a reverse proxy.
DEBRIEF_HTTPS = env_bool("DEBRIEF_HTTPS", not DEBUG)
if env_bool("DEBRIEF_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = DEBRIEF_HTTPS
SESSION_COOKIE_SECURE = DEBRIEF_HTTPS
CSRF_COOKIE_SECURE = DEBRIEF_HTTPS
SECURE_HSTS_SECONDS = env_int("DEBRIEF_HSTS_SECONDS", 31536000 if DEBRIEF_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = DEBRIEF_HTTPS
SECURE_HSTS_PRELOAD = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = [
    # Lockout by username only is deliberate: a venue's phones share one NAT address.
    "axes.W006",
    # HSTS preload would tie intranet host names to the public preload list.
    "security.W021",
]

# Content-Security-Policy: everything from this server, nothing inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# Ballot tokens are part of the ballot addresses (/v/<token>, /api/v1/ballot/<token>):
# the filter replaces them with "<token>" wherever Django logs a path.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"ballot_tokens": {"()": "debrief.ballots.logging.BallotTokenFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["ballot_tokens"]},
    },
    "root": {"handlers": ["console"], "level": env_str("DEBRIEF_LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # A logger's filter applies before any handler, including Django's own
        # (console when DEBUG, mail_admins) on the "django" logger.
        "django.request": {"filters": ["ballot_tokens"]},
        "django.server": {
            "handlers": ["console"],
            "level": "INFO",
            "propagate": False,
            "filters": ["ballot_tokens"],
        },
    },
}

DEBRIEF_NAV_TITLE = _("Debrief")
