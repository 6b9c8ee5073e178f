"""Test overlay: a fixed key and fast hashing; the database still comes from DATABASE_URL."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405

# Tasks run in-process during tests; the tests that need a real worker start one against
# Redis themselves.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = "memory://"

# Mail (the inbound/tracking webhook tests sign and authenticate with these).
ANYMAIL = {
    **ANYMAIL,  # noqa: F405
    "WEBHOOK_SECRET": "mailgun:test-webhook-secret",
    "MAILGUN_WEBHOOK_SIGNING_KEY": "test-signing-key",
}
