"""Django settings. Configuration comes from environment variables only (see README)."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("CAMINANTE_DATA_DIR", Path.cwd() / "var"))

DEMO_SECRET_KEY = "caminante-demo-secret-key-not-for-production"  # noqa: S105 - the known demo value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_number(name: str, default: str, kind: type = int):
    """An int or float variable; a value that is not one is a configuration error naming the variable."""
    value = os.environ.get(name, default)
    try:
        return kind(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}") from None


def make_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ImproperlyConfigured(
            f"cannot create {path} ({exc.strerror}); set CAMINANTE_DATA_DIR to a writable directory"
        ) from None


DEBUG = env_bool("CAMINANTE_DEBUG", False)
DEMO_MODE = env_bool("CAMINANTE_DEMO", False)
SECRET_KEY = os.environ.get("CAMINANTE_SECRET_KEY", DEMO_SECRET_KEY)
if SECRET_KEY == DEMO_SECRET_KEY and not (DEBUG or DEMO_MODE or os.environ.get("CAMINANTE_TESTING")):
    raise ImproperlyConfigured(
        (
            "CAMINANTE_SECRET_KEY is the demo key"
            if "CAMINANTE_SECRET_KEY" in os.environ
            else "CAMINANTE_SECRET_KEY is not set"
        )
        + ": set a long random CAMINANTE_SECRET_KEY in production (or CAMINANTE_DEMO=1 for a demo)"
    )
# Keys for the audit chain and field encryption; derived from the secret key unless given.
AUDIT_KEY = os.environ.get("CAMINANTE_AUDIT_KEY", SECRET_KEY)
FIELD_ENCRYPTION_KEY = os.environ.get("CAMINANTE_FIELD_ENCRYPTION_KEY", SECRET_KEY)

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("CAMINANTE_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CAMINANTE_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_countries",
    "axes",
    "caminante.core",
    "caminante.registry",
    "caminante.assistance",
    "caminante.channels",
    "caminante.cash",
    "caminante.feedback",
    "caminante.referrals",
    "caminante.rfl",
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
    "caminante.core.inputs.InputGuardMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "caminante.urls"
WSGI_APPLICATION = "caminante.wsgi.application"

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
                "django.template.context_processors.i18n",
                "caminante.core.context_processors.caminante",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("CAMINANTE_DATABASE_URL") or f"sqlite:///{DATA_DIR / 'caminante.sqlite3'}"
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
except ValueError as exc:
    raise ImproperlyConfigured(f"CAMINANTE_DATABASE_URL is not a database URL ({exc})") from None
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    make_dir(DATA_DIR)
    # WAL lets the web server and the worker read while the other writes; IMMEDIATE avoids
    # lock-upgrade deadlocks between them.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lock an account+address after repeated failures (django-axes).
AXES_FAILURE_LIMIT = env_number("CAMINANTE_LOGIN_FAILURE_LIMIT", "5")
AXES_COOLOFF_TIME = env_number("CAMINANTE_LOGIN_COOLOFF_HOURS", "0.5", float)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Idle timeout: the session expires after this many seconds without a request.
SESSION_COOKIE_AGE = env_number("CAMINANTE_SESSION_IDLE_SECONDS", "1800")
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not (DEBUG or DEMO_MODE or os.environ.get("CAMINANTE_TESTING"))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Spanish")), ("pt", _("Portuguese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# `collectstatic` fills it in production; until then WhiteNoise serves from the finders and
# would warn on every request that the directory is missing.
make_dir(STATIC_ROOT)
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True

EMAIL_BACKEND = os.environ.get("CAMINANTE_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("CAMINANTE_EMAIL_FROM", "caminante@localhost")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "caminante.core.api.CaminanteAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "caminante.core.inputs.BoundedPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "caminante.core.api.exception_handler",
    "DEFAULT_PARSER_CLASSES": ["caminante.core.inputs.BoundedJSONParser"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Caminante API",
    "DESCRIPTION": "Service points, people, households and services delivered at Humanitarian Service Points.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI is served by the app itself, not from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Names for choice sets whose field names collide (the RFL app's relationship, status, kind, sex):
    # each keeps a stable name, and the enums that had these names before keep them.
    "ENUM_NAME_OVERRIDES": {
        "RelationshipEnum": "caminante.registry.models.Relationship",
        "KindEnum": "caminante.core.models.ServicePoint.Kind",
        "SexEb6Enum": "caminante.registry.models.Sex",  # the name it had; a tracing request's sought_sex too
        "TracingStatusEnum": "caminante.rfl.models.Status",
        "SoughtRelationshipEnum": "caminante.rfl.models.SoughtRelationship",
        "DisclosureKindEnum": "caminante.rfl.models.DisclosureKind",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "caminante.core.api.document_error_responses",
    ],
}

# Outbox delivery
OUTBOX_MAX_ATTEMPTS = env_number("CAMINANTE_OUTBOX_MAX_ATTEMPTS", "8")
OUTBOX_BACKOFF_BASE_SECONDS = env_number("CAMINANTE_OUTBOX_BACKOFF_SECONDS", "30", float)
OUTBOX_LEASE_SECONDS = env_number("CAMINANTE_OUTBOX_LEASE_SECONDS", "120")
SMS_GATEWAY_URL = os.environ.get("CAMINANTE_SMS_GATEWAY_URL", "")
# Every WhatsApp, SMS and e-mail message goes to the local sink (the "Messages sent (demo)" page)
# instead of a provider; in demo mode a channel without a provider goes there anyway.
MESSAGE_SINK = env_bool("CAMINANTE_MESSAGE_SINK", False)
# The test suite (its settings never trip the start-up checks of the message providers).
TESTING = bool(os.environ.get("CAMINANTE_TESTING"))
HTTP_TIMEOUT_SECONDS = env_number("CAMINANTE_HTTP_TIMEOUT_SECONDS", "10", float)

# WhatsApp Cloud API (channels app); the numbers themselves are configured per National Society.
WHATSAPP_API_URL = os.environ.get("CAMINANTE_WHATSAPP_API_URL", "https://graph.facebook.com")
WHATSAPP_API_VERSION = os.environ.get("CAMINANTE_WHATSAPP_API_VERSION", "v21.0")
WHATSAPP_APP_SECRET = os.environ.get("CAMINANTE_WHATSAPP_APP_SECRET", "")
WHATSAPP_VERIFY_TOKEN = os.environ.get("CAMINANTE_WHATSAPP_VERIFY_TOKEN", "")
WHATSAPP_ACCESS_TOKEN = os.environ.get("CAMINANTE_WHATSAPP_ACCESS_TOKEN", "")
# Chat message text is deleted after this many days.
CHAT_RETENTION_DAYS = env_number("CAMINANTE_CHAT_RETENTION_DAYS", "90")

# Small counts in aggregate reports are suppressed below this value.
REPORT_MIN_CELL = env_number("CAMINANTE_REPORT_MIN_CELL", "5")

# Map tiles of the public service map (a URL template with {z}/{x}/{y}; {s} for subdomains).
MAP_TILE_URL = os.environ.get("CAMINANTE_MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CAMINANTE_LOG_LEVEL", "INFO")},
}
