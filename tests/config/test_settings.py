import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/unused"
PRODUCTION_ENV = {
    "DATABASE_URL": POSTGRES_URL,
    "ALLOWED_HOSTS": "help.example",
    "PUBLIC_BASE_URL": "https://help.example",
    "ANYMAIL_WEBHOOK_SECRET": "mailgun:secret",
}


def settings_read(module: str, env: dict[str, str], name: str) -> subprocess.CompletedProcess:
    """Load a settings module in a fresh process (settings are read once per process) with
    only this environment's own variables, and print one setting as JSON."""
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps(settings.{name}, default=str))"
    )
    inherited = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    return subprocess.run(
        [sys.executable, "-c", script],
        env={
            **inherited,
            "DJANGO_SETTINGS_MODULE": module,
            "SECRET_KEY": "settings-test",
            **env,
        },
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )


def setting(module: str, env: dict[str, str], name: str):
    result = settings_read(module, env, name)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_keeps_the_database_settings_made_for_it():
    database = setting("config.settings.production", PRODUCTION_ENV, "DATABASES")["default"]
    assert database["NAME"] == "unused"
    assert database["CONN_MAX_AGE"] == 60
    assert database["CONN_HEALTH_CHECKS"] is False
    assert database["ATOMIC_REQUESTS"] is False


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("ANYMAIL_WEBHOOK_SECRET", "Set ANYMAIL_WEBHOOK_SECRET"),
        ("DATABASE_URL", "DATABASE_URL"),
        ("ALLOWED_HOSTS", "ALLOWED_HOSTS"),
        ("PUBLIC_BASE_URL", "PUBLIC_BASE_URL"),
    ],
)
def test_production_refuses_to_start_without_what_it_must_be_told(missing, message):
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != missing}
    result = settings_read("config.settings.production", env, "DEBUG")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_refuses_mailgun_sending_without_the_webhook_signing_key():
    env = {**PRODUCTION_ENV, "MAILGUN_API_KEY": "key", "MAILGUN_SENDER_DOMAIN": "mg.example"}
    result = settings_read("config.settings.production", env, "DEBUG")
    assert result.returncode != 0
    assert "Set MAILGUN_WEBHOOK_SIGNING_KEY" in result.stderr
    signed = {**env, "MAILGUN_WEBHOOK_SIGNING_KEY": "signing"}
    assert setting("config.settings.production", signed, "DEBUG") is False
