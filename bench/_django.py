"""Set up Django for a benchmark on a scratch PostgreSQL database of its own."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# bench/queue.py has the name of the standard library's queue, which psycopg and Celery
# import, and a script's folder comes first on the path: the standard one is loaded now,
# with this folder off the path, so every later import finds it already loaded.
_path = sys.path[:]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
import queue  # noqa: E402, F401

sys.path[:] = _path
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


def reset_helpdesk() -> dict:
    """Empty every ticket and mail table, load the shipped brands, and restart ticket numbers
    at 1 (so generated replies quoting a reference find their ticket). Returns the brands by
    slug. Call after setup()."""
    from django.conf import settings
    from django.db import connection

    from brands.loader import brand_files_load
    from brands.models import Brand, ticket_number_sequence_create
    from helpdesk.models import InboundEmail, OutboundEmail, Ticket, WebhookToken

    tables = [model._meta.db_table for model in (Ticket, InboundEmail, OutboundEmail, WebhookToken)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # CASCADE takes the rows that point at these: messages, clocks, events, feedback.
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            for model in (InboundEmail, OutboundEmail, WebhookToken, Ticket):
                model.objects.all().delete()
    brand_files_load(sorted(Path(settings.BRANDS_CONFIG_DIR).glob("*.toml")))
    Brand.objects.update(ticket_sequence=0)
    brands = {brand.slug: brand for brand in Brand.objects.select_related("policy")}
    for brand in brands.values():
        ticket_number_sequence_create(brand)  # anew, from 1
    return brands
