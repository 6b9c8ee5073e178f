"""The customer's link to their ticket: a signed token, so nothing guessable opens a ticket.

The token signs the ticket's id and its link version with a salt per brand, so a link works
only under its own brand's pages, and raising the ticket's `status_link_version` (an agent
revoking the links) makes every earlier link fail. A link keeps working while the ticket is
open, because customers come back to old requests, and stops STATUS_LINK_DAYS_AFTER_CLOSE
days after the ticket was resolved or closed.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from helpdesk.models import Ticket


def _salt(brand_slug: str) -> str:
    return f"helpdesk.ticket-status.{brand_slug}"


def status_token(ticket: Ticket) -> str:
    return signing.dumps(
        [ticket.pk, ticket.status_link_version], salt=_salt(ticket.brand.slug), compress=False
    )


def status_link_expired(ticket: Ticket, now: datetime | None = None) -> bool:
    """Whether links to `ticket` have stopped working: some time after it was finished."""
    finished_at = {
        Ticket.Status.RESOLVED: ticket.resolved_at,
        Ticket.Status.CLOSED: ticket.closed_at or ticket.resolved_at,
    }.get(ticket.status)
    if finished_at is None:
        return False
    lifetime = timedelta(days=settings.STATUS_LINK_DAYS_AFTER_CLOSE)
    return (now or timezone.now()) > finished_at + lifetime


def status_ticket(brand_slug: str, token: str) -> Ticket | None:
    """The ticket a token opens under `brand_slug`'s pages, or None for a token that is
    malformed, tampered with, of another brand, revoked or expired (all alike to the caller,
    so the answer never tells whether a ticket exists)."""
    try:
        payload = signing.loads(token, salt=_salt(brand_slug))
    except signing.BadSignature:
        return None
    # Links mailed before links had versions sign the bare id: version 0.
    pk, version = (payload, 0) if isinstance(payload, int) else (payload, None)
    if isinstance(payload, list) and len(payload) == 2:
        pk, version = payload
    if not isinstance(pk, int) or not isinstance(version, int):
        return None
    ticket = Ticket.objects.select_related("brand").filter(pk=pk, brand__slug=brand_slug).first()
    if ticket is None or ticket.status_link_version != version or status_link_expired(ticket):
        return None
    return ticket


def status_path(ticket: Ticket) -> str:
    return reverse(
        "public:ticket_status", kwargs={"slug": ticket.brand.slug, "token": status_token(ticket)}
    )


def status_url(ticket: Ticket) -> str:
    """The absolute link for mail (PUBLIC_BASE_URL is where customers reach the site)."""
    return settings.PUBLIC_BASE_URL.rstrip("/") + status_path(ticket)
