"""Test overlay: a fixed key and fast hashing; the database still comes from DATABASE_URL."""

import os
import uuid

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

# Each run its own cache keys: on a Redis shared by runs (a developer's, CI's), a run would
# otherwise read the last one's entries, such as who had "ticket 7" open, where its ticket 7
# is another ticket (the test database starts its ids again).
_RUN = uuid.uuid4().hex[:12]
CACHES = {name: {**cache, "KEY_PREFIX": f"test-{_RUN}"} for name, cache in CACHES.items()}  # noqa: F405
