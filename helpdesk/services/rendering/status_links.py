"""The customer's link to their ticket: a signed token, so nothing guessable opens a ticket.

The token signs the ticket's id with a salt per brand, so a link works only under its own
brand's pages. It does not expire: customers come back to old requests.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from helpdesk.models import Ticket


def _salt(brand_slug: str) -> str:
    return f"helpdesk.ticket-status.{brand_slug}"


def status_token(ticket: Ticket) -> str:
    return signing.dumps(ticket.pk, salt=_salt(ticket.brand.slug), compress=False)


def status_ticket(brand_slug: str, token: str) -> Ticket | None:
    """The ticket a token opens under `brand_slug`'s pages, or None for a bad token."""
    try:
        pk = signing.loads(token, salt=_salt(brand_slug))
    except signing.BadSignature:
        return None
    if not isinstance(pk, int):
        return None
    return Ticket.objects.select_related("brand").filter(pk=pk, brand__slug=brand_slug).first()


def status_path(ticket: Ticket) -> str:
    return reverse(
        "public:ticket_status", kwargs={"slug": ticket.brand.slug, "token": status_token(ticket)}
    )


def status_url(ticket: Ticket) -> str:
    """The absolute link for mail (PUBLIC_BASE_URL is where customers reach the site)."""
    return settings.PUBLIC_BASE_URL.rstrip("/") + status_path(ticket)
