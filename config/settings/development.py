"""Development overlay, the default of `manage.py` and Celery in a checkout: the `.env` that
`make run` writes (a random SECRET_KEY, DEBUG) is read, so every command works from a plain
shell with no variables set. Production names its settings module and never reads a file."""

import os

os.environ.setdefault("DJANGO_READ_DOT_ENV_FILE", "true")

from .base import *  # noqa: F403
from .base import BASE_DIR, env

# Demo mail is kept as files, one per message, in this folder (unless a backend or an ESP is
# configured), so what the helpdesk sent can be read.
EMAIL_FILE_PATH = env.path("EMAIL_FILE_PATH", default=str(BASE_DIR / "sent-mail"))
if "EMAIL_BACKEND" not in env.ENVIRON and not env("MAILGUN_API_KEY", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
