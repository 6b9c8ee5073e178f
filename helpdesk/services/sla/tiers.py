"""The tiers a ticket climbs: handing it to the next one starts that tier's response window
(paused while the ticket waits on the customer, as every answer owed is)."""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser

from brands.models import Brand
from brands.promises import promise_text
from helpdesk.models import SlaClock, SlaEvent, Ticket, TicketEvent
from helpdesk.services.audit import SYSTEM, Actor, ticket_event_record
from helpdesk.services.notices.staff import staff_alert, works_tier
from helpdesk.services.sla import clocks


def next_tier(brand: Brand, tier: int) -> int | None:
    """The tier a ticket at `tier` climbs to (the brand's next level up), or None at the top."""
    return (
        brand.tiers.filter(level__gt=tier).order_by("level").values_list("level", flat=True).first()
    )


def ticket_move_to_tier(
    ticket: Ticket,
    tier: int,
    *,
    at: datetime,
    reason: str,
    actor: Actor = SYSTEM,
) -> SlaClock | None:
    """Hand a locked ticket to `tier`: its response window starts and its group is told. The
    escalation is recorded with its reason and who did it (an agent, the customer, or the
    sweep after a breach) in the audit trail, and on its SLA event when a staff member did.

    An assignee who works the new tier (`works_tier`: a senior agent of the brand, above the
    first tier) keeps the ticket; anyone else is unassigned, the tier's group taking it on.
    A ticket waiting on the customer stays so, and its window starts paused: it runs from
    their next message, as the other clocks resume then.
    """
    ticket_event_record(
        ticket.pk,
        TicketEvent.Kind.TIER,
        actor=actor,
        before=ticket.tier,
        after=tier,
        detail=reason,
        at=at,
    )
    assignee_id = ticket.assignee_id
    if assignee_id is not None and not works_tier(ticket.brand_id, assignee_id, tier):
        ticket_event_record(
            ticket.pk,
            TicketEvent.Kind.ASSIGNEE,
            actor=actor,
            before=ticket.assignee.get_username(),
            detail=f"handed to tier {tier}",
            at=at,
        )
        ticket.assignee = None
    ticket.tier = tier
    if ticket.status in Ticket.FINISHED_STATES:
        ticket_event_record(
            ticket.pk,
            TicketEvent.Kind.STATUS,
            actor=actor,
            before=ticket.status,
            after=Ticket.Status.OPEN,
            at=at,
        )
        ticket.status = Ticket.Status.OPEN
    ticket.save(
        update_fields=["tier", "assignee", "status", "escalation_requested_at", "updated_at"]
    )
    terms = clocks.tier_response_terms(ticket.brand, tier=tier, start=at, language=ticket.language)
    if terms is None:
        return None
    clocks.clock_restart(ticket, terms, tier=tier)
    clock = clocks.live_clocks(ticket).get(kind=SlaClock.Kind.TIER_RESPONSE)
    if ticket.status == Ticket.Status.WAITING:
        clocks.clock_pause(clock, at)
    SlaEvent.objects.get_or_create(
        clock=clock,
        kind=SlaEvent.Kind.ESCALATION,
        due_at=at,
        defaults={
            "ticket": ticket,
            "tier": tier,
            "created_at": at,
            "detail": reason,
            "actor": actor if isinstance(actor, AbstractBaseUser) else None,
        },
    )
    staff_alert(
        ticket,
        tier=tier,
        dedupe_key=f"escalated:{clock.pk}",
        template="staff_escalation",
        context={
            "reason": reason,
            # A paused window has no due time until the customer writes.
            "due": (
                promise_text(clock.latest_at, ticket.brand.time_zone)
                if clock.state == SlaClock.State.RUNNING
                else ""
            ),
        },
    )
    return clock
