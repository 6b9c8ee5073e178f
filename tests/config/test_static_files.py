"""Static files under gunicorn with production settings: collected under hashed names and
served by the app itself, compressed, with far-future cache headers."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    inherited = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "static-files-test-key",
        # Never connected to: serving static files needs no database.
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused",
        "ALLOWED_HOSTS": "127.0.0.1",
        "PUBLIC_BASE_URL": "https://help.example",
        "ANYMAIL_WEBHOOK_SECRET": "mailgun:secret",
        "STATIC_ROOT": str(tmp_path / "static"),
    }


def get(url: str, **headers: str):
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


def test_gunicorn_with_production_settings_serves_a_hashed_admin_stylesheet(production_env):
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=production_env,
        check=True,
        capture_output=True,
    )
    manifest = json.loads((Path(production_env["STATIC_ROOT"]) / "staticfiles.json").read_text())
    hashed = manifest["paths"]["admin/css/base.css"]
    assert hashed != "admin/css/base.css"
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=production_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        status, headers, body = get(
            f"http://127.0.0.1:{port}/static/{hashed}",
            **{"Accept-Encoding": "gzip", "X-Forwarded-Proto": "https"},
        )
        assert status == 200
        assert headers["Content-Type"].startswith("text/css")
        assert "immutable" in headers["Cache-Control"]
        assert int(headers["Cache-Control"].split("max-age=")[1].split(",")[0]) >= 31_536_000
        assert headers.get("Content-Encoding") == "gzip"
        assert body[:2] == b"\x1f\x8b"
    finally:
        server.terminate()
        server.wait(timeout=10)
