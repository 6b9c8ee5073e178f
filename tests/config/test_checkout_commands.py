"""The README's commands from a plain shell: a development checkout needs no variables (its
`.env` is read), production names everything it is missing and passes the deploy checks."""

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def plain_shell() -> dict[str, str]:
    """What a new user's shell has: no Django or database variables at all."""
    return {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A checkout of its own (settings copied, so BASE_DIR is here; the code linked) with only
    the `.env` that `make run` writes."""
    shutil.copytree(
        ROOT / "config", tmp_path / "config", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    for name in ("brands", "helpdesk", "templates", "static"):
        (tmp_path / name).symlink_to(ROOT / name)
    (tmp_path / ".env").write_text(f"SECRET_KEY={secrets.token_urlsafe(50)}\nDEBUG=true\n")
    return tmp_path


def manage(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=cwd,
        env=env if env is not None else plain_shell(),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_readme_commands_and_the_demo_work_in_a_checkout_with_only_its_env_file(checkout):
    for command in (
        ["migrate", "--noinput"],
        ["load_brands"],
        ["sla_preview", "--brand", "kendrascottes", "--at", "2026-11-25T10:00-06:00"],
        ["sla_report", "--brand", "crocso", "--since", "2026-11-01"],
        ["demo_data"],
    ):
        result = manage(checkout, *command)
        assert result.returncode == 0, (command, result.stderr)
    # make run's last word before serving: the logins, one per role and brand, and the admin.
    for username in ("kendrascottes-agent", "crocso-senior", "crocso-owner", "admin"):
        assert f"  {username} " in result.stdout
    assert (checkout / "db.sqlite3").exists()
    assert (
        "first_response_due"
        in manage(
            checkout, "sla_preview", "--brand", "kendrascottes", "--at", "2026-11-25T10:00"
        ).stdout
    )


def test_without_its_env_file_a_checkout_names_the_missing_secret_key(checkout):
    (checkout / ".env").unlink()
    result = manage(checkout, "check")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_names_every_variable_it_is_missing_and_reads_no_env_file(checkout):
    env = {**plain_shell(), "DJANGO_SETTINGS_MODULE": "config.settings.production"}
    result = manage(checkout, "check", env=env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL" in result.stderr
    result = manage(checkout, "check", env={**env, "SECRET_KEY": "x" * 50})
    assert "SECRET_KEY" not in result.stderr.splitlines()[-1]
    assert "ALLOWED_HOSTS, DATABASE_URL" in result.stderr


def test_deploy_checks_pass_with_production_settings():
    env = {
        **plain_shell(),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "help.example",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused",
        "PUBLIC_BASE_URL": "https://help.example",
        "ANYMAIL_WEBHOOK_SECRET": "mailgun:secret",
    }
    result = manage(ROOT, "check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout
