"""What an agent may change on a ticket in place: urgency, category and tier.

Urgency and category decide a ticket's promises (an urgent ticket has the brand's urgent
targets; a complaint has its resolution-proposal clock), so changing them recomputes the
live clocks under the brand's current policy, as a language change does.
"""

import copy
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from brands.models import Category
from helpdesk.errors import ApplicationError
from helpdesk.models import SlaClock, Ticket
from helpdesk.services.audit import SYSTEM, Actor
from helpdesk.services.sla import clocks
from helpdesk.services.tickets.lifecycle import (
    category_errors,
    ticket_changes_record,
    ticket_escalate,
)
from helpdesk.services.tickets.order_numbers import ticket_completeness_apply


def ticket_urgency_set(
    ticket: Ticket, is_urgent: bool, *, actor: Actor = SYSTEM, at: datetime | None = None
) -> Ticket:
    """Mark the ticket urgent or not; its live clocks are recomputed from their starts with
    the urgent targets (or the ordinary ones), so a first response owed moves at once. The
    change is recorded with `actor`.

    A ticket whose category is urgent by the brand's policy stays urgent: change the category.
    """
    at = at or timezone.now()
    with transaction.atomic():
        locked = Ticket.objects.locked(ticket.pk)
        if not is_urgent and locked.category is not None and locked.category.is_urgent:
            raise ApplicationError(
                "This ticket's category is urgent.",
                {"is_urgent": f"{locked.category.name} is urgent by the brand's policy."},
            )
        if locked.is_urgent != is_urgent:
            before = copy.copy(locked)
            locked.is_urgent = is_urgent
            locked.save(update_fields=["is_urgent", "updated_at"])
            ticket_changes_record(before, locked, actor=actor)
            clocks.ticket_recompute_clocks(locked, at, actor=actor)
    ticket.is_urgent = is_urgent
    return ticket


def ticket_category_set(
    ticket: Ticket,
    category: Category | None,
    *,
    actor: Actor = SYSTEM,
    at: datetime | None = None,
) -> Ticket:
    """Give the ticket another of its brand's categories (recorded with `actor`).

    An urgent category makes the ticket urgent (clocks recomputed); a complaint category
    starts the resolution-proposal clock when none runs. A category that needs an order
    number the ticket lacks makes it incomplete, and the customer is asked for the number;
    another category makes it complete again.
    """
    at = at or timezone.now()
    with transaction.atomic():
        locked = Ticket.objects.locked(ticket.pk)
        errors = category_errors(locked.brand, category, locked.order_number)
        if errors:
            raise ApplicationError("The category was refused.", errors)
        if locked.category_id == (category.pk if category else None):
            return locked
        before = copy.copy(locked)
        locked.category = category
        urgent = locked.is_urgent or bool(category and category.is_urgent)
        recompute = urgent != locked.is_urgent
        locked.is_urgent = urgent
        completeness = ticket_completeness_apply(locked)
        locked.save(update_fields=["category", "is_urgent", *completeness, "updated_at"])
        ticket_changes_record(before, locked, actor=actor)
        if recompute:
            clocks.ticket_recompute_clocks(locked, at, actor=actor)
        complaint_running = (
            clocks.live_clocks(locked).filter(kind=SlaClock.Kind.COMPLAINT_PROPOSAL).exists()
        )
        if category is not None and category.is_complaint and not complaint_running:
            clocks.clock_start(
                locked,
                clocks.complaint_proposal_terms(locked.brand, start=at, language=locked.language),
            )
    ticket.category, ticket.is_urgent = category, urgent
    ticket.is_incomplete = locked.is_incomplete
    return ticket


def ticket_tier_set(ticket: Ticket, tier: int, *, actor: AbstractBaseUser) -> Ticket:
    """Hand the ticket to a higher tier of its brand (an escalation by `actor`, recorded as
    such); tickets go down a tier only by being resolved and reopened."""
    if tier == ticket.tier:
        return ticket
    if tier < ticket.tier or not ticket.brand.tiers.filter(level=tier).exists():
        raise ApplicationError(
            "That tier cannot be chosen.",
            {"tier": "Choose a higher tier of the brand's; a ticket is never moved down."},
        )
    ticket_escalate(ticket, actor=actor, to_tier=tier)
    ticket.refresh_from_db()
    return ticket
