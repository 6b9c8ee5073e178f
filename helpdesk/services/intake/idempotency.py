"""Idempotent ticket creation: a storefront that retries a POST (a timeout, a double click)
with the same Idempotency-Key gets the ticket its first request opened, not a second one."""

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError
from django.utils import timezone

from brands.models import BrandApiKey
from helpdesk.errors import ApplicationError
from helpdesk.models import IdempotencyRecord, Ticket

HEADER = "Idempotency-Key"
KEY_MAX_LENGTH = IdempotencyRecord._meta.get_field("key").max_length


class IdempotencyKeyReused(ApplicationError):
    """The key was used before for a different request: replaying would return the wrong
    ticket, creating would break the promise of the key. 422, as the IETF draft suggests."""

    status_code = 422


def idempotency_key_check(key: str) -> None:
    if not key or len(key) > KEY_MAX_LENGTH or not key.isascii() or not key.isprintable():
        raise ApplicationError(
            f"Invalid {HEADER} header.",
            {HEADER: f"1 to {KEY_MAX_LENGTH} printable ASCII characters, such as a UUID."},
        )


def request_fingerprint(data: dict[str, Any]) -> str:
    """A hash of what the request asks for, independent of key order or multipart framing.

    Uploaded files count by name, size and content.
    """

    def plain(value: Any) -> Any:
        if hasattr(value, "chunks"):
            digest = hashlib.sha256()
            for chunk in value.chunks():
                digest.update(chunk)
            value.seek(0)
            return {"file": value.name, "size": value.size, "sha256": digest.hexdigest()}
        if isinstance(value, list | tuple):
            return [plain(item) for item in value]
        if hasattr(value, "pk"):
            return value.pk
        return value

    canonical = json.dumps({k: plain(v) for k, v in data.items()}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(api_key: BrandApiKey, key: str, fingerprint: str) -> Ticket | None:
    record = (
        IdempotencyRecord.objects.select_related("ticket__brand")
        .filter(api_key=api_key, key=key)
        .first()
    )
    if record is None:
        return None
    if record.request_hash != fingerprint:
        raise IdempotencyKeyReused(
            f"This {HEADER} was used for a different request.",
            {HEADER: f"Already used for {record.ticket.reference}; use a new key per ticket."},
        )
    return record.ticket


def ticket_create_idempotent(
    api_key: BrandApiKey,
    key: str,
    fingerprint: str,
    create: Callable[[Callable[[Ticket], object]], Ticket],
) -> tuple[Ticket, bool]:
    """Create a ticket once per (API key, Idempotency-Key); returns it and whether it is new.

    `create(record)` opens the ticket and must call `record(ticket)` inside its transaction.
    Two concurrent requests with the same key then both try, but the unique (api_key, key)
    constraint lets one commit: the other's transaction rolls back (its ticket with it, before
    any acknowledgement) and it returns the winner's ticket.
    """
    idempotency_key_check(key)
    existing = _replay(api_key, key, fingerprint)
    if existing is not None:
        return existing, False

    def record(ticket: Ticket) -> IdempotencyRecord:
        return IdempotencyRecord.objects.create(
            api_key=api_key,
            key=key,
            request_hash=fingerprint,
            ticket=ticket,
            created_at=timezone.now(),
        )

    try:
        return create(record), True
    except IntegrityError:
        existing = _replay(api_key, key, fingerprint)
        if existing is None:
            raise
        return existing, False
