"""Per-key (and per-staff-user) request limits, counted in Django's cache.

A fixed window counter: one atomic INCR per request on Redis (CACHES uses Redis when
REDIS_URL is set), so every web process shares the count and no read-modify-write can lose a
request, unlike DRF's list-of-timestamps throttle. The price is that a client can spend two
windows' worth across a window boundary; for a limit against runaway clients that is fine.
"""

import logging
from time import time as clock

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from brands.models import BrandApiKey
from helpdesk.api.client_address import client_address
from helpdesk.services.api_keys import parse_rate

logger = logging.getLogger(__name__)


def _count(key: str, timeout: int) -> int:
    """Add one to the counter `key` and return it; the counter expires after `timeout`."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        # One round trip per request: INCR creates the counter at 1; its first request gives
        # it a lifetime. (A process dying in between leaves one idle counter, never a wrong
        # count: the key names its window.)
        name = backend.make_and_validate_key(key)
        client = backend._cache.get_client(name, write=True)
        count = client.incr(name)
        if count == 1:
            client.expire(name, timeout)
        return count
    try:
        return cache.incr(key)
    except ValueError:  # the first request of the window
        return 1 if cache.add(key, 1, timeout=timeout) else cache.incr(key)


class WindowThrottle(BaseThrottle):
    scope = ""

    def ident(self, request: Request) -> str | None:
        raise NotImplementedError

    def rate(self, request: Request) -> str:
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope]

    def allow_request(self, request: Request, view) -> bool:
        ident = self.ident(request)
        parsed = parse_rate(self.rate(request))
        if ident is None or parsed is None:
            return True
        limit, seconds = parsed
        now = clock()
        window = int(now // seconds)
        key = f"throttle:{self.scope}:{ident}:{seconds}:{window}"
        count = _count(key, timeout=seconds + 1)
        self.retry_after = (window + 1) * seconds - now
        return count <= limit

    def wait(self) -> float | None:
        return getattr(self, "retry_after", None)


class ApiKeyThrottle(WindowThrottle):
    """Each storefront key at its own rate (BrandApiKey.throttle_rate) or the default."""

    scope = "api_key"

    def ident(self, request: Request) -> str | None:
        return request.auth.prefix if isinstance(request.auth, BrandApiKey) else None

    def rate(self, request: Request) -> str:
        own = request.auth.throttle_rate if isinstance(request.auth, BrandApiKey) else ""
        if own and parse_rate(own) is None:
            logger.warning("Key %s has an unreadable throttle rate %r", request.auth.prefix, own)
        return own if own and parse_rate(own) else super().rate(request)


class StaffThrottle(WindowThrottle):
    scope = "staff"

    def ident(self, request: Request) -> str | None:
        user = request.user
        return str(user.pk) if user and user.is_authenticated else None


class LoginThrottle(WindowThrottle):
    """Password guesses for a staff token, per client address."""

    scope = "staff_login"

    def ident(self, request: Request) -> str | None:
        return client_address(request)
