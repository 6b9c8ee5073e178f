import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection


def database_options(**env: str) -> dict:
    """The database OPTIONS the base settings make from this environment (a fresh process,
    since settings are read once)."""
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "SECRET_KEY": "settings-test",
            **env,
        },
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_postgresql_binds_parameters_server_side():
    options = database_options(DATABASE_URL="postgres://postgres@127.0.0.1:5432/unused")
    assert options == {"server_side_binding": True}


def test_sqlite_gets_no_postgresql_options():
    assert database_options(DATABASE_URL="sqlite:///:memory:") == {}


@pytest.mark.django_db
def test_parameters_reach_postgresql_apart_from_the_statement(shipped_brands):
    if connection.vendor != "postgresql":
        pytest.skip("server-side binding is PostgreSQL's")
    brand = next(iter(shipped_brands.values()))
    with connection.cursor() as cursor:
        # Bound server-side, the statement PostgreSQL sees has a placeholder, not the value.
        cursor.execute(
            "SELECT query FROM pg_stat_activity WHERE pid = pg_backend_pid() AND %s <> ''",
            [brand.slug],
        )
        (statement,) = cursor.fetchone()
    assert "$1" in statement
    assert brand.slug not in statement
