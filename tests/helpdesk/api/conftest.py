import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from brands.models import BrandApiKey
from helpdesk.api import throttling
from helpdesk.models import Ticket
from helpdesk.services.api_keys import api_key_create
from tests.factories import StorefrontTicketFactory, agent_of


@pytest.fixture(autouse=True)
def fresh_throttle_counts():
    """Throttle counts and cached keys live in the cache; none may leak from an earlier test.
    On Redis (REDIS_URL set) only those keys go: the database may hold a broker's queues."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        backend.clear()
        return
    client = backend._cache.get_client(write=True)
    for pattern in ("*throttle:*", "*api-key*"):
        for name in client.scan_iter(match=backend.make_key(pattern)):
            client.delete(name)


@pytest.fixture(autouse=True)
def throttle_clock(monkeypatch):
    """Throttle windows are fixed (each minute from :00), so a test running across a boundary
    would see its count reset: the throttle's clock stands still unless a test moves it."""
    monkeypatch.setattr(throttling, "clock", lambda: 1_000_000.5)


def key_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


@pytest.fixture
def ks_key(kendrascottes) -> tuple[BrandApiKey, str]:
    return api_key_create(kendrascottes, name="Kendrascottes web shop")


@pytest.fixture
def storefront(ks_key) -> APIClient:
    """A Kendrascottes storefront."""
    return key_client(ks_key[1])


@pytest.fixture
def crocso_storefront(crocso) -> APIClient:
    return key_client(api_key_create(crocso, name="Crocso web shop")[1])


@pytest.fixture
def ks_agent(kendrascottes):
    return agent_of(kendrascottes, first_name="Kim", last_name="Agent")


@pytest.fixture
def staff(ks_agent) -> APIClient:
    """A Kendrascottes agent with a token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=ks_agent).key}")
    return client


@pytest.fixture
def ks_ticket(kendrascottes) -> Ticket:
    return StorefrontTicketFactory(brand=kendrascottes)


@pytest.fixture
def cr_ticket(crocso) -> Ticket:
    return StorefrontTicketFactory(brand=crocso, subject="Clogs too small")
