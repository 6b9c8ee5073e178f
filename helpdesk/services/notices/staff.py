"""Who hears about a ticket's deadlines, and the mails that tell them."""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from brands.models import BrandMembership
from helpdesk.models import OutboundEmail, Ticket
from helpdesk.services.outbox.sending import email_build, emails_queue_many

SENIOR_TIER = 2


class StaffDirectory:
    """The staff addresses of some brands by role, read in one query (the sweep alerts for
    many tickets at once)."""

    def __init__(self, brand_ids: Iterable[int]) -> None:
        self._emails: dict[tuple[int, str], set[str]] = defaultdict(set)
        memberships = BrandMembership.objects.filter(
            brand_id__in=set(brand_ids), user__is_active=True
        ).exclude(user__email="")
        for brand_id, role, email in memberships.values_list("brand_id", "role", "user__email"):
            self._emails[(brand_id, role)].add(email)

    def recipients(self, ticket: Ticket, tier: int) -> list[str]:
        """The assignee when the ticket is with them at that tier, else the tier's group:
        agents for tier 1, senior agents above."""
        if ticket.assignee_id and ticket.tier == tier and ticket.assignee.email:
            return [ticket.assignee.email]
        role = BrandMembership.Role.AGENT if tier < SENIOR_TIER else BrandMembership.Role.SENIOR
        return sorted(self._emails[(ticket.brand_id, role)])


def staff_alert_build(
    directory: StaffDirectory,
    ticket: Ticket,
    *,
    tier: int,
    dedupe_key: str,
    template: str,
    context: dict[str, Any],
) -> OutboundEmail | None:
    """An unsaved alert mail to the ticket's staff at `tier` (None when nobody is there)."""
    recipients = directory.recipients(ticket, tier)
    if not recipients:
        return None
    return email_build(
        brand=ticket.brand,
        kind=OutboundEmail.Kind.STAFF_ALERT,
        dedupe_key=dedupe_key,
        to=recipients,
        template=template,
        context={"ticket": ticket, "tier": tier, **context},
        ticket=ticket,
    )


def staff_alert(
    ticket: Ticket, *, tier: int, dedupe_key: str, template: str, context: dict[str, Any]
) -> None:
    """Queue one alert to the ticket's staff at `tier` now."""
    alert = staff_alert_build(
        StaffDirectory([ticket.brand_id]),
        ticket,
        tier=tier,
        dedupe_key=dedupe_key,
        template=template,
        context=context,
    )
    if alert is not None:
        emails_queue_many([alert])
