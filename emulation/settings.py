"""Settings for the emulation-bloc application.

Everything that differs between a laptop and production comes from the environment
(README.md, "Deploying"). Development defaults are safe to run locally only.
"""

import json
import os
import warnings
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

# pyHanko 0.38 imports DSA from `cryptography`, which warns at import on every command; we never sign with DSA.
warnings.filterwarnings("ignore", message="DSA is deprecated")

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str = "0") -> bool:
    return os.environ.get(name, default).strip().lower() in {"1", "true", "yes", "on"}


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def envjson(name: str) -> dict:
    value = json.loads(os.environ.get(name) or "{}")
    if not isinstance(value, dict):
        raise RuntimeError(f"{name} must be a JSON object")
    return value


DEBUG = envbool("DJANGO_DEBUG", "1")
DEVELOPMENT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - public, so refused in production below
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not DEBUG and SECRET_KEY in ("", DEVELOPMENT_SECRET_KEY):
    raise RuntimeError("DJANGO_SECRET_KEY must be set, and not to the development key, when DJANGO_DEBUG is off")
SECRET_KEY = SECRET_KEY or DEVELOPMENT_SECRET_KEY
ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS")
DEMO_MODE = envbool("EMULATION_DEMO", "1" if DEBUG else "0")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "blocs",
    "awards",
    "reports",
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
    "emulation.idle.IdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "emulation.middleware.SecurityHeadersMiddleware",
    "emulation.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "emulation.urls"
WSGI_APPLICATION = "emulation.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "emulation.idle.context",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "0")),
        # A kept connection that died with the database is replaced before use, not answered with a 503.
        conn_health_checks=True,
    )
}
# Several test runs on one PostgreSQL server (developers working side by side) each name their own test database.
if os.environ.get("DJANGO_TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["DJANGO_TEST_DATABASE_NAME"]}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "blocs.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "blocs:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["emulation.formats"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
# Uploads and adopted PDFs go through Django's storage API only, so that several app servers can share
# one network folder or an S3-compatible bucket (docs/deployment.md §4): DJANGO_FILE_STORAGE names the
# backend, DJANGO_FILE_STORAGE_OPTIONS (a JSON object) its arguments, e.g. {"bucket_name": "thidua"}.
STORAGES = {
    "default": {"BACKEND": os.environ.get("DJANGO_FILE_STORAGE", "django.core.files.storage.FileSystemStorage"),
                "OPTIONS": envjson("DJANGO_FILE_STORAGE_OPTIONS")},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Attachments (covenant scans, evidence) are checked by content and capped at 10 MB (domain.md, issue 2).
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Digital signatures (chữ ký số, issue 12 item 7). A PEM bundle of the CAs whose certificates count as trusted
# (empty: every signature is shown as "valid, issuer not in the trust list"); a server-held PKCS#12 and its
# passphrase turn on the "sign" button (empty: signing is done elsewhere and the signed PDF uploaded).
SIGNING_TRUST_ROOTS = os.environ.get("EMULATION_SIGNING_TRUST_ROOTS", "")
SIGNING_PKCS12 = os.environ.get("EMULATION_SIGNING_PKCS12", "")
SIGNING_PASSPHRASE = os.environ.get("EMULATION_SIGNING_PASSPHRASE", "")
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
# Excel workbooks are refused before parsing beyond these (emulation/kernel/uploads.py, docs/deployment.md §2): the
# importers read at most 5,000 rows of a few columns; 20 MB unpacked is far more than that needs.
XLSX_MAX_UNPACKED_BYTES = int(os.environ.get("EMULATION_XLSX_MAX_UNPACKED_MB", "20")) * 1024 * 1024
XLSX_MAX_ROWS = 10_000
XLSX_MAX_COLUMNS = 100
XLSX_MAX_CELLS = 200_000
# A bloc-year archive (JSON) is refused beyond this size and nesting depth (blocs/archive.py).
ARCHIVE_MAX_BYTES = 50 * 1024 * 1024
ARCHIVE_MAX_DEPTH = 40

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
# Database sessions whose simultaneous writes merge instead of overwriting each other (emulation/sessions.py).
SESSION_ENGINE = "emulation.sessions"
# A signed-in session lasts a working day by default, not Django's two weeks (docs/deployment.md §2).
SESSION_COOKIE_AGE = int(os.environ.get("EMULATION_SESSION_HOURS", "10")) * 3600
# ...and ends sooner after this long without a request, on shared office computers (emulation/idle.py).
SESSION_IDLE_SECONDS = int(os.environ.get("EMULATION_SESSION_IDLE_MINUTES", "30")) * 60
# A form refused by the CSRF check gets a Vietnamese page that offers the input again (emulation/idle.py).
CSRF_FAILURE_VIEW = "emulation.idle.csrf_failure"

# Production hardening: on whenever DEBUG is off (README.md, "Deploying").
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", "1")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'"
)
# Django's admin sets a few inline style attributes; its scripts are all files of its own (no inline script).
ADMIN_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
    # pyHanko logs a traceback at WARNING for every certificate whose CA is not in the trust list: the screen
    # and the audit entry already say so, and with no trust list configured that is every signature.
    "loggers": {"pyhanko": {"level": "ERROR"}},
}

# The Government's emulation flag: its award code in the catalogue (blocs Award), which the rule sets may require
# to go to the bloc's first in the score table, and its proposals of a province: at most this share of the bloc
# leaders (domain.md §2).
GOV_FLAG_AWARD = "co-thi-dua-chinh-phu"
GOV_FLAG_CAP_RATE = os.environ.get("EMULATION_GOV_FLAG_CAP_RATE", "1/5")

# Sign-in throttling (blocs/signin.py, docs/deployment.md §2): failures of one account from one address, of one
# address for any account, and of one account from many addresses each pause what they concern, never more.
SIGNIN_MAX_FAILURES = int(os.environ.get("EMULATION_SIGNIN_MAX_FAILURES", "5"))
SIGNIN_LOCK_MINUTES = int(os.environ.get("EMULATION_SIGNIN_LOCK_MINUTES", "15"))
SIGNIN_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("EMULATION_SIGNIN_MAX_FAILURES_PER_ADDRESS", "50"))
SIGNIN_ACCOUNT_SLOWDOWN_AFTER = int(os.environ.get("EMULATION_SIGNIN_ACCOUNT_SLOWDOWN_AFTER", "10"))
SIGNIN_ACCOUNT_DELAY_SECONDS = int(os.environ.get("EMULATION_SIGNIN_ACCOUNT_DELAY_SECONDS", "30"))

# Voting cards (issue 11): spares printed beyond one card per unit present, and wrong codes tolerated from one
# address (a meeting room often shares one address) before it waits.
VOTING_CARD_SPARES = int(os.environ.get("EMULATION_VOTING_CARD_SPARES", "2"))
VOTING_CARD_MAX_SPARES = 50
VOTING_CARD_MAX_FAILURES = int(os.environ.get("EMULATION_VOTING_CARD_MAX_FAILURES", "30"))
VOTING_CARD_LOCK_MINUTES = int(os.environ.get("EMULATION_VOTING_CARD_LOCK_MINUTES", "10"))
# The client address comes from X-Forwarded-For only behind this many proxies of our own, each appending to it.
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "0"))
if "DJANGO_TRUST_X_FORWARDED_FOR" in os.environ:
    raise RuntimeError("DJANGO_TRUST_X_FORWARDED_FOR trusted a header any client can write and is gone: "
                       "set DJANGO_TRUSTED_PROXY_COUNT to the number of proxies in front (docs/deployment.md)")

# Argon2id cost of the counting committee's passphrase (awards/ballot_box.py, docs/secrecy.md): "moderate"
# (256 MiB, about a second, once per close) unless the environment says otherwise; the test suite uses "min".
BALLOT_BOX_KDF = os.environ.get("EMULATION_BALLOT_BOX_KDF", "moderate")

# One-time sign-in links (blocs/services/people.py): a new account's first password, or a reset started by the
# secretariat, the board or the administrator. Django's password-reset token: one use, this many days.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("EMULATION_SIGNIN_LINK_DAYS", "7")) * 86400
# Email is optional: with no host, sign-in links are printed and handed over instead of sent.
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("DJANGO_EMAIL_USE_TLS", "0") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "khoi-thi-dua@localhost")
# Deadline reminders (`manage.py send_reminders`, docs/deployment.md): this many days before a step is due, and on
# the day. Links in the messages and the calendar link start with the site's address as people reach it.
REMINDER_DAYS_BEFORE = int(os.environ.get("EMULATION_REMINDER_DAYS_BEFORE", "3"))
SITE_URL = os.environ.get("EMULATION_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
