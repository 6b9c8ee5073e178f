"""Set up Django for a benchmark on a scratch PostgreSQL database of its own."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench"


def setup(database_url: str | None = None) -> str:
    """Create (if needed) and migrate the scratch database, then set Django up on it.

    BENCH_DATABASE_URL picks another database; it is emptied and reused, never a real one
    unless you point it there.
    """
    url = database_url or os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ.setdefault("CELERY_BROKER_DIR", "/tmp/helpdesk-bench-broker")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ.pop("REDIS_URL", None)
    if url.startswith("postgres"):
        _create_database(url)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return url


def _create_database(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
