"""What the customer is told automatically: acknowledgement, status and escalation notices, a
request for a missing order number, a request to rate a resolved ticket, and fresh links to
their requests when they ask for them. All in the ticket's language."""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from brands.models import Brand
from brands.promises import hours_text
from helpdesk.models import Message, OutboundEmail, PendingStatusNotice, SlaClock, Ticket
from helpdesk.services.outbox.sending import email_queue
from helpdesk.services.rendering.customer_words import CUSTOMER_STATUS, customer_promise_text
from helpdesk.services.rendering.status_links import status_link_expired, status_url

STATUS_LINKS_PER_MAIL = 10


def _promise(ticket: Ticket, moment: datetime | None) -> str:
    """A due time as the ticket's customer reads it, or nothing when there is none."""
    return "" if moment is None else customer_promise_text(ticket, moment)


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
        language=ticket.language,
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
            "reply_by": _promise(ticket, reply_by),
            "needs_order_number": ticket.is_incomplete,
            "language_extension": hours_text(ticket.brand.policy.language_extension_hours),
        },
    )


def customer_order_number_request(ticket: Ticket) -> OutboundEmail:
    """Ask the customer for the order number the ticket's category needs, in the
    acknowledgement's words. Asked again only once the customer has written since: until
    then the last request stands, however often an agent changes the category."""
    latest = (
        ticket.messages.filter(kind=Message.Kind.INBOUND)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
        .first()
    )
    return customer_notice(
        ticket,
        kind=OutboundEmail.Kind.ORDER_NUMBER_REQUEST,
        dedupe_key=f"order-number-request:{ticket.pk}:{latest}",
        template="order_number_request",
        context={},
    )


def customer_status_notice(
    ticket: Ticket, previous: str, *, reason: str = "", at: datetime | None = None
) -> None:
    """Tell the customer of the ticket's new status once the notice window has passed, so
    that several changes close together make one mail (`customer_notices_send_due` sends
    it). `previous` is the status before this change; `reason` says what happened (a
    resolution without an answer) and is kept for the mail."""
    at = at or timezone.now()
    pending, created = PendingStatusNotice.objects.get_or_create(
        ticket=ticket,
        defaults={
            "known_status": previous,
            "reason": reason,
            "due_at": at + timedelta(seconds=settings.CUSTOMER_NOTICE_WINDOW_SECONDS),
        },
    )
    if not created and reason:
        pending.reason = reason
        pending.save(update_fields=["reason"])


def customer_pending_notice_drop(ticket: Ticket) -> None:
    """An agent's reply is the customer's news of where their request stands: status changes
    still waiting to be told go with it, not in a mail of their own after it."""
    PendingStatusNotice.objects.filter(ticket=ticket).delete()


def _status_notice_send(pending: PendingStatusNotice) -> None:
    ticket = pending.ticket
    if ticket.status == pending.known_status:
        return  # back where the customer knew it: nothing to tell
    customer_notice(
        ticket,
        kind=OutboundEmail.Kind.STATUS_NOTICE,
        dedupe_key=f"status:{ticket.pk}:{pending.pk}",
        template="status_notice",
        context={
            "status_words": CUSTOMER_STATUS[ticket.status],
            "previous_words": CUSTOMER_STATUS[pending.known_status],
            "reason": pending.reason,
        },
    )


def _rating_request_send(ticket: Ticket) -> None:
    customer_notice(
        ticket,
        kind=OutboundEmail.Kind.RATING_REQUEST,
        dedupe_key=f"rating-request:{ticket.pk}",
        template="rating_request",
        context={},
    )


def customer_notices_send_due(now: datetime | None = None, *, batch: int = 500) -> int:
    """The beat's sending of what waited: status notices whose window has passed, and a
    rating request for each ticket resolved RATING_REQUEST_AFTER_HOURS ago and still neither
    reopened nor rated (within a week of that, so an outage or a deploy does not ask about
    old tickets). Safe to run twice; returns how many notices were handled."""
    now = now or timezone.now()
    handled = 0
    due = PendingStatusNotice.objects.filter(due_at__lte=now).order_by("due_at")
    for pending_id in due.values_list("pk", flat=True)[:batch]:
        with transaction.atomic():
            pending = (
                PendingStatusNotice.objects.select_for_update(skip_locked=True)
                .select_related("ticket__brand")
                .filter(pk=pending_id)
                .first()
            )
            if pending is None:
                continue  # another worker has it, or it was sent
            _status_notice_send(pending)
            pending.delete()
            handled += 1
    asked_before = now - timedelta(hours=settings.RATING_REQUEST_AFTER_HOURS)
    unrated = (
        Ticket.objects.select_related("brand")
        .filter(
            status=Ticket.Status.RESOLVED,
            resolved_at__lte=asked_before,
            resolved_at__gt=asked_before - timedelta(days=7),
            feedback__isnull=True,
            merged_into__isnull=True,
        )
        .exclude(
            Exists(
                OutboundEmail.objects.filter(
                    ticket=OuterRef("pk"), kind=OutboundEmail.Kind.RATING_REQUEST
                )
            )
        )
        .order_by("resolved_at")
    )
    for ticket in unrated[:batch]:
        with transaction.atomic():
            _rating_request_send(ticket)
        handled += 1
    return handled


def customer_escalation_notice(ticket: Ticket, clock: SlaClock | None) -> None:
    """Tell the customer their request went to the next tier, and (from its response clock,
    when the tier has one and it runs) by when it answers: a clock paused while the ticket
    waits on the customer promises no time yet."""
    running = clock is not None and clock.state == SlaClock.State.RUNNING
    customer_notice(
        ticket,
        kind=OutboundEmail.Kind.ESCALATION_NOTICE,
        dedupe_key=f"escalation-notice:{ticket.pk}",
        template="escalation_notice",
        context={
            "tier": ticket.brand.tiers.get(level=ticket.tier),
            "reply_by": _promise(ticket, clock.latest_at if running else None),
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
        language=tickets[0].language,
        context={
            "requests": [
                {
                    "reference": ticket.reference,
                    "subject": ticket.subject,
                    "status": CUSTOMER_STATUS[ticket.status],
                    "url": status_url(ticket),
                }
                for ticket in tickets
            ],
        },
    )
