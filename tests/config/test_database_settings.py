import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from brands.models import Brand


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


def test_postgresql_binds_parameters_server_side_and_prepares_repeated_statements():
    options = database_options(DATABASE_URL="postgres://postgres@127.0.0.1:5432/unused")
    assert options == {"server_side_binding": True, "prepare_threshold": 5}


def test_preparing_can_be_turned_off_for_a_transaction_mode_pooler():
    options = database_options(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/unused", DATABASE_PREPARE_THRESHOLD="none"
    )
    assert options == {"server_side_binding": True, "prepare_threshold": None}


def test_sqlite_gets_no_postgresql_options():
    assert database_options(DATABASE_URL="sqlite:///:memory:") == {}


@pytest.mark.django_db
def test_a_statement_run_often_is_prepared_on_the_connection(shipped_brands):
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    for brand in list(shipped_brands.values()) * 3:
        assert Brand.objects.filter(pk=brand.pk).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any(Brand._meta.db_table in statement for statement in prepared)
