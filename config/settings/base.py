"""Settings shared by every environment, read from environment variables.

A `.env` file is read only when DJANGO_READ_DOT_ENV_FILE is true (`make run` writes one with a
random secret key), so production never picks up a stray file by accident.
"""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=False):
    env.read_env(str(BASE_DIR / ".env"))

SECRET_KEY = env("SECRET_KEY")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "anymail",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "brands",
    "helpdesk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files from the app itself (admin, API docs, public pages), before anything
    # else reads the request: no proxy needs to be set up for them.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "helpdesk.health.requests.ResponseCountMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Which second factor (if any) this session was verified with; then whether it must be.
    "django_otp.middleware.OTPMiddleware",
    "helpdesk.admin.two_factor.TwoFactorRequiredMiddleware",
    "brands.middleware.AdminTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a locked-out login into its refusal page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# The languages customer mail and pages are written in (catalogues under locale/); a ticket in
# any other language is answered in English, with the brand's extra time for translation.
LANGUAGES = [("en", "English"), ("fr", "Français"), ("es", "Español"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "media"))

# Files (attachments, raw inbound mail): on local disk under MEDIA_ROOT, or, when a bucket is
# named, in S3-compatible object storage that every web host and worker shares. Objects are
# private (no ACL is sent, so the bucket's own, private, applies): people get a file only
# through a view that checks who asks, never through a bucket URL. Credentials left unset come
# from boto3's usual places (its environment variables, an instance role).
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
FILE_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if AWS_STORAGE_BUCKET_NAME:
    FILE_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            **{
                option: value
                for option, value in {
                    "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=""),
                    "region_name": env("AWS_S3_REGION_NAME", default=""),
                    "access_key": env("AWS_ACCESS_KEY_ID", default=""),
                    "secret_key": env("AWS_SECRET_ACCESS_KEY", default=""),
                    "location": env("AWS_LOCATION", default=""),
                }.items()
                if value
            },
            "default_acl": None,
            "file_overwrite": False,
            # A file read back (a message being processed, a download) is kept in memory up
            # to this size, on local disk beyond it; 0 would keep any size in memory.
            "max_memory_size": env.int("AWS_S3_MAX_MEMORY_SIZE", default=2 * 1024 * 1024),
        },
    }
STORAGES = {
    "default": FILE_STORAGE,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Where the shipped brand configuration files live; `load_brands` reads every *.toml here.
BRANDS_CONFIG_DIR = env.path("BRANDS_CONFIG_DIR", default=str(BASE_DIR / "brands" / "config"))

# Celery: Redis in production; without REDIS_URL an embedded filesystem broker so a demo needs
# no server. Work to do is always a database row first (outbox, inbound store, clock due
# times), so a broker outage delays work but never loses it.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_DIR = Path(env("CELERY_BROKER_DIR", default=str(BASE_DIR / ".broker")))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Enqueueing must not hang a web request when the broker is down: fail fast, the row waits.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_TIMEZONE = "UTC"
SLA_SWEEP_SECONDS = env.float("SLA_SWEEP_SECONDS", default=60.0)
SLA_SWEEP_BATCH_SIZE = env.int("SLA_SWEEP_BATCH_SIZE", default=500)
STUCK_WORK_MINUTES = env.int("STUCK_WORK_MINUTES", default=5)
# Probes and metrics (helpdesk/health/): /readyz fails once the last sweep is older than this.
SWEEP_STALE_SECONDS = env.float("SWEEP_STALE_SECONDS", default=5 * SLA_SWEEP_SECONDS)
HEALTH_BROKER_TIMEOUT = env.float("HEALTH_BROKER_TIMEOUT", default=1.0)
# /metrics answers this machine, these networks (e.g. the scraper's), and the bearer token.
METRICS_ALLOWED_ADDRESSES = env.list("METRICS_ALLOWED_ADDRESSES", default=[])
METRICS_TOKEN = env("METRICS_TOKEN", default="")
CELERY_BEAT_SCHEDULE = {
    "sla-sweep": {"task": "helpdesk.tasks.sla_sweep", "schedule": SLA_SWEEP_SECONDS},
    "requeue-stuck-work": {
        "task": "helpdesk.tasks.requeue_stuck_work",
        "schedule": env.float("REQUEUE_SECONDS", default=120.0),
    },
    # Status notices whose window has passed, and rating requests that are due.
    "send-customer-notices": {
        "task": "helpdesk.tasks.send_customer_notices",
        "schedule": env.float("CUSTOMER_NOTICES_SECONDS", default=60.0),
    },
    # Policy versions an owner published to take effect later, put in force when due.
    "apply-due-policy-versions": {
        "task": "helpdesk.tasks.apply_due_policy_versions",
        "schedule": env.float("POLICY_VERSIONS_SECONDS", default=60.0),
    },
    # Automatic assignment of open tickets nobody owns, once someone of their tier is available.
    "assign-unowned-tickets": {
        "task": "helpdesk.tasks.assign_unowned_tickets",
        "schedule": env.float("AUTO_ASSIGN_SECONDS", default=60.0),
    },
    # The brands' retention rules (raw mail, attachments, anonymising), in batches.
    "apply-retention": {
        "task": "helpdesk.tasks.apply_retention",
        "schedule": env.float("RETENTION_SECONDS", default=3600.0),
    },
    # Files of replies the collision guard held back that nobody sent.
    "remove-stale-held-files": {
        "task": "helpdesk.tasks.remove_stale_held_files",
        "schedule": env.float("HELD_FILES_SECONDS", default=3600.0),
    },
}
# A held reply's files wait this long for the agent to send it, then go.
HELD_REPLY_FILES_HOURS = env.int("HELD_REPLY_FILES_HOURS", default=24)
# Status changes within this many seconds of the first reach the customer as one mail.
CUSTOMER_NOTICE_WINDOW_SECONDS = env.int("CUSTOMER_NOTICE_WINDOW_SECONDS", default=300)
# A resolved ticket nobody rated or reopened gets one request to rate it this long after.
RATING_REQUEST_AFTER_HOURS = env.int("RATING_REQUEST_AFTER_HOURS", default=24)
# Unowned tickets the beat's automatic assignment hands out per run; the next run goes on.
AUTO_ASSIGN_BATCH_SIZE = env.int("AUTO_ASSIGN_BATCH_SIZE", default=100)
# Rows each retention rule handles per brand and run; the next run goes on.
RETENTION_BATCH_SIZE = env.int("RETENTION_BATCH_SIZE", default=500)
# Outbound mail that keeps failing at the ESP is given up (and shown as failed) after this.
OUTBOUND_MAX_ATTEMPTS = env.int("OUTBOUND_MAX_ATTEMPTS", default=8)
# A send interrupted before its result was recorded waits this long, from its start, for a
# delivery event from the ESP saying whether it went out; without one it is sent again with
# the same Message-ID. Keep it well above CELERY_TASK_TIME_LIMIT (a worker may still be in
# the ESP call until then) and above the delay of the ESP's first webhook retries.
OUTBOUND_EVIDENCE_MINUTES = env.int("OUTBOUND_EVIDENCE_MINUTES", default=30)

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="helpdesk@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# ---------------------------------------------------------------------------------------------
# Mail: django-anymail with Mailgun as the documented ESP.
# Sending: MAILGUN_API_KEY (and MAILGUN_SENDER_DOMAIN when it differs from the brands' from
# domains; MAILGUN_API_URL for the EU region). Receiving: a Mailgun route forwarding to
# https://<host>/anymail/mailgun/inbound_mime/ (raw MIME, so nothing is lost in Mailgun's own
# parsing) and the tracking webhooks to .../anymail/mailgun/tracking/, both with the basic-auth
# credentials of ANYMAIL_WEBHOOK_SECRET ("user:password") in the URL; Mailgun signs each
# request with MAILGUN_WEBHOOK_SIGNING_KEY. Without an ESP, mail goes to the console and
# arrives through `manage.py ingest_email`.
MAILGUN_API_KEY = env("MAILGUN_API_KEY", default="")
ANYMAIL = {
    key: value
    for key, value in {
        "MAILGUN_API_KEY": MAILGUN_API_KEY,
        "MAILGUN_SENDER_DOMAIN": env("MAILGUN_SENDER_DOMAIN", default=""),
        "MAILGUN_API_URL": env("MAILGUN_API_URL", default=""),
        "MAILGUN_WEBHOOK_SIGNING_KEY": env("MAILGUN_WEBHOOK_SIGNING_KEY", default=""),
        "WEBHOOK_SECRET": env("ANYMAIL_WEBHOOK_SECRET", default=""),
    }.items()
    # An empty key would be used as-is (an empty signing key signs anything): leave it out.
    if value
}
if MAILGUN_API_KEY and "EMAIL_BACKEND" not in env.ENVIRON:
    EMAIL_BACKEND = "anymail.backends.mailgun.EmailBackend"
# A signed webhook older than this is refused; within it, each token is accepted once, so a
# captured request cannot be replayed either way. Longer than Mailgun's 8 hours of retries:
# a retry may carry its first attempt's signature, and mail that failed to store while we
# were down must still get in when it comes again.
INBOUND_WEBHOOK_MAX_AGE_SECONDS = env.int("INBOUND_WEBHOOK_MAX_AGE_SECONDS", default=9 * 3600)
# Attachments larger than this are recorded (name, type, size, a note) but not kept.
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=15 * 1024 * 1024)
# Mailgun posts the raw message as a form field, which Django caps at 2.5 MB by default;
# mail with attachments needs room (Mailgun accepts messages up to 25 MB, base64 adds a third).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=40 * 1024 * 1024)


# Mail from IMAP mailboxes (helpdesk/services/intake/imap.py), optional: IMAP_MAILBOXES names
# them ("support,returns"), and each NAME is read from IMAP_<NAME>_HOST, _USER, _PASSWORD (all
# three required), _PORT, _FOLDER (INBOX), _SECURITY (ssl, the default, or starttls; plain only
# for a server on this machine), _CA_FILE, _MOVE_TO and _RECIPIENT. The beat fetches them all
# every IMAP_FETCH_SECONDS, at most IMAP_FETCH_MAX_MESSAGES per mailbox and run.
def _imap_mailbox(name: str) -> dict:
    prefix = f"IMAP_{name.upper()}_"
    return {
        "host": env(f"{prefix}HOST"),
        "user": env(f"{prefix}USER"),
        "password": env(f"{prefix}PASSWORD"),
        "port": env.int(f"{prefix}PORT", default=0),
        "folder": env(f"{prefix}FOLDER", default="INBOX"),
        "security": env(f"{prefix}SECURITY", default="ssl"),
        "ca_file": env(f"{prefix}CA_FILE", default=""),
        "move_to": env(f"{prefix}MOVE_TO", default=""),
        "recipient": env(f"{prefix}RECIPIENT", default=""),
    }


IMAP_MAILBOXES = {name: _imap_mailbox(name) for name in env.list("IMAP_MAILBOXES", default=[])}
IMAP_FETCH_SECONDS = env.float("IMAP_FETCH_SECONDS", default=60.0)
IMAP_FETCH_MAX_MESSAGES = env.int("IMAP_FETCH_MAX_MESSAGES", default=50)
IMAP_TIMEOUT_SECONDS = env.float("IMAP_TIMEOUT_SECONDS", default=30.0)
if IMAP_MAILBOXES:
    CELERY_BEAT_SCHEDULE["fetch-imap-mail"] = {
        "task": "helpdesk.tasks.fetch_imap_mail",
        "schedule": IMAP_FETCH_SECONDS,
    }

# ---------------------------------------------------------------------------------------------
# REST API (helpdesk/api): storefronts authenticate with a per-brand key
# ("Authorization: Api-Key <key>", created by `manage.py create_api_key`), staff with a token
# ("Authorization: Token <token>", from POST /api/v1/staff/token/). Schema at /api/schema/.
INSTALLED_APPS += ["rest_framework.authtoken"]  # staff tokens
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "helpdesk.api.exceptions.api_exception_handler",
    # Each API class names its authentication and permissions; nothing is open by default.
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "helpdesk.api.pagination.PagePagination",
    "PAGE_SIZE": 20,
    "DEFAULT_THROTTLE_RATES": {
        # Per key (a key's own throttle_rate wins) and per staff user.
        "api_key": env("API_KEY_THROTTLE_RATE", default="600/min"),
        "staff": env("API_STAFF_THROTTLE_RATE", default="1200/min"),
        "staff_login": env("API_STAFF_LOGIN_THROTTLE_RATE", default="20/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
API_PAGE_SIZE_MAX = 100
# Persistent database connections: opening one per request (PostgreSQL forks a process for
# each) costs more than most API requests do. A conn_max_age in DATABASE_URL wins.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
# A health check is one more round trip on every request. Without it, a request that finds
# its kept connection broken (the database restarted) fails once and the connection is
# dropped; CONN_HEALTH_CHECKS=true trades that for the extra query.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=False)
# A request body larger than this is refused with 413 before it is read.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=25 * 1024 * 1024)
# Files attached through the API: each at most this size (the limit mail uses), this many.
API_ATTACHMENT_MAX_BYTES = env.int("API_ATTACHMENT_MAX_BYTES", default=ATTACHMENT_MAX_BYTES)
API_ATTACHMENTS_MAX = env.int("API_ATTACHMENTS_MAX", default=5)
API_MESSAGE_MAX_CHARS = env.int("API_MESSAGE_MAX_CHARS", default=20_000)
SPECTACULAR_SETTINGS = {
    "TITLE": "Helpdesk API",
    "DESCRIPTION": (
        "Storefront endpoints (`/api/v1/brand/`, `/api/v1/tickets/...`) take a brand's key as "
        "`Authorization: Api-Key <key>` and see that brand only. Staff endpoints "
        "(`/api/v1/staff/...`) take `Authorization: Token <token>` and see the brands the user "
        'works for. Errors are `{"message": ..., "fields": {field: message}}`; an unknown '
        "ticket and another brand's ticket are both 404."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The docs page's scripts come with the app (the sidecar package), not from a CDN.
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"TicketStatusEnum": "helpdesk.models.Ticket.Status"},
}
# Throttle counts and authenticated API keys (30 s) live in the cache: Redis when REDIS_URL is
# set, so every web process shares them and a revocation applies at once; process memory
# otherwise (a one-process demo; other processes notice a revocation within 30 s).
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("CACHE_URL", default=REDIS_URL),
            "KEY_PREFIX": "helpdesk",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# ---------------------------------------------------------------------------------------------
# Public brand pages (/b/<slug>/...): where customers reach this site, for the links in mail,
# and how many tickets one address (IP) may open through a brand's contact form per hour.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")
CONTACT_FORM_MAX_PER_HOUR = env.int("CONTACT_FORM_MAX_PER_HOUR", default=5)
# A status link stops working this many days after its ticket is resolved or closed.
STATUS_LINK_DAYS_AFTER_CLOSE = env.int("STATUS_LINK_DAYS_AFTER_CLOSE", default=90)
# Fresh status links one address, and one client, may ask for per brand and hour.
STATUS_LINK_REQUESTS_PER_HOUR = env.int("STATUS_LINK_REQUESTS_PER_HOUR", default=3)
# Reverse proxies in front of the app that append to X-Forwarded-For (see client_address).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# ---------------------------------------------------------------------------------------------
# Staff sign-in. Failed logins are counted per account and per client address (the address as
# the trusted proxies saw it, as every other limit counts it); either reaching the limit locks
# further attempts for the cool-off time, and a successful login clears the account's count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "helpdesk.api.client_address.login_client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "helpdesk.admin.lockout.lockout_response"
AXES_VERBOSE = False
# Failures are what is counted; successful logins are not logged again here.
AXES_DISABLE_ACCESS_LOG = True
# django-axes logs every sign-in at INFO; lockouts, which an operator should see, at WARNING.
LOGGING["loggers"] = {"axes": {"level": env("AXES_LOG_LEVEL", default="WARNING")}}
# Two-factor authentication (TOTP, with recovery codes) is open to every staff user; owners
# and superusers must use it when this is on (production's default).
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=False)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Brand helpdesk")
# Staff invitations: the set-password link works this long; staff mail comes from this address.
PASSWORD_RESET_TIMEOUT = env.int("INVITATION_LINK_HOURS", default=72) * 3600
STAFF_FROM_EMAIL = env("STAFF_FROM_EMAIL", default=DEFAULT_FROM_EMAIL)
