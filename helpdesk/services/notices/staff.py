"""Who on the staff hears about a ticket, and how: the one home of staff alerts.

An alert goes to people (the assignee, else the tier's group; or someone named), each by the
way they chose in their preferences (`StaffPreference.alert_delivery`): an `Alert` row in
their in-app inbox, a mail, or both. Staff mail comes from `STAFF_FROM_EMAIL`, never the
brand's customer-facing address, so a reply to an alert never opens a customer ticket.

The kinds: assigned to you (`alert_assigned`), the customer replied on your ticket
(`alert_customer_replied`), a deadline's warning, breach or an escalation to your tier (the
sweep and `ticket_move_to_tier`, through `staff_alert_build`), and a mention in an internal
note: the ticket page's note service finds the @usernames in the note and calls
`alert_mentions(ticket, note, users)` with those users; people who do not work for the
ticket's brand, and the note's author, are left out here.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.utils import timezone

from brands.models import BrandMembership, StaffPreference
from brands.selectors import brand_staff
from helpdesk.models import Alert, Message, OutboundEmail, Ticket
from helpdesk.selectors.alerts import user_alerts
from helpdesk.services.outbox.sending import email_build, emails_queue_many

SENIOR_TIER = 2
Delivery = StaffPreference.AlertDelivery
MAIL = (Delivery.BOTH, Delivery.MAIL)
IN_APP = (Delivery.BOTH, Delivery.IN_APP)

# The alert kind of each staff mail template.
TEMPLATE_KINDS = {
    "staff_warning": Alert.Kind.WARNING,
    "staff_update_reminder": Alert.Kind.WARNING,
    "staff_breach": Alert.Kind.BREACH,
    "staff_escalation": Alert.Kind.ESCALATION,
    "staff_assigned": Alert.Kind.ASSIGNED,
    "staff_customer_replied": Alert.Kind.CUSTOMER_REPLIED,
    "staff_mention": Alert.Kind.MENTION,
}
# What the inbox says, before the ticket's reference and subject.
KIND_TEXTS = {
    "staff_warning": "Due soon",
    "staff_update_reminder": "An update is owed",
    "staff_breach": "Breached",
    "staff_escalation": "Escalated to your tier",
    "staff_assigned": "Assigned to you",
    "staff_customer_replied": "The customer replied",
    "staff_mention": "You were mentioned",
}


class Person(NamedTuple):
    user_id: int
    email: str
    delivery: str


def tier_role(tier: int) -> str:
    """Who works a tier: agents the first, senior agents the ones above. Its alerts go to
    them, routing gives them its tickets, and an escalation keeps an assignee who does."""
    return BrandMembership.Role.AGENT if tier < SENIOR_TIER else BrandMembership.Role.SENIOR


def role_tiers(role: str) -> Q:
    """The tickets' tiers `tier_role` gives `role`, as a filter of tickets."""
    return (
        Q(tier__lt=SENIOR_TIER) if role == BrandMembership.Role.AGENT else Q(tier__gte=SENIOR_TIER)
    )


def works_tier(brand_id: int, user_id: int, tier: int) -> bool:
    """Whether the user is active staff of the brand in the role that works `tier`."""
    return BrandMembership.objects.filter(
        brand_id=brand_id, user_id=user_id, user__is_active=True, role=tier_role(tier)
    ).exists()


def _delivery(value: str | None) -> str:
    return value or Delivery.BOTH


def people(users: Iterable[AbstractBaseUser]) -> list[Person]:
    """The users as alert recipients, with the delivery each chose (one query)."""
    users = [user for user in users if user.is_active]
    chosen = dict(
        StaffPreference.objects.filter(user__in=users).values_list("user_id", "alert_delivery")
    )
    return [Person(user.pk, user.email, _delivery(chosen.get(user.pk))) for user in users]


class StaffDirectory:
    """The staff of some brands by role, read in one query (the sweep alerts for many tickets
    at once); in-app alerts built meanwhile wait in `alerts` until `staff_alerts_save`."""

    def __init__(self, brand_ids: Iterable[int]) -> None:
        self._people: dict[tuple[int, str], set[Person]] = defaultdict(set)
        self.alerts: list[Alert] = []
        memberships = BrandMembership.objects.filter(
            brand_id__in=set(brand_ids), user__is_active=True
        ).values_list(
            "brand_id", "role", "user_id", "user__email", "user__staff_preference__alert_delivery"
        )
        for brand_id, role, user_id, email, delivery in memberships:
            self._people[(brand_id, role)].add(Person(user_id, email, _delivery(delivery)))

    def recipients(self, ticket: Ticket, tier: int) -> list[Person]:
        """The assignee when the ticket is with them at that tier, else the tier's group
        (`tier_role`)."""
        if ticket.assignee_id and ticket.tier == tier:
            return people([ticket.assignee])
        return sorted(self._people[(ticket.brand_id, tier_role(tier))])


def _alerts_and_mail(
    recipients: Sequence[Person],
    ticket: Ticket,
    *,
    dedupe_key: str,
    template: str,
    context: dict[str, Any],
    alerts: list[Alert],
) -> OutboundEmail | None:
    """Add an in-app alert to `alerts` for each recipient who wants one; return the unsaved
    mail to those who want mail (None when nobody does)."""
    now = timezone.now()
    text = f"{KIND_TEXTS[template]}: {ticket.reference} {ticket.subject}"[:255]
    for person in recipients:
        if person.delivery in IN_APP:
            alerts.append(
                Alert(
                    user_id=person.user_id,
                    ticket=ticket,
                    kind=TEMPLATE_KINDS[template],
                    text=text,
                    dedupe_key=dedupe_key,
                    created_at=now,
                )
            )
    mail_to = sorted({p.email for p in recipients if p.delivery in MAIL and p.email})
    if not mail_to:
        return None
    return email_build(
        brand=ticket.brand,
        kind=OutboundEmail.Kind.STAFF_ALERT,
        dedupe_key=dedupe_key,
        to=mail_to,
        template=template,
        context={"ticket": ticket, **context},
        ticket=ticket,
        from_email=settings.STAFF_FROM_EMAIL,
    )


def staff_alert_build(
    directory: StaffDirectory,
    ticket: Ticket,
    *,
    tier: int,
    dedupe_key: str,
    template: str,
    context: dict[str, Any],
) -> OutboundEmail | None:
    """An unsaved alert mail to the ticket's staff at `tier` who want mail (None when nobody
    does); their in-app alerts wait in `directory.alerts`."""
    return _alerts_and_mail(
        directory.recipients(ticket, tier),
        ticket,
        dedupe_key=dedupe_key,
        template=template,
        context={"tier": tier, **context},
        alerts=directory.alerts,
    )


def staff_alerts_save(directory: StaffDirectory) -> None:
    """Store the in-app alerts built so far; one already stored (a replayed sweep) is kept."""
    Alert.objects.bulk_create(directory.alerts, ignore_conflicts=True)
    directory.alerts.clear()


def _send(
    recipients: Sequence[Person],
    ticket: Ticket,
    *,
    dedupe_key: str,
    template: str,
    context: dict[str, Any],
) -> None:
    alerts: list[Alert] = []
    mail = _alerts_and_mail(
        recipients,
        ticket,
        dedupe_key=dedupe_key,
        template=template,
        context=context,
        alerts=alerts,
    )
    Alert.objects.bulk_create(alerts, ignore_conflicts=True)
    if mail is not None:
        emails_queue_many([mail])


def staff_alert(
    ticket: Ticket, *, tier: int, dedupe_key: str, template: str, context: dict[str, Any]
) -> None:
    """Alert the ticket's staff at `tier` now."""
    directory = StaffDirectory([ticket.brand_id])
    mail = staff_alert_build(
        directory, ticket, tier=tier, dedupe_key=dedupe_key, template=template, context=context
    )
    staff_alerts_save(directory)
    if mail is not None:
        emails_queue_many([mail])


def alert_assigned(ticket: Ticket, assignee: AbstractBaseUser) -> None:
    """Tell an agent a ticket was given to them (by someone else or automatically)."""
    key = f"assigned:{ticket.pk}:{assignee.pk}:{timezone.now().isoformat()}"
    _send(people([assignee]), ticket, dedupe_key=key, template="staff_assigned", context={})


def alert_customer_replied(ticket: Ticket, message: Message) -> None:
    """Tell the assignee the customer wrote again (nobody when the ticket is unassigned: the
    queue shows it to the tier's group)."""
    if ticket.assignee_id is None:
        return
    _send(
        people([ticket.assignee]),
        ticket,
        dedupe_key=f"replied:{message.pk}",
        template="staff_customer_replied",
        context={"message": message},
    )


def alert_mentions(ticket: Ticket, note: Message, users: Iterable[AbstractBaseUser]) -> None:
    """Tell the users named in an internal note (`@username`, parsed by the caller) about it.
    Only the ticket's brand's staff are told, and never the note's author."""
    allowed = set(brand_staff([ticket.brand_id]).values_list("pk", flat=True))
    named = [u for u in users if u.pk in allowed and u.pk != note.author_id]
    if not named:
        return
    _send(
        people(named),
        ticket,
        dedupe_key=f"mention:{note.pk}",
        template="staff_mention",
        context={"note": note},
    )


def alert_open(user: AbstractBaseUser, alert_id: int) -> Alert | None:
    """The user's alert, marked read now if it was not (None: not theirs, of a brand they no
    longer work for, or no such alert)."""
    alert = user_alerts(user).filter(pk=alert_id).select_related("ticket").first()
    return alert_mark_read(alert) if alert is not None else None


def alert_mark_read(alert: Alert) -> Alert:
    """Mark the alert read now, unless it was already (its first reading stands)."""
    if alert.read_at is None:
        alert.read_at = timezone.now()
        Alert.objects.filter(pk=alert.pk, read_at__isnull=True).update(read_at=alert.read_at)
    return alert


def ticket_alerts_mark_read(user: AbstractBaseUser, ticket: Ticket) -> int:
    """Mark read the user's unread alerts about `ticket`, as they open its page: what they
    told of is in front of them, however they came there (one UPDATE; the count of those
    marked)."""
    unread = Alert.objects.filter(user=user, ticket=ticket, read_at__isnull=True)
    return unread.update(read_at=timezone.now())


def alerts_mark_all_read(user: AbstractBaseUser) -> int:
    """Mark read the user's unread alerts that their inbox lists (those of brands they left
    stay as they were, unseen); one UPDATE, the count of those marked."""
    unread = user_alerts(user).filter(read_at__isnull=True)
    return unread.update(read_at=timezone.now())
