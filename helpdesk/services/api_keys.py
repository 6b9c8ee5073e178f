"""Storefront API keys: one brand each, stored hashed (djangorestframework-api-key), shown once.

Every storefront request authenticates, so the key (with its brand and the brand settings a
new ticket reads: policy, categories, urgent phrases, peak periods) is cached for
KEY_CACHE_SECONDS in Django's cache, Redis in production, shared by every process.
Each process also holds a key it has just read for LOCAL_KEY_SECONDS, so a busy storefront's
requests skip that round trip. Revoking or editing a key through the command or admin drops
the cached copies: at once in that process, within LOCAL_KEY_SECONDS in the others; brand
settings edited in admin reach API requests within KEY_CACHE_SECONDS.
"""

import re
from datetime import datetime, timedelta
from time import monotonic

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from brands.models import Brand, BrandApiKey
from helpdesk.errors import ApplicationError

KEY_CACHE_SECONDS = 30
LOCAL_KEY_SECONDS = 2
# Writing the last-used time on every request would turn each read into a write; a minute's
# precision is enough to tell a live key from a forgotten one.
LAST_USED_PRECISION = timedelta(minutes=1)
PREFIX_LENGTH = 8


def _cache_key(prefix: str) -> str:
    return f"api-key:{prefix}"


# Keys this process read lately, by prefix, with when: only real keys, so a client trying
# made-up keys cannot grow it.
_local_keys: dict[str, tuple[float, BrandApiKey]] = {}


def api_key_forget(prefix: str) -> None:
    """Drop the cached copies of a key, so a change to it applies to the next request: now,
    and again once the change is committed, since a request in between still reads the old
    row and may cache it again."""

    def forget() -> None:
        _local_keys.pop(prefix, None)
        cache.delete(_cache_key(prefix))

    forget()
    transaction.on_commit(forget)


def api_key_create(brand: Brand, *, name: str) -> tuple[BrandApiKey, str]:
    """A new key for `brand`; returns the row and the key itself, which is never stored."""
    name = name.strip()
    if not name:
        raise ApplicationError("The key needs a name.", {"name": "Name the key's user."})
    max_length = BrandApiKey._meta.get_field("name").max_length
    if len(name) > max_length:
        raise ApplicationError("Name too long.", {"name": f"At most {max_length} characters."})
    return BrandApiKey.objects.create_key(brand=brand, name=name)


def api_key_revoke(prefix: str) -> BrandApiKey:
    api_key = BrandApiKey.objects.select_related("brand").filter(prefix=prefix).first()
    if api_key is None:
        raise ApplicationError("No such key.", {"prefix": f"No key starts with {prefix!r}."})
    if not api_key.revoked:
        api_key.revoked = True
        api_key.save(update_fields=["revoked"])
    api_key_forget(prefix)
    return api_key


def _usable_key(prefix: str) -> BrandApiKey | None:
    return (
        BrandApiKey.objects.select_related("brand__policy")
        .prefetch_related("brand__categories", "brand__urgent_reasons", "brand__peak_periods")
        .filter(prefix=prefix, revoked=False)
        .first()
    )


def api_key_authenticate(key: str) -> BrandApiKey | None:
    """The usable key `key` is, with its brand; None for an unknown, wrong, revoked or expired
    one (the caller answers all of them alike, so nothing tells which)."""
    prefix, dot, _ = key.partition(".")
    # Keys are "<8 letters/digits>.<secret>": anything else cannot match, so skip the lookup
    # (and never hand a database odd bytes from a header).
    if not dot or len(prefix) != PREFIX_LENGTH or not prefix.isascii() or not prefix.isalnum():
        return None
    now = monotonic()
    read_at, api_key = _local_keys.get(prefix, (0.0, None))
    if api_key is None or now - read_at >= LOCAL_KEY_SECONDS:
        api_key = cache.get(_cache_key(prefix))
        if api_key is None:
            api_key = _usable_key(prefix)
            if api_key is None:
                return None
            cache.set(_cache_key(prefix), api_key, KEY_CACHE_SECONDS)
        _local_keys[prefix] = (now, api_key)
    # The hash is checked on every request, cached or not: the cache holds no secret.
    if api_key.has_expired or not api_key.is_valid(key):
        return None
    return api_key


# When this process last asked the cache whether a key's use was recorded, by prefix.
_marker_asked_at: dict[str, datetime] = {}


def api_key_mark_used(api_key: BrandApiKey, now: datetime | None = None) -> None:
    """Record that the key was used, at most once a minute per key across all processes (a
    cache marker decides who writes, the conditional UPDATE backs it). Each process asks the
    cache at most once a minute per key: the cached key's own last-used time can be older
    than that for its whole cache life, and asking on every request is a write each time."""
    now = now or timezone.now()
    if api_key.last_used_at is not None and now - api_key.last_used_at < LAST_USED_PRECISION:
        return  # as the (cached) key says: no need to ask anyone
    asked_at = _marker_asked_at.get(api_key.prefix)
    if asked_at is not None and timedelta(0) <= now - asked_at < LAST_USED_PRECISION:
        return
    _marker_asked_at[api_key.prefix] = now
    if not cache.add(f"api-key-used:{api_key.prefix}", 1, LAST_USED_PRECISION.seconds):
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_PRECISION)
    BrandApiKey.objects.filter(stale, pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now


# A key's own request rate, as a storefront's owner writes it.
RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(s|sec|second|m|min|minute|h|hour|d|day)s?\s*$")


UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int] | None:
    """'120/min' → (120, 60); '10/5s' → (10, 5); None when unreadable."""
    match = RATE.match(rate or "")
    if not match:
        return None
    count, multiplier, unit = match.groups()
    seconds = UNIT_SECONDS[unit[0]] * int(multiplier or 1)
    return (int(count), seconds) if seconds else None
