"""Production overlay: no defaults for what must be set, secure cookies behind HTTPS."""

from .base import *  # noqa: F403
from .base import FILE_STORAGE, env

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

# Static files under hashed names (collected by the release phase), compressed, and served by
# WhiteNoise with far-future cache headers: a changed file gets a new name.
STORAGES = {
    "default": FILE_STORAGE,  # local disk or the bucket, as base reads it
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Mail: the inbound webhook takes mail from the internet, so it is never left open.
from django.core.exceptions import ImproperlyConfigured  # noqa: E402

from .base import ANYMAIL  # noqa: E402

if not ANYMAIL.get("WEBHOOK_SECRET"):
    raise ImproperlyConfigured(
        "Set ANYMAIL_WEBHOOK_SECRET (user:password) to protect the mail webhooks."
    )
if ANYMAIL.get("MAILGUN_API_KEY") and not ANYMAIL.get("MAILGUN_WEBHOOK_SIGNING_KEY"):
    raise ImproperlyConfigured("Set MAILGUN_WEBHOOK_SIGNING_KEY to verify Mailgun's webhooks.")

# Public pages: links in mail must point at the real site, never at a local default.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL")
