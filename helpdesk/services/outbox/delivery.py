"""What became of our mail: an ESP's delivery event or a bounce report marks it delivered,
bounced or failed, on its outbox row and its thread message."""

from collections.abc import Sequence

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from brands.models import Brand
from helpdesk.models import Message, OutboundEmail
from helpdesk.services.outbox.sending import ESP_TOOK_EVENTS, outbound_confirm

# Delivery states only move forward: a late "delivered" never hides a bounce.
DELIVERY_RANK = {
    Message.Delivery.NONE: 0,
    Message.Delivery.QUEUED: 1,
    Message.Delivery.SENT: 2,
    Message.Delivery.DELIVERED: 3,
    Message.Delivery.BOUNCED: 4,
    Message.Delivery.FAILED: 4,
}


# anymail's normalised event types that change what the agent sees on a message.
DELIVERY_EVENTS = {
    "delivered": Message.Delivery.DELIVERED,
    "bounced": Message.Delivery.BOUNCED,
    "rejected": Message.Delivery.FAILED,
    "failed": Message.Delivery.FAILED,
}


def message_id_candidates(ids: Sequence[str]) -> set[str]:
    """The ids as they appear in headers and as ESPs report them: bare, and (Amazon SES,
    which replaces our Message-ID with <its-id@region.amazonses.com>) the local part alone."""
    candidates = set()
    for value in ids:
        bare = value.strip().strip("<>")
        candidates.update({value, bare, f"<{bare}>", bare.split("@")[0]})
    candidates.discard("")
    return candidates


def delivery_event_record(
    *,
    message_id: str,
    event_type: str,
    description: str = "",
    recipient: str = "",
    brand: Brand | None = None,
) -> OutboundEmail | None:
    """Mark our mail sent, delivered, bounced or failed from an ESP event or a bounce report.

    `message_id` is ours or the one the ESP gave the mail. An event showing that the ESP took
    the mail also settles a send whose result was never recorded (`outbound_confirm`). A
    bounce or failure also puts an internal note on the ticket so the agent sees the customer
    did not get it, once, however often the event arrives. Returns the outbox row, or None
    when the mail is not ours or the event changes nothing an agent sees.
    """
    status = DELIVERY_EVENTS.get(event_type)
    if status is None and event_type in ESP_TOOK_EVENTS:
        status = Message.Delivery.SENT
    ids = message_id_candidates([message_id]) if message_id else set()
    if status is None or not ids:
        return None
    outbound = (
        OutboundEmail.objects.filter(Q(esp_message_id__in=ids) | Q(message_id__in=ids))
        .select_related("ticket")
        .order_by("pk")
        .first()
    )
    if outbound is None or (brand is not None and outbound.brand_id != brand.pk):
        return None
    failed = status in (Message.Delivery.BOUNCED, Message.Delivery.FAILED)
    detail = (description or "")[:2000]
    with transaction.atomic():
        if failed:
            OutboundEmail.objects.filter(pk=outbound.pk).update(
                status=OutboundEmail.Status.FAILED,
                last_error=f"{Message.Delivery(status).label}: {detail}".strip(),
            )
        else:
            outbound_confirm(outbound.pk)
        if outbound.ticket_message_id is None:
            return outbound
        lower = [s for s, rank in DELIVERY_RANK.items() if rank < DELIVERY_RANK[status]]
        changed = Message.objects.filter(
            pk=outbound.ticket_message_id, delivery_status__in=lower
        ).update(delivery_status=status, delivery_detail=detail)
        if changed and failed and outbound.ticket is not None:
            to = recipient or ", ".join(outbound.to)
            Message.objects.create(
                ticket=outbound.ticket,
                brand_id=outbound.brand_id,
                kind=Message.Kind.NOTE,
                body_text=(
                    f'Our mail "{outbound.subject}" to {to} was not delivered '
                    f"({Message.Delivery(status).label.lower()}): {detail or 'no reason given'}. "
                    "Check the customer's address before writing again."
                ),
                created_at=timezone.now(),
            )
    return outbound
