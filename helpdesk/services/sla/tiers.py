"""The tiers a ticket climbs: handing it to the next one starts that tier's response window."""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser

from brands.models import Brand
from brands.promises import promise_text
from helpdesk.models import SlaClock, SlaEvent, Ticket
from helpdesk.services.notices.staff import staff_alert
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
    actor: AbstractBaseUser | None = None,
) -> SlaClock | None:
    """Hand a locked ticket to `tier`: its response window starts and its group is told. The
    escalation is recorded with its reason and, when a staff member moved it, who did."""
    ticket.tier = tier
    ticket.assignee = None
    if ticket.status in Ticket.FINISHED_STATES:
        ticket.status = Ticket.Status.OPEN
    ticket.save(
        update_fields=["tier", "assignee", "status", "escalation_requested_at", "updated_at"]
    )
    terms = clocks.tier_response_terms(ticket.brand, tier=tier, start=at, language=ticket.language)
    if terms is None:
        return None
    clocks.clock_restart(ticket, terms, tier=tier)
    clock = clocks.live_clocks(ticket).get(kind=SlaClock.Kind.TIER_RESPONSE)
    SlaEvent.objects.get_or_create(
        clock=clock,
        kind=SlaEvent.Kind.ESCALATION,
        due_at=at,
        defaults={
            "ticket": ticket,
            "tier": tier,
            "created_at": at,
            "detail": reason,
            "actor": actor,
        },
    )
    staff_alert(
        ticket,
        tier=tier,
        dedupe_key=f"escalated:{clock.pk}",
        template="staff_escalation",
        context={
            "reason": reason,
            "due": promise_text(clock.latest_at, ticket.brand.time_zone),
        },
    )
    return clock
