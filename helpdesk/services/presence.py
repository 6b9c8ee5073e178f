"""Who has a ticket open right now: each open ticket page says so every few seconds, and an
entry not renewed within PRESENCE_TTL_SECONDS is gone.

Kept in the cache (Redis in production, shared by every web process), one entry per ticket
mapping each viewer to when they were last seen. Two pages writing at the same instant may
drop one of them for a single round; the next beat puts it back.
"""

import time

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache

PRESENCE_TTL_SECONDS = 30


def _key(ticket_id: int) -> str:
    return f"presence:ticket:{ticket_id}"


def ticket_presence_beat(ticket_id: int, user: AbstractBaseUser) -> list[str]:
    """Note that `user` has the ticket open; returns the names of the others who have."""
    now = time.time()
    viewers = {
        user_id: seen
        for user_id, seen in (cache.get(_key(ticket_id)) or {}).items()
        if now - seen[1] < PRESENCE_TTL_SECONDS
    }
    viewers[user.pk] = (user.get_full_name() or user.get_username(), now)
    cache.set(_key(ticket_id), viewers, PRESENCE_TTL_SECONDS)
    return sorted(name for user_id, (name, _) in viewers.items() if user_id != user.pk)


def ticket_presence_leave(ticket_id: int, user: AbstractBaseUser) -> None:
    """The user closed the page: they no longer show as having it open."""
    viewers = cache.get(_key(ticket_id)) or {}
    if viewers.pop(user.pk, None) is not None:
        cache.set(_key(ticket_id), viewers, PRESENCE_TTL_SECONDS)
