"""Automatic assignment: a brand that turns it on (`Brand.auto_assign`) gives each new
ticket to one of its available agents at the ticket's tier as the ticket is created
(`ticket_create` asks `auto_assignee`), so no new ticket sits unowned while someone is there.

Round-robin chooses the available agent who has waited longest since their last automatic
ticket (`BrandMembership.last_assigned_at`); least-open the one with the fewest open tickets
of the brand (ties: who waited longest). Available: an active user who has not switched it
off in their preferences. The candidates' rows are locked while choosing, so two tickets
created at once go to two people.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, F, Q
from django.utils import timezone

from brands.models import Brand, BrandMembership
from helpdesk.models import Ticket
from helpdesk.services.notices.staff import SENIOR_TIER


def auto_assignee(brand: Brand, tier: int) -> AbstractBaseUser | None:
    """Whom the brand's rule gives a new ticket at `tier` (None: the rule is off, or nobody
    is available), recorded as their latest automatic ticket. Call inside the transaction
    that creates the ticket."""
    if brand.auto_assign == Brand.AutoAssign.OFF:
        return None
    role = BrandMembership.Role.AGENT if tier < SENIOR_TIER else BrandMembership.Role.SENIOR
    candidates = BrandMembership.objects.filter(
        brand=brand, role=role, user__is_active=True
    ).exclude(user__staff_preference__is_available=False)
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
