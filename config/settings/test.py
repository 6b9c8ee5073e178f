"""Test overlay: a fixed key and fast hashing; the database still comes from DATABASE_URL."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")

from .base import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405
