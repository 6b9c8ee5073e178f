"""What staff read (admin and the staff API), scoped once to the brands a user works for."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    OrderBy,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from brands.models import Brand, BrandMembership
from brands.selectors import staffed_brands
from helpdesk.models import Message, Signature, SlaClock, Ticket

# The orders a ticket list is read in (the admin list's sortable columns, the staff API's
# `ordering`), by field: the columns each is read in, all in one direction, matching an index
# over one brand's tickets and one across brands (Ticket.Meta.indexes), so a page of a
# million tickets is read from an index's end, never sorted. The reference is ordered by the
# brand's number: its text sorts KS-1000000 before KS-999999.
INDEX_ORDERS = {
    "reference": ("brand_id", "number"),
    "received_at": ("received_at", "id"),
    "updated_at": ("updated_at", "id"),
    "is_urgent": ("is_urgent", "received_at", "id"),
    "next_due_at": ("next_due_at", "id"),
    "tier": ("tier", "id"),
    "status": ("status", "id"),
}


def index_order(field: str, *, descending: bool) -> list[OrderBy]:
    """The order by `field` (a key of INDEX_ORDERS) as its index keeps it (a missing next
    due instant comes last ascending, first descending)."""
    return [F(column).desc() if descending else F(column).asc() for column in INDEX_ORDERS[field]]


def tickets_for_user(user: AbstractBaseUser) -> QuerySet[Ticket]:
    """The tickets of the brands the user works for. The brands are read first and written
    into the query as a list: with a membership subquery instead, PostgreSQL cannot tell how
    many tickets match and reads a brand's every ticket to sort one page. The search vector
    is left in the table: only the database reads it, and it is the widest column."""
    brand_ids = list(staffed_brands(user).values_list("pk", flat=True))
    return Ticket.objects.filter(brand_id__in=brand_ids).defer("search_vector")


def with_first_response_due(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Annotate each ticket with its live first-response clock's target and latest instants."""
    clock = SlaClock.objects.filter(ticket=OuterRef("pk"), kind=SlaClock.Kind.FIRST_RESPONSE).live()
    return tickets.annotate(
        first_response_target_at=Subquery(
            clock.values("target_at")[:1], output_field=DateTimeField()
        ),
        first_response_due_at=Subquery(clock.values("latest_at")[:1], output_field=DateTimeField()),
    )


SLA_STATES = ("on_track", "due_soon", "breached", "waiting")


def sla_status_counts(brands: QuerySet[Brand], now: datetime) -> dict[str, dict[str, int]]:
    """Open tickets per brand slug by clock state, in one query.

    Breached: a live clock past its latest time. Due soon: a running clock past its target.
    Waiting: the clocks are paused on the customer. On track: the rest.
    """
    live = SlaClock.objects.filter(ticket=OuterRef("pk")).live()
    tickets = (
        Ticket.objects.filter(brand__in=brands)
        .exclude(status__in=Ticket.FINISHED_STATES)
        .annotate(breached=Exists(live.breached(now)), due_soon=Exists(live.in_warning(now)))
    )
    not_breached = Q(breached=False)
    rows = tickets.values("brand__slug").annotate(
        breached_count=Count("pk", filter=Q(breached=True)),
        due_soon_count=Count("pk", filter=not_breached & Q(due_soon=True)),
        waiting_count=Count(
            "pk", filter=not_breached & Q(due_soon=False, status=Ticket.Status.WAITING)
        ),
        on_track_count=Count(
            "pk", filter=not_breached & Q(due_soon=False) & ~Q(status=Ticket.Status.WAITING)
        ),
    )
    counts = {slug: dict.fromkeys(SLA_STATES, 0) for slug in brands.values_list("slug", flat=True)}
    for row in rows:
        counts[row["brand__slug"]] = {state: row[f"{state}_count"] for state in SLA_STATES}
    return counts


def with_next_due(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Annotate each ticket with the kind and the target (when it turns "due soon") of the
    running clock that falls due first (the ticket's stored `next_due_at`; paused and stopped
    clocks owe nothing now, so a ticket waiting on the customer has none). Read for a page's
    rows only."""
    running = SlaClock.objects.filter(ticket=OuterRef("pk"), state=SlaClock.State.RUNNING).order_by(
        "latest_at", "id"
    )
    return tickets.annotate(
        next_due_kind=Subquery(running.values("kind")[:1]),
        next_due_target_at=Subquery(running.values("target_at")[:1]),
    )


def tickets_in_queue(tickets: QuerySet[Ticket], user: AbstractBaseUser) -> QuerySet[Ticket]:
    """A user's queue: open tickets assigned to them, and unassigned open tickets of their
    brands at their tier (agents tier 1, senior agents the tiers above; superusers any)."""
    live = tickets.exclude(status__in=Ticket.FINISHED_STATES).filter(merged_into__isnull=True)
    if user.is_superuser:
        return live.filter(Q(assignee=user) | Q(assignee__isnull=True))
    memberships = BrandMembership.objects.filter(user=user)
    agent = memberships.filter(role=BrandMembership.Role.AGENT).values("brand_id")
    senior = memberships.filter(role=BrandMembership.Role.SENIOR).values("brand_id")
    at_my_tier = Q(brand__in=agent, tier=1) | Q(brand__in=senior, tier__gte=2)
    return live.filter(Q(assignee=user) | Q(assignee__isnull=True) & at_my_tier)


# --------------------------------------------------------------------------- staff API


def staff_tickets(user: AbstractBaseUser) -> QuerySet[Ticket]:
    live = SlaClock.objects.filter(ticket=OuterRef("pk")).live()
    tickets = tickets_for_user(user).annotate(breached=Exists(live.breached(timezone.now())))
    return with_first_response_due(tickets).select_related("brand", "category", "assignee")


def staff_ticket(user: AbstractBaseUser, reference: str) -> Ticket | None:
    thread = (
        Message.objects.select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )
    clocks = SlaClock.objects.order_by("started_at", "id")
    return (
        staff_tickets(user)
        .prefetch_related(
            Prefetch("messages", queryset=thread, to_attr="thread"),
            Prefetch("clocks", queryset=clocks, to_attr="all_clocks"),
        )
        .filter(reference=reference)
        .first()
    )


def active_user(pk: int) -> AbstractBaseUser | None:
    return get_user_model().objects.filter(pk=pk, is_active=True).first()


def staff_ticket_for_action(user: AbstractBaseUser, reference: str) -> Ticket | None:
    return tickets_for_user(user).select_related("brand").filter(reference=reference).first()


def staff_signature(user: AbstractBaseUser, brand: Brand) -> str:
    """What `user` signs replies with in `brand` ("" when they set nothing)."""
    return (
        Signature.objects.filter(user=user.pk, brand=brand.pk)
        .values_list("text", flat=True)
        .first()
        or ""
    )


def customer_other_tickets(user: AbstractBaseUser, ticket: Ticket, limit: int = 10) -> list[Ticket]:
    """The customer's other tickets in the ticket's brand, newest first, with their ratings."""
    return list(
        tickets_for_user(user)
        .filter(brand=ticket.brand_id, customer_email=ticket.customer_email)
        .exclude(pk=ticket.pk)
        .select_related("feedback")
        .order_by("-received_at", "-id")[:limit]
    )
