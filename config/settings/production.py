"""Production overlay: no defaults for what must be set, secure cookies behind HTTPS."""

import os

from django.core.exceptions import ImproperlyConfigured

# Named all at once, before base reads any of them, so one failed start says everything missing.
_REQUIRED = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "PUBLIC_BASE_URL")
_missing = [name for name in _REQUIRED if not os.environ.get(name)]
if _missing:
    raise ImproperlyConfigured(
        "Production settings need these environment variables: " + ", ".join(_missing)
    )

from .base import *  # noqa: E402, F403
from .base import FILE_STORAGE, env  # noqa: E402

DEBUG = False
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
# No SQLite default in production: read without one, an unset DATABASE_URL stops the start.
# The connection settings are base's, made from the same variable (kept alive, and so on).
env("DATABASE_URL")
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Production runs behind the TLS-terminating proxy trusted just above.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)
# HTTPS only: plain HTTP is redirected (except the probes and the scrape, which a platform
# sends to the process over plain HTTP inside its network) and browsers are told to remember.
# `manage.py check --deploy` passes with these; an operator whose other subdomains are not
# HTTPS yet turns the last two off.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# Static files under hashed names (collected by the release phase), compressed, and served by
# WhiteNoise with far-future cache headers: a changed file gets a new name.
STORAGES = {
    "default": FILE_STORAGE,  # local disk or the bucket, as base reads it
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Mail: the inbound webhook takes mail from the internet, so it is never left open.
from .base import ANYMAIL  # noqa: E402

if not ANYMAIL.get("WEBHOOK_SECRET"):
    raise ImproperlyConfigured(
        "Set ANYMAIL_WEBHOOK_SECRET (user:password) to protect the mail webhooks."
    )
if ANYMAIL.get("MAILGUN_API_KEY") and not ANYMAIL.get("MAILGUN_WEBHOOK_SIGNING_KEY"):
    raise ImproperlyConfigured("Set MAILGUN_WEBHOOK_SIGNING_KEY to verify Mailgun's webhooks.")

# Owners and superusers sign in with a second factor unless an operator turns it off.
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=True)

# Public pages: links in mail must point at the real site, never at a local default.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL")
