import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.conf import settings

from brands.models import Brand
from config.celery import app as celery_app
from tests.factories import BrandFactory

SHIPPED_BRAND_FILES = sorted(Path(settings.BRANDS_CONFIG_DIR).glob("*.toml"))
# The Redis that tests with a real worker use as their broker.
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def shipped_brands(db) -> dict[str, Brand]:
    """Both brands exactly as the repository ships them, keyed by slug."""
    return {path.stem: BrandFactory(slug=path.stem) for path in SHIPPED_BRAND_FILES}


@pytest.fixture
def kendrascottes(shipped_brands) -> Brand:
    return shipped_brands["kendrascottes"]


@pytest.fixture
def crocso(shipped_brands) -> Brand:
    return shipped_brands["crocso"]


@pytest.fixture(autouse=True)
def anymail_test_backend(settings) -> None:
    """Django's test setup swaps in its locmem backend; anymail's test backend behaves like an
    ESP (it reports a message ID at send time), which the outbox code records."""
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"


@contextmanager
def celery_broker(url: str, *, eager: bool = False, **conf) -> Iterator[Celery]:
    """Point the project's Celery app at another broker for one test, then restore it.

    The app caches its connection pool for the broker it first used, so that is dropped on
    both ends.
    """
    keys = ("broker_url", "task_always_eager", "broker_transport_options", *conf)
    saved = {key: celery_app.conf[key] for key in keys}

    def reset_pools() -> None:
        # Only drop the app's references: kombu's process-wide registry hands the same pool to
        # any later connection to that URL, so closing one here would break later tests.
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    reset_pools()
    celery_app.conf.update(
        broker_url=url, task_always_eager=eager, broker_transport_options={}, **conf
    )
    try:
        yield celery_app
    finally:
        reset_pools()
        celery_app.conf.update(saved)


def redis_is_up() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


def free_port() -> int:
    """A TCP port on this machine that nothing listens on, for a server a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
