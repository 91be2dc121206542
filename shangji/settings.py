"""Django settings. Everything deployment-specific comes from SHANGJI_* variables (see .env.example)."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from shangji.env import (
    ConfigError,
    database_from_url,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_path,
    env_str,
    sqlite_database,
)

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = env_path("SHANGJI_DATA_DIR", BASE_DIR.parent / "var")
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("SHANGJI_DEBUG", False)
TESTING = env_bool("SHANGJI_TESTING", "pytest" in sys.modules)


def _secret_key() -> str:
    key = env_str("SHANGJI_SECRET_KEY")
    if key:
        if len(key) < 32:
            raise ConfigError("SHANGJI_SECRET_KEY must be at least 32 characters long")
        return key
    # Single-machine installs get a random key kept under the data dir, so `make demo` needs no setup.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("SHANGJI_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("SHANGJI_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "django_htmx",
    "huey.contrib.djhuey",
    "shangji.core",
    "shangji.org",
    "shangji.customers",
    "shangji.pipeline",
    "shangji.leads",
    "shangji.visits",
    "shangji.todos",
    "shangji.notify",
    "shangji.automation",
    "shangji.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "shangji.core.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "shangji.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "shangji.urls"
WSGI_APPLICATION = "shangji.wsgi.application"
AUTH_USER_MODEL = "org.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "shangji.web.context.navigation",
            ],
        },
    }
]

_database_url = env_str("SHANGJI_DATABASE_URL")
DATABASES = {
    "default": database_from_url("SHANGJI_DATABASE_URL", _database_url)
    if _database_url
    else sqlite_database(DATA_DIR / "shangji.sqlite3")
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("SHANGJI_REDIS_URL")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ConfigError(f"SHANGJI_REDIS_URL={REDIS_URL!r}: expected redis://host:port/db")

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

HUEY = {
    "name": env_str("SHANGJI_QUEUE_NAME", "shangji"),
    "immediate": TESTING,
    # A4: periodic schedules (crontab) read the company's wall clock; Django sets the process time zone
    # to TIME_ZONE, so "Monday 08:00" means 08:00 in Asia/Shanghai.
    "utc": False,
    "results": False,  # nothing reads a task's return value; storing it was one more queue write per task
    "consumer": {
        "workers": env_int("SHANGJI_WORKERS", 4, minimum=1, maximum=64),
        # Threads share one core (the GIL); processes use every core for CPU-bound work such as lead scoring.
        "worker_type": env_choice("SHANGJI_WORKER_TYPE", "thread", ("thread", "process")),
        # Poll an idle SQLite queue at most every 0.2 s so an event reaches its webhook well under a second.
        "initial_delay": 0.05, "backoff": 1.5, "max_delay": 0.2,
        # A killed worker leaves its locks behind; the restarted one clears them (the work they
        # guarded is idempotent, see ADR 0002).
        "flush_locks": True,
    },
}
if REDIS_URL:
    HUEY |= {"huey_class": "huey.PriorityRedisHuey", "url": REDIS_URL}  # task priorities need Redis ≥ 5
else:
    from shangji.core.queue import QueueStorage

    HUEY |= {"huey_class": "huey.SqliteHuey", "storage_class": QueueStorage,
             "filename": str(DATA_DIR / "queue.sqlite3")}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

if TESTING:
    # Hashing strength is irrelevant in tests and PBKDF2 would dominate the suite's run time.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("SHANGJI_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"  # filled by `shangji collectstatic`; whitenoise also serves from the apps
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Request bodies above this are refused before parsing (oversized input is bad input).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("SHANGJI_MAX_REQUEST_BYTES", 2_621_440, minimum=65_536)
# File uploads (multipart) may be larger; the attachment size setting (附件大小上限) applies below this cap.
MAX_UPLOAD_BYTES = env_int("SHANGJI_MAX_UPLOAD_BYTES", 104_857_600, minimum=65_536)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SHANGJI_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "shangji.core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "shangji.core.api.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Shangji API",
    "DESCRIPTION": "商机 — sales management REST API. Authenticate with `Authorization: Token <key>`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}

# E-mail notifications (A3) over SMTP; no host = no e-mail channel. TLS = STARTTLS (port 587), SSL = port 465.
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env_str("SHANGJI_SMTP_HOST")
EMAIL_PORT = env_int("SHANGJI_SMTP_PORT", 587, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("SHANGJI_SMTP_USER")
EMAIL_HOST_PASSWORD = env_str("SHANGJI_SMTP_PASSWORD")
EMAIL_USE_TLS = env_bool("SHANGJI_SMTP_TLS", True)
EMAIL_USE_SSL = env_bool("SHANGJI_SMTP_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ConfigError("SHANGJI_SMTP_TLS and SHANGJI_SMTP_SSL cannot both be true: use TLS for port 587, SSL for 465")
DEFAULT_FROM_EMAIL = env_str("SHANGJI_SMTP_FROM", EMAIL_HOST_USER or "shangji@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = 30  # seconds; notification sends pass their own (shorter) timeout from the settings page
# The site's public address, for absolute links in e-mails and group-robot messages (empty = bare paths).
BASE_URL = env_str("SHANGJI_BASE_URL").rstrip("/")
if BASE_URL and not BASE_URL.startswith(("http://", "https://")):
    raise ConfigError(f"SHANGJI_BASE_URL={BASE_URL!r}: expected https://crm.example.com")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("SHANGJI_LOG_LEVEL", "INFO")},
    # Huey adds its own handler unless the logger has one: give it ours, once.
    "loggers": {"huey": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}
