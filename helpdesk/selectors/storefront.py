"""What a storefront reads, scoped once here to its API key's brand. Each returns everything
its endpoint shows in a fixed number of queries, whatever the number of rows."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import DateTimeField, F, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from brands.models import Brand, Category, EscalationTier
from helpdesk.models import Attachment, Feedback, Message, SlaClock, Ticket


def _running_due(kind: str) -> Subquery:
    """The breach instant of the ticket's running clock of `kind`. A paused clock (waiting on
    the customer) promises nothing until the customer answers, so it shows no due time."""
    clock = SlaClock.objects.filter(
        ticket=OuterRef("pk"), kind=kind, state=SlaClock.State.RUNNING
    ).order_by("-id")
    return Subquery(clock.values("latest_at")[:1], output_field=DateTimeField())


# --------------------------------------------------------------------------- storefront


def storefront_tickets(brand: Brand) -> QuerySet[Ticket]:
    return (
        Ticket.objects.filter(brand=brand)
        .annotate(
            category_slug=F("category__slug"),
            first_response_due_at=_running_due(SlaClock.Kind.FIRST_RESPONSE),
        )
        .order_by("-received_at", "-id")
    )


# The storefront's ticket detail is the API's hottest read. Its three queries are written out
# in SQL and their rows read into plain objects: building and compiling the queries through the
# ORM, and making model instances of the rows, cost several times what the database spends.
def _running_due_sql(kind: str) -> str:
    return (
        f"(SELECT k.latest_at FROM {SlaClock._meta.db_table} k WHERE k.ticket_id = t.id "
        f"AND k.state = '{SlaClock.State.RUNNING}' AND k.kind = '{kind}' "
        "ORDER BY k.id DESC LIMIT 1)"
    )


# The ticket with its category, whether feedback was given, the running clocks' due times (a
# paused clock promises nothing until the customer answers) and what the customer-escalation
# rule asks beyond the ticket's columns (a tier above it, a proposed resolution: a query each
# on a model ticket). Found by its reference alone and its brand checked on the row: with the
# brand in the WHERE clause, PostgreSQL without statistics (a new database, autovacuum
# behind) may pick the brand's index and read every ticket of the brand.
_STOREFRONT_TICKET_SQL = f"""
SELECT t.id, t.brand_id, t.reference, t.subject, t.status, t.tier, t.customer_email,
       t.customer_name, t.order_number, t.language, t.received_at, t.updated_at, t.resolved_at,
       t.escalation_requested_at, c.slug, t.merged_into_id, t.first_responded_at,
       EXISTS (SELECT 1 FROM {Feedback._meta.db_table} f WHERE f.ticket_id = t.id),
       EXISTS (SELECT 1 FROM {EscalationTier._meta.db_table} e
               WHERE e.brand_id = t.brand_id AND e.level > t.tier),
       EXISTS (SELECT 1 FROM {Message._meta.db_table} p WHERE p.ticket_id = t.id
               AND p.kind = '{Message.Kind.OUTBOUND}' AND p.proposes_resolution),
       {_running_due_sql(SlaClock.Kind.FIRST_RESPONSE)},
       {_running_due_sql(SlaClock.Kind.TIER_RESPONSE)},
       {_running_due_sql(SlaClock.Kind.COMPLAINT_PROPOSAL)}
FROM {Ticket._meta.db_table} t
LEFT JOIN {Category._meta.db_table} c ON c.id = t.category_id
WHERE t.reference = %s
"""
# One row per message and attachment, oldest first; internal notes never leave the database.
_PUBLIC_THREAD_SQL = f"""
SELECT m.id, m.kind, m.sender_name, m.body_text, m.new_text, m.created_at, u.first_name,
       a.filename, a.content_type, a.size
FROM {Message._meta.db_table} m
LEFT JOIN {get_user_model()._meta.db_table} u ON u.id = m.author_id
LEFT JOIN {Attachment._meta.db_table} a ON a.message_id = m.id
WHERE m.ticket_id = %s AND m.kind <> %s
ORDER BY m.created_at, m.id, a.id
"""


def _aware(moment: datetime | str | None) -> datetime | None:
    """PostgreSQL gives aware datetimes; SQLite gives the stored UTC time without its zone,
    as text where the value comes from a subquery."""
    if isinstance(moment, str):
        moment = parse_datetime(moment)
    if moment is None or timezone.is_aware(moment):
        return moment
    return timezone.make_aware(moment, UTC)


@dataclass
class StorefrontTicket:
    """What a storefront sees of a ticket: the fields of its detail, nothing to read later."""

    pk: int
    reference: str
    subject: str
    status: str
    tier: int
    customer_email: str
    customer_name: str
    order_number: str
    language: str
    received_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    escalation_requested_at: datetime | None
    category_slug: str | None
    merged_into_id: int | None
    first_responded_at: datetime | None
    has_feedback: bool
    # What `customer_escalation_refusal` reads of a model ticket by a query each.
    has_next_tier: bool
    resolution_proposed: bool
    brand: Brand
    public_messages: list[dict[str, Any]] = field(default_factory=list)
    first_response_due_at: datetime | None = None
    escalation_due_at: datetime | None = None
    complaint_proposal_due_at: datetime | None = None


def storefront_ticket(brand: Brand, reference: str) -> StorefrontTicket | None:
    """The brand's ticket `reference` with its public thread and the due times the customer
    may see; None for an unknown reference and for another brand's (the caller answers both
    with the same 404). Two queries, whatever the thread's length."""
    with connection.cursor() as cursor:
        cursor.execute(_STOREFRONT_TICKET_SQL, [reference])
        row = cursor.fetchone()
        if row is None or row[1] != brand.pk:
            return None
        (
            pk,
            _,
            *shown,
            slug,
            merged_into_id,
            first_responded_at,
            feedback,
            has_next_tier,
            resolution_proposed,
            first_response_due,
            escalation_due,
            proposal_due,
        ) = row
        cursor.execute(_PUBLIC_THREAD_SQL, [pk, Message.Kind.NOTE])
        thread = _public_thread(cursor.fetchall(), brand)
    received_at, updated_at, resolved_at, requested_at = (_aware(value) for value in shown[8:])
    return StorefrontTicket(
        pk,
        *shown[:8],
        received_at=received_at,
        updated_at=updated_at,
        resolved_at=resolved_at,
        escalation_requested_at=requested_at,
        category_slug=slug,
        merged_into_id=merged_into_id,
        first_responded_at=_aware(first_responded_at),
        has_feedback=bool(feedback),  # SQLite answers EXISTS with 0 or 1
        has_next_tier=bool(has_next_tier),
        resolution_proposed=bool(resolution_proposed),
        brand=brand,
        public_messages=thread,
        first_response_due_at=_aware(first_response_due),
        escalation_due_at=_aware(escalation_due),
        complaint_proposal_due_at=_aware(proposal_due),
    )


def _public_thread(rows: list[tuple], brand: Brand) -> list[dict[str, Any]]:
    """What the customer may see of the thread: of the staff a first name at most (or the
    brand's team name), never a username or address."""
    team = brand.from_name or brand.name
    thread: dict[int, dict[str, Any]] = {}
    for pk, kind, sender, body, new_text, created_at, first_name, *attachment in rows:
        message = thread.get(pk)
        if message is None:
            inbound = kind == Message.Kind.INBOUND
            message = thread[pk] = {
                "id": pk,
                "sender": "customer" if inbound else "support",
                "author_name": sender if inbound else (first_name or sender or team),
                # Mail replies show without their quoted history.
                "body": new_text if inbound and new_text else body,
                "created_at": _aware(created_at),
                "attachments": [],
            }
        filename, content_type, size = attachment
        if filename is not None:
            message["attachments"].append(
                {"filename": filename, "content_type": content_type, "size": size}
            )
    return list(thread.values())


def first_response_due(ticket: Ticket) -> Ticket:
    """`ticket` with `first_response_due_at` set, for the answer to a creation."""
    ticket.first_response_due_at = (
        SlaClock.objects.filter(
            ticket=ticket, kind=SlaClock.Kind.FIRST_RESPONSE, state=SlaClock.State.RUNNING
        )
        .values_list("latest_at", flat=True)
        .first()
    )
    return ticket


def storefront_ticket_for_action(brand: Brand, reference: str) -> Ticket | None:
    """The bare ticket an action (reply, escalation, feedback) works on; None for another
    brand's. By its reference alone, as `storefront_ticket` finds it."""
    ticket = Ticket.objects.select_related("brand").filter(reference=reference).first()
    return ticket if ticket is not None and ticket.brand_id == brand.pk else None


def brand_profile(brand: Brand) -> Brand:
    return (
        Brand.objects.select_related("policy")
        .prefetch_related("categories", "addresses", "tiers", "opening_hours")
        .get(pk=brand.pk)
    )
