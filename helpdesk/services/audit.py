"""The audit trail: one row per change on a ticket, with who made it.

Every service that changes a ticket's status, assignee, tier, urgency, category, language or
tags, moves a clock or merges tickets calls `ticket_event_record` with the actor it was given.
An actor is a staff user (an agent, in admin or the staff API), `CUSTOMER` (their mail, the
status page, the storefront acting for them), a storefront's `BrandApiKey`, or `SYSTEM`
(the sweep, automatic assignment, a clock moved by rule). Warnings and breaches are recorded
by the sweep as SLA events; `selectors.timeline.ticket_timeline` merges both.

It sits below the ladder's rungs (it imports only models), so every rung can record.
"""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from brands.models import BrandApiKey
from helpdesk.models import TicketEvent

CUSTOMER = TicketEvent.ActorKind.CUSTOMER
SYSTEM = None

Actor = AbstractBaseUser | BrandApiKey | str | None

FIELD_LENGTH = TicketEvent._meta.get_field("after").max_length


def actor_fields(actor: Actor) -> dict:
    """The TicketEvent fields that say who acted."""
    if actor is SYSTEM or actor == TicketEvent.ActorKind.SYSTEM:
        return {"actor_kind": TicketEvent.ActorKind.SYSTEM}
    if actor == CUSTOMER:
        return {"actor_kind": TicketEvent.ActorKind.CUSTOMER}
    if isinstance(actor, BrandApiKey):
        return {"actor_kind": TicketEvent.ActorKind.API_KEY, "api_key": actor}
    if isinstance(actor, AbstractBaseUser):
        return {"actor_kind": TicketEvent.ActorKind.AGENT, "actor": actor}
    raise TypeError(f"Not an actor: {actor!r}")


def _text(value: object) -> str:
    return "" if value is None else str(value)[:FIELD_LENGTH]


def ticket_event_record(
    ticket_id: int,
    kind: str,
    *,
    actor: Actor = SYSTEM,
    before: object = "",
    after: object = "",
    detail: str = "",
    at: datetime | None = None,
) -> TicketEvent:
    """Record one change of `kind` (a `TicketEvent.Kind`) on the ticket, from `before` to
    `after` (shown as text: a status, a username, a tier...), made by `actor`."""
    return TicketEvent.objects.create(
        ticket_id=ticket_id,
        kind=kind,
        before=_text(before),
        after=_text(after),
        detail=_text(detail),
        created_at=at or timezone.now(),
        **actor_fields(actor),
    )
