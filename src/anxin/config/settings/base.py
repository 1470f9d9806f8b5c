"""Settings shared by every environment; the others differ only by what the environment says."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from anxin.config.datadir import data_dir, secret_file

PACKAGE_DIR = Path(__file__).resolve().parents[2]
DATA_DIR = data_dir()

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or secret_file(DATA_DIR, "secret_key", 50)
# The master key wraps the data keys of the encrypted fields (security core).
ANXIN_MASTER_KEY = os.environ.get("ANXIN_MASTER_KEY") or secret_file(DATA_DIR, "master.key", 32)

DEBUG = False
ALLOWED_HOSTS = [
    h for h in os.environ.get("ANXIN_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("ANXIN_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "anxin.core",
    "anxin.crypto",
    "anxin.accounts",
    "anxin.audit",
    "anxin.approvals",
    "anxin.org",
    "anxin.clients",
    "anxin.catalogue",
    "anxin.delivery",
    "anxin.imports",
    "anxin.notifications",
    "anxin.api",
    "anxin.scheduling",
    "anxin.dispatch",
    "anxin.performance",
    "anxin.staff",
    "anxin.attendance",
    "anxin.backups",
    "anxin.privacy",
    "anxin.complaints",
    "anxin.supervision",
    "anxin.till",
    "anxin.cards",
    "anxin.commissions",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "template_partials",
    "huey.contrib.djhuey",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "anxin.core.middleware.MethodAllowlistMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "anxin.core.middleware.RequestIdMiddleware",
    "anxin.core.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "anxin.accounts.middleware.SessionLimitsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "anxin.accounts.middleware.CurrentStoreMiddleware",
    "anxin.audit.middleware.DeniedUseMiddleware",
    "anxin.accounts.middleware.SecondFactorMiddleware",
    "anxin.accounts.middleware.PasswordExpiryMiddleware",
    "axes.middleware.AxesMiddleware",
]
CSRF_FAILURE_VIEW = "anxin.core.views.csrf_failure"

ROOT_URLCONF = "anxin.config.urls"
WSGI_APPLICATION = "anxin.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "anxin.core.context_processors.shell",
                "anxin.notifications.context_processors.inbox",
            ],
        },
    }
]


def database_config() -> dict:
    """SQLite in the data directory by default; PostgreSQL (or another) through DATABASE_URL."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        try:
            config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        except (ValueError, KeyError) as exc:
            raise ImproperlyConfigured(
                f"DATABASE_URL is not a usable database address ({exc}). "
                "Example: postgres://user:password@127.0.0.1:5432/anxin"
            ) from exc
        if not config.get("ENGINE"):
            raise ImproperlyConfigured("DATABASE_URL names no known database engine.")
        if config["ENGINE"].endswith("postgresql"):
            # Row locks plus READ COMMITTED are what the code allocator relies on.
            config.setdefault("OPTIONS", {})
        return config
    return sqlite_config(DATA_DIR / "anxin.sqlite3")


def sqlite_config(path: Path) -> dict:
    """SQLite in WAL mode; IMMEDIATE transactions so concurrent writers queue instead of failing."""
    return {
        "ENGINE": "anxin.core.sqlite3",  # Django's, with writers queued (core/sqlite3/base.py)
        "NAME": str(path),
        "CONN_MAX_AGE": 600,  # one connection per server thread, not one per request
        "OPTIONS": {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA busy_timeout=30000;"
            ),
        },
    }


DATABASES = {"default": database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# 等保 profile (ANXIN_PASSWORD_PROFILE=dengbao): character classes and expiry on top of the default.
ANXIN_PASSWORD_PROFILE = os.environ.get("ANXIN_PASSWORD_PROFILE", "default")
ANXIN_PASSWORD_EXPIRY_DAYS = int(os.environ.get("ANXIN_PASSWORD_EXPIRY_DAYS", "90"))
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "anxin.accounts.passwords.LengthValidator",
        "OPTIONS": {"min_length": 12, "min_length_with_second_factor": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "anxin.accounts.passwords.DengbaoComplexityValidator"},
]

# Lockout: 5 failures per username and IP, then a 15-minute cool-off (django-axes). Attempts made
# while locked do not restart the cool-off, or one request every 15 minutes would keep anyone out.
# The address is REMOTE_ADDR, or X-Forwarded-For through ANXIN_TRUSTED_PROXIES trusted proxies.
AXES_FAILURE_LIMIT = int(os.environ.get("ANXIN_LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("ANXIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "anxin.audit.services.client_ip"
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["password"]
# Every failure is kept (per account) for the soft throttle below (anxin/accounts/login_throttle.py).
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Per-account soft throttle for devices that never logged in to the account: after 5 consecutive
# failures from anywhere, each further one makes them wait 1, 2, 4 … seconds (at most 5 minutes);
# after 100 (NIST SP 800-63B §5.2.2) only devices that have logged in before (a signed cookie kept
# for a year) may try, until the account next logs in.
ANXIN_LOGIN_FREE_FAILURES = int(os.environ.get("ANXIN_LOGIN_FREE_FAILURES", "5"))
ANXIN_LOGIN_MAX_DELAY_SECONDS = int(os.environ.get("ANXIN_LOGIN_MAX_DELAY_SECONDS", "300"))
ANXIN_LOGIN_ACCOUNT_LIMIT = int(os.environ.get("ANXIN_LOGIN_ACCOUNT_LIMIT", "100"))
ANXIN_KNOWN_DEVICE_DAYS = int(os.environ.get("ANXIN_KNOWN_DEVICE_DAYS", "365"))

# Sessions (anxin/accounts/sessions.py): idle timeout 30 minutes, checked server-side — the clock
# pauses while the person has a service of their own in progress — and absolute 12 hours. "Last
# seen" is written at most once a minute, not on every request; the cookie lives as long as the
# absolute limit, so it never expires before the server-side idle check can explain the sign-out.
# The page warns ANXIN_SESSION_WARNING_SECONDS before the idle limit (static/anxin/session.js).
ANXIN_SESSION_IDLE_SECONDS = int(os.environ.get("ANXIN_SESSION_IDLE_MINUTES", "30")) * 60
ANXIN_SESSION_ABSOLUTE_SECONDS = int(os.environ.get("ANXIN_SESSION_ABSOLUTE_HOURS", "12")) * 3600
ANXIN_SESSION_WARNING_SECONDS = int(os.environ.get("ANXIN_SESSION_WARNING_SECONDS", "120"))
SESSION_COOKIE_AGE = ANXIN_SESSION_ABSOLUTE_SECONDS
SESSION_SAVE_EVERY_REQUEST = False
OTP_TOTP_ISSUER = "Anxin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("zh-hant", "繁體中文"),
    ("en", "English"),
]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
# Input values in ISO 8601 whatever the language (src/anxin/formats/).
FORMAT_MODULE_PATH = ["anxin.formats"]
TIME_ZONE = os.environ.get("ANXIN_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "media")},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Caches. "default": each server process's own (figures a minute old, the navigation).
# "marks": when each person last made a change (core.home.changed), read by every server process
# on this machine: a small file per person in the data directory, so that marking it writes
# nothing to the database (on SQLite every database write waits for the one writer). Servers on
# several machines (PostgreSQL) point it at a cache they share.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "marks": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "marks"),
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": 10000},
    },
}

# Uploads and collected static files: private to the account running Anxin, like the rest of
# the data directory (Django would otherwise chmod them 0644 whatever the umask).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

HUEY = {
    "huey_class": "huey.SqliteHuey",
    "name": "anxin",
    "filename": str(DATA_DIR / "tasks.sqlite3"),
    "immediate": False,
    "consumer": {"workers": 2, "worker_type": "thread"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "anxin.core.logging.RedactPersonalData"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("ANXIN_LOG_LEVEL", "INFO")},
    # Framework loggers that may see request data are redacted at the source, before any handler.
    "loggers": {
        name: {"filters": ["redact"], "level": "WARNING" if name == "axes" else "INFO"}
        for name in ["django.request", "django.server", "django.security", "axes", "gunicorn"]
    },
}


def code_widths(raw: str) -> dict[str, int]:
    """Parse ``ANXIN_CODE_WIDTHS`` such as ``KH=5,YY=5`` into serial widths per family."""
    widths: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        family, sep, width = part.partition("=")
        if not sep or not width.strip().isdigit():
            raise ImproperlyConfigured(
                f"ANXIN_CODE_WIDTHS: '{part}' is not of the form FAMILY=WIDTH, e.g. KH=5"
            )
        widths[family.strip().upper()] = int(width)
    return widths


ANXIN_CODE_WIDTHS = code_widths(os.environ.get("ANXIN_CODE_WIDTHS", ""))
ANXIN_BENCH = os.environ.get("ANXIN_BENCH") == "1"
if ANXIN_BENCH:
    # Benchmarks only: each response tells how many SQL statements it took and their time.
    MIDDLEWARE.insert(0, "anxin.core.middleware.SqlMeterMiddleware")

MESSAGE_TAGS_VERBOSE = {"error": _("Error"), "success": _("Done"), "warning": _("Warning")}


# -- audit (AUD-1..3, PRV-2) ---------------------------------------------------------------
def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not '{raw}'") from None


# The key of the logs' HMAC chain lives outside the database (0600 file in the data directory).
ANXIN_AUDIT_KEY = os.environ.get("ANXIN_AUDIT_KEY") or secret_file(DATA_DIR, "audit.key", 32)
# Checkpoints (log, seq, mac) appended outside the database, every N entries and by `audit verify`.
ANXIN_AUDIT_CHECKPOINT_FILE = DATA_DIR / "audit-checkpoints.jsonl"
ANXIN_AUDIT_CHECKPOINT_EVERY = env_int("ANXIN_AUDIT_CHECKPOINT_EVERY", 1000)
# Kept three years by default; the law requires at least six months (183 days, checked at start).
ANXIN_AUDIT_RETENTION_DAYS = env_int("ANXIN_AUDIT_RETENTION_DAYS", 1095)
# How many reverse proxies in front of Anxin append to X-Forwarded-For (0: trust REMOTE_ADDR only).
# The logs and the log-in lockout take the client's address from that header only through them.
ANXIN_TRUSTED_PROXIES = env_int("ANXIN_TRUSTED_PROXIES", env_int("ANXIN_AUDIT_PROXY_COUNT", 0))
# Anomaly rules over the use log (AUD-3); any key may be overridden, any rule switched off.
ANXIN_ALERT_RULES = {
    "bulk_reads": {"records": 50, "minutes": 10},
    "off_hours": {"start": "08:00", "end": "22:00"},
    "denied": {"enabled": True},
    "repeated_reveals": {"reveals": 5, "minutes": 10},
    "export": {"enabled": True},
}

# Notifications: the in-app inbox always; outside channels by backend (anxin.notifications.backends).
# ANXIN_NOTIFY_EMAIL / ANXIN_NOTIFY_SMS = console (default) | file (<data dir>/outbox/) | email
_NOTIFY_BACKENDS = {
    "console": "anxin.notifications.backends.ConsoleBackend",
    "file": "anxin.notifications.backends.FileBackend",
    "email": "anxin.notifications.backends.EmailBackend",
}


def notify_channel(variable: str) -> str:
    value = os.environ.get(variable, "console")
    if value not in _NOTIFY_BACKENDS:
        raise ImproperlyConfigured(
            f"{variable}: '{value}' is not one of {', '.join(sorted(_NOTIFY_BACKENDS))}"
        )
    return _NOTIFY_BACKENDS[value]


ANXIN_NOTIFY_CHANNELS = {
    "email": notify_channel("ANXIN_NOTIFY_EMAIL"),
    "sms": notify_channel("ANXIN_NOTIFY_SMS"),
}

# Appointments: minutes a practitioner rests between two bookings.
ANXIN_REST_GAP_MINUTES = env_int("ANXIN_REST_GAP_MINUTES", 10)
ANXIN_OPENING_HOURS = os.environ.get("ANXIN_OPENING_HOURS", "10:00-22:00")
# Clients and practitioners are reminded this many hours before a booking (SMS / inbox).
ANXIN_REMINDER_HOURS = env_int("ANXIN_REMINDER_HOURS", 24)
# -- staff and attendance ---------------------------------------------------------------------
# Minutes of grace before a clock-in counts as late (or a clock-out as early).
ANXIN_ATTENDANCE_GRACE_MINUTES = int(os.environ.get("ANXIN_ATTENDANCE_GRACE_MINUTES", "5"))

# -- backups (STO-4, STO-5, PLT-2) ---------------------------------------------------------
# The backup key encrypts backups; it is separate from the data keys and never inside a backup.
ANXIN_BACKUP_KEY = os.environ.get("ANXIN_BACKUP_KEY") or secret_file(DATA_DIR, "backup.key", 32)


def backup_destinations() -> list[str]:
    """Directories (``ANXIN_BACKUP_DIRS``, separated by ``,`` or ``:``) and an optional
    S3-compatible bucket (``ANXIN_BACKUP_S3=s3://bucket/prefix``). Default: one directory
    inside the data directory, which works but is not a second place (a warning says so)."""
    raw = os.environ.get("ANXIN_BACKUP_DIRS", "").replace(os.pathsep, ",")
    dirs = [d.strip() for d in raw.split(",") if d.strip()]
    out = dirs or [str(DATA_DIR / "backups")]
    s3 = os.environ.get("ANXIN_BACKUP_S3", "").strip()
    if s3:
        if not s3.startswith("s3://") or len(s3) <= len("s3://"):
            raise ImproperlyConfigured(
                f"ANXIN_BACKUP_S3 must look like s3://bucket/prefix, not '{s3}'"
            )
        out.append(s3)
    return out


ANXIN_BACKUP_DESTINATIONS = backup_destinations()
ANXIN_BACKUP_S3_ENDPOINT = os.environ.get("ANXIN_BACKUP_S3_ENDPOINT", "") or None
# Nightly backup time (HH:MM, local time) and the monthly restore drill (day of month, time).
ANXIN_BACKUP_TIME = os.environ.get("ANXIN_BACKUP_TIME", "02:30")
ANXIN_DRILL_DAY = env_int("ANXIN_DRILL_DAY", 1)
ANXIN_DRILL_TIME = os.environ.get("ANXIN_DRILL_TIME", "04:30")
# How many backups each destination keeps (the oldest beyond that are deleted after a good one).
ANXIN_BACKUP_KEEP = env_int("ANXIN_BACKUP_KEEP", 14)
# PostgreSQL client programs (pg_dump, pg_restore): found on PATH, else in this directory.
ANXIN_PG_BIN = os.environ.get("ANXIN_PG_BIN", "")

# -- privacy: client rights and retention (PRV-6, STO-6) ---------------------------------------
# Days within which a client's request is answered (PIPL: promptly; 15 by default).
ANXIN_PRIVACY_REQUEST_DAYS = env_int("ANXIN_PRIVACY_REQUEST_DAYS", 15)
# Every anonymisation, outside the database, so that a restore cannot undo it.
ANXIN_PRIVACY_LEDGER_FILE = DATA_DIR / "privacy-erasures.jsonl"
# -- Privacy: sharing, disclosures, incidents (issue 13) ---------------------------------------
# Hours from finding a personal-data breach to the report to the regulator (PRV-7), and how
# many hours before that deadline the information officer is reminded.
ANXIN_PRIVACY_REGULATOR_HOURS = env_int("ANXIN_PRIVACY_REGULATOR_HOURS", 72)
ANXIN_PRIVACY_REMIND_HOURS = env_int("ANXIN_PRIVACY_REMIND_HOURS", 24)


# -- complaints (issue 14, AUD-5) -----------------------------------------------------------
# Submissions to the public complaint page and its follow-up page per address and hour.
ANXIN_PUBLIC_COMPLAINTS_PER_HOUR = env_int("ANXIN_PUBLIC_COMPLAINTS_PER_HOUR", 10)
# The public page refuses a form sent sooner than this after it was shown (people read first).
ANXIN_PUBLIC_COMPLAINT_MIN_SECONDS = env_int("ANXIN_PUBLIC_COMPLAINT_MIN_SECONDS", 3)
