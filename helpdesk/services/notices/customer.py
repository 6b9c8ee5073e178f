"""What the customer is told automatically: acknowledgement, status and escalation notices,
and fresh links to their requests when they ask for them."""

import uuid
from datetime import datetime

from django.utils import timezone

from brands.models import Brand
from brands.promises import promise_text
from helpdesk.models import OutboundEmail, SlaClock, Ticket
from helpdesk.services.outbox.sending import email_queue
from helpdesk.services.rendering.status_links import status_link_expired, status_url

STATUS_LINKS_PER_MAIL = 10


def customer_notice(
    ticket: Ticket,
    *,
    kind: str,
    dedupe_key: str,
    template: str,
    context: dict,
    thread_ids: list[str] | None = None,
    key_is_new: bool = False,
) -> OutboundEmail:
    """An automatic mail to the customer, kept on the ticket's thread (once per key).
    `thread_ids` and `key_is_new` are what the caller knows (see `email_queue`)."""
    return email_queue(
        brand=ticket.brand,
        kind=kind,
        dedupe_key=dedupe_key,
        to=[ticket.customer_email],
        template=template,
        context={"ticket": ticket, **context},
        ticket=ticket,
        thread_ids=thread_ids,
        thread_message={},
        key_is_new=key_is_new,
    )


def ticket_acknowledge(
    ticket: Ticket,
    *,
    reply_by: datetime | None = None,
    thread_ids: list[str] | None = None,
    just_created: bool = False,
) -> OutboundEmail:
    """Tell the customer we have their request and when they will hear back (once a ticket).

    `reply_by` is the first-response due time when the caller has it (`ticket_create` gives
    it as the ticket's `first_response_due_at`), else it is read from the clock; the thread's
    Message-IDs are read unless given. `just_created`: the ticket was made in this
    transaction, so it has no acknowledgement yet.
    """
    if reply_by is None:
        clock = ticket.clocks.filter(kind=SlaClock.Kind.FIRST_RESPONSE).order_by("id").first()
        reply_by = clock.latest_at if clock else None
    return customer_notice(
        ticket,
        kind=OutboundEmail.Kind.ACKNOWLEDGEMENT,
        dedupe_key=f"acknowledgement:{ticket.pk}",
        template="acknowledgement",
        thread_ids=thread_ids,
        key_is_new=just_created,
        context={
            "reply_by": promise_text(reply_by, ticket.brand.time_zone) if reply_by else "",
            "needs_order_number": ticket.is_incomplete,
        },
    )


def customer_status_notice(ticket: Ticket, previous: str, *, reason: str = "") -> None:
    """The ticket's new status; `reason` says what happened (a resolution without an answer)."""
    customer_notice(
        ticket,
        kind=OutboundEmail.Kind.STATUS_NOTICE,
        dedupe_key=f"status:{ticket.pk}:{previous}>{ticket.status}:{timezone.now().isoformat()}",
        template="status_notice",
        context={"previous": Ticket.Status(previous).label, "reason": reason},
    )


def customer_escalation_notice(ticket: Ticket, clock: SlaClock | None) -> None:
    """Tell the customer their request went to the next tier, and (from its response clock,
    when the tier has one) by when it answers."""
    customer_notice(
        ticket,
        kind=OutboundEmail.Kind.ESCALATION_NOTICE,
        dedupe_key=f"escalation-notice:{ticket.pk}",
        template="escalation_notice",
        context={
            "tier": ticket.brand.tiers.get(level=ticket.tier),
            "reply_by": promise_text(clock.latest_at, ticket.brand.time_zone) if clock else "",
        },
    )


def customer_status_links_send(brand: Brand, email: str) -> OutboundEmail | None:
    """Mail fresh links to the requests `email` has with `brand` (its most recent ones whose
    links still work) to that address, the one on file. Nothing when it has none: the caller
    answers the same either way, so nobody learns which addresses have requests."""
    tickets = [
        ticket
        for ticket in Ticket.objects.select_related("brand")
        .filter(brand=brand, customer_email__iexact=email.strip(), merged_into__isnull=True)
        .order_by("-received_at", "-id")[: STATUS_LINKS_PER_MAIL * 2]
        if not status_link_expired(ticket)
    ][:STATUS_LINKS_PER_MAIL]
    if not tickets:
        return None
    return email_queue(
        brand=brand,
        kind=OutboundEmail.Kind.STATUS_LINKS,
        dedupe_key=f"status-links:{brand.pk}:{uuid.uuid4()}",
        to=[tickets[0].customer_email],
        template="status_links",
        context={
            "requests": [
                {
                    "reference": ticket.reference,
                    "subject": ticket.subject,
                    "status": ticket.get_status_display(),
                    "url": status_url(ticket),
                }
                for ticket in tickets
            ],
        },
    )
