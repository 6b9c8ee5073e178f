"""Automatic assignment: a brand that turns it on (`Brand.auto_assign`) gives each new
ticket to one of its available agents at the ticket's tier as the ticket is created
(`ticket_create` asks `auto_assignee`), so no new ticket sits unowned while someone is there.
Tickets that found nobody (or came back to an owner who has left) are handed out later by the
same rule: the beat's `unowned_tickets_assign` and a reopening (`ticket_auto_assign`).

Round-robin chooses the available agent who has waited longest since their last automatic
ticket (`BrandMembership.last_assigned_at`); least-open the one with the fewest open tickets
of the brand (ties: who waited longest). Available: an active user who has not switched it
off in their preferences. Switching it off takes nobody's tickets away: it only stops new ones
coming. The candidates' rows are locked while choosing, so two tickets created at once go to
two people.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from brands.models import Brand, BrandMembership
from brands.selectors import brand_staff
from helpdesk.models import Ticket

# Who works a tier is said where the SLA's escalation can ask it too (it keeps an assignee who
# works the tier a ticket climbs to), below this rung.
from helpdesk.services.notices.staff import role_tiers, tier_role


def _available(memberships: QuerySet[BrandMembership]) -> QuerySet[BrandMembership]:
    return memberships.filter(user__is_active=True).exclude(
        user__staff_preference__is_available=False
    )


def auto_assignee(brand: Brand, tier: int) -> AbstractBaseUser | None:
    """Whom the brand's rule gives a new ticket at `tier` (None: the rule is off, or nobody
    is available), recorded as their latest automatic ticket. Call inside the transaction
    that creates the ticket."""
    if brand.auto_assign == Brand.AutoAssign.OFF:
        return None
    candidates = _available(BrandMembership.objects.filter(brand=brand, role=tier_role(tier)))
    locked = list(candidates.select_for_update(of=("self",)).values_list("pk", flat=True))
    if not locked:
        return None
    chosen = BrandMembership.objects.filter(pk__in=locked).select_related("user")
    order = [F("last_assigned_at").asc(nulls_first=True), "pk"]
    if brand.auto_assign == Brand.AutoAssign.LEAST_OPEN:
        tickets = "user__assigned_tickets"
        chosen = chosen.annotate(
            open_count=Count(
                tickets,
                filter=Q(**{f"{tickets}__brand": brand})
                & ~Q(**{f"{tickets}__status__in": Ticket.FINISHED_STATES}),
            )
        )
        order.insert(0, "open_count")
    membership = chosen.order_by(*order).first()
    membership.last_assigned_at = timezone.now()
    membership.save(update_fields=["last_assigned_at"])
    return membership.user


def assignee_gone(ticket: Ticket) -> bool:
    """The ticket's assignee can no longer be given it: deactivated, or no longer working for
    its brand (`brand_staff`, whom assignment accepts). False for an unassigned ticket."""
    if ticket.assignee_id is None:
        return False
    return not brand_staff([ticket.brand_id]).filter(pk=ticket.assignee_id).exists()


def unowned_ticket_ids(limit: int) -> list[int]:
    """Up to `limit` live unassigned tickets the rule could give someone now (their brand
    has it on and someone of their tier is available), most pressing first: the earliest
    next due instant (urgent and old tickets are due soonest), then the oldest; tickets
    waiting on the customer, whose clocks stand still, last."""
    staffed = _available(
        BrandMembership.objects.exclude(brand__auto_assign=Brand.AutoAssign.OFF).filter(
            role__in=[BrandMembership.Role.AGENT, BrandMembership.Role.SENIOR]
        )
    )
    served = Q()
    for brand_id, role in staffed.order_by().values_list("brand_id", "role").distinct():
        served |= Q(brand_id=brand_id) & role_tiers(role)
    if not served:
        return []
    waiting = (
        Ticket.objects.exclude(status__in=Ticket.FINISHED_STATES)
        .filter(served, assignee__isnull=True)
        .order_by(F("next_due_at").asc(nulls_last=True), "received_at", "pk")
    )
    return list(waiting.values_list("pk", flat=True)[:limit])
