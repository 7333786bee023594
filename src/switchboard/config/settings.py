"""Settings from the environment. With nothing set: SQLite in ./var, console mail, debug off, localhost only."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.management.utils import get_random_secret_key
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("SWITCHBOARD_DATA_DIR", Path.cwd() / "var")).resolve()


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """An explicit SECRET_KEY wins; otherwise one generated once and kept in the data directory."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(get_random_secret_key())
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
BASE_URL = os.environ.get("SWITCHBOARD_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
SECURE_COOKIES = env_bool("SECURE_COOKIES", BASE_URL.startswith("https://"))
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
BEHIND_PROXY = env_bool("BEHIND_PROXY")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None

INSTALLED_APPS = [
    "switchboard.portal",  # first, so its admin/base_site.html overrides Django's
    "switchboard.portal.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "template_partials.apps.SimpleAppConfig",
    "django_htmx",
    "oauth2_provider",
    "django_tasks",
    "django_tasks_db",
    "switchboard.core",
    "switchboard.events",
    "switchboard.tenancy",
    "switchboard.connectivity",
    "switchboard.aaa",
    "switchboard.catalog",
    "switchboard.orders",
    "switchboard.sms",
    "switchboard.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "switchboard.api.middleware.JsonErrorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "switchboard.portal.middleware.PrincipalMiddleware",
]

ROOT_URLCONF = "switchboard.config.urls"
WSGI_APPLICATION = "switchboard.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "switchboard.portal.context.shell",
            ],
            "loaders": [
                (
                    "template_partials.loader.Loader",
                    [
                        "django.template.loaders.filesystem.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'switchboard.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and immediate transactions let the web, worker and AAA processes share one file without "locked" errors.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # Parameters travel apart from the SQL instead of being quoted into it in Python: the AAA's batches carry
    # hundreds of values per statement.
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "switchboard_cache",
    }
}
if cache_url := os.environ.get("REDIS_URL"):
    CACHES["default"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": cache_url}

AUTH_USER_MODEL = "tenancy.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_LINK_HOURS", "72")) * 3600
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:dashboard"
SESSION_COOKIE_AGE = 8 * 3600

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("de", _("German")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Berlin")
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
if email_url := os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
    EMAIL_HOST = email_url
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    # Outbox handlers send mail inside their delivery's transaction: a hung mail server must not hold it for long.
    EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Switchboard <noreply@switchboard.invalid>")

OAUTH2_PROVIDER_APPLICATION_MODEL = "tenancy.ApiClient"
OAUTH2_PROVIDER = {
    "SCOPES": {"all": "Everything the API client's organisation may do"},
    "DEFAULT_SCOPES": ["all"],
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "PKCE_REQUIRED": True,
    "OAUTH2_VALIDATOR_CLASS": "switchboard.tenancy.oauth.ApiClientValidator",
    # Tokens are kept only as SHA-256 checksums (RFC 9700): a database dump yields no usable bearer token.
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
}

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

SWITCHBOARD = {
    "API_RATE": os.environ.get("API_RATE", "600/m"),
    "LOGIN_FAILURES": os.environ.get("LOGIN_FAILURES", "5/900"),
    "OUTBOX_MAX_ATTEMPTS": int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "8")),
    # The operator's network, shown to customers under Configuration → Network settings.
    "APN": os.environ.get("SIM_APN", "iot.switchboard.net"),
    "SMSC": os.environ.get("SIM_SMSC", "+882285000000"),
    # APNs a SIM may open data sessions on (lower case, comma-separated); empty allows any.
    "APNS": [
        apn.strip().lower()
        for apn in os.environ.get("SIM_APNS", os.environ.get("SIM_APN", "iot.switchboard.net")).split(",")
        if apn.strip()
    ],
    "SIM_HISTORY_DAYS": int(os.environ.get("SIM_HISTORY_DAYS", "400")),
    # The RADIUS AAA (`switchboard radius`); the simulator and the demo use the same values.
    "RADIUS": {
        "BIND": os.environ.get("RADIUS_BIND", "0.0.0.0"),  # noqa: S104  (gateways reach it over the network)
        "AUTH_PORT": int(os.environ.get("RADIUS_AUTH_PORT", "1812")),
        "ACCT_PORT": int(os.environ.get("RADIUS_ACCT_PORT", "1813")),
        "INTERIM_INTERVAL": int(os.environ.get("RADIUS_INTERIM_INTERVAL", "300")),
        # The shared secret the simulator (`switchboard simulate`) and the demo's RADIUS client use.
        "SIMULATOR_SECRET": os.environ.get("RADIUS_SIMULATOR_SECRET", "simulated-pgw-secret"),
    },
    # Static SIM addresses (sent to the gateway as Framed-IP-Address): each organisation gets pools of this prefix
    # length (a /24 holds 254 SIMs) from the operator's address space, the next one when the last is full.
    "IP_SPACE": os.environ.get("SIM_IP_SPACE", "10.64.0.0/10"),
    "IP_POOL_PREFIX": int(os.environ.get("SIM_IP_POOL_PREFIX", "24")),
    # Data streams and webhooks may reach private, loopback and link-local addresses (receivers inside the
    # operator's network; tests and the demo on loopback). Off by default: customers' URLs could reach internals.
    "WEBHOOKS_ALLOW_PRIVATE": env_bool("WEBHOOKS_ALLOW_PRIVATE"),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django_tasks": {"level": "WARNING"}, "django_tasks_db": {"level": "WARNING"}},
}
FORMAT_MODULE_PATH = ["switchboard.config.formats"]
