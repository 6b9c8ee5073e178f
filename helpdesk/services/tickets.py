"""Tickets: creation with a per-brand reference and a first-response clock, status changes."""

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from brands.models import Brand, Category
from brands.services import policy_version_current
from helpdesk.errors import ApplicationError
from helpdesk.models import Message, Ticket
from helpdesk.services import sla

REFERENCE_DIGITS = 6


def ticket_reference(brand: Brand, number: int) -> str:
    return f"{brand.reference_prefix}-{number:0{REFERENCE_DIGITS}d}"


def _next_ticket_number(brand: Brand) -> int:
    # The UPDATE takes the brand row's lock until commit, so concurrent creations queue here
    # and each reads back its own number; the unique constraint on (brand, number) backs it.
    Brand.objects.filter(pk=brand.pk).update(ticket_sequence=F("ticket_sequence") + 1)
    return Brand.objects.values_list("ticket_sequence", flat=True).get(pk=brand.pk)


def _validate_new_ticket(
    brand: Brand, *, customer_email: str, subject: str, category: Category | None, order_number: str
) -> None:
    errors = {}
    if not customer_email.strip():
        errors["customer_email"] = "The customer's email address is required."
    if not subject.strip():
        errors["subject"] = "A subject is required."
    if category is not None and category.brand_id != brand.pk:
        errors["category"] = "This category does not belong to the brand."
    elif category is not None and category.requires_order_number and not order_number.strip():
        errors["order_number"] = f"An order number is required for {category.name}."
    if errors:
        raise ApplicationError("The ticket could not be created.", errors)


def ticket_create(
    brand: Brand,
    *,
    customer_email: str,
    subject: str,
    body: str,
    customer_name: str = "",
    category: Category | None = None,
    is_urgent: bool = False,
    language: str = "",
    order_number: str = "",
    received_at: datetime | None = None,
    message_id: str = "",
    body_html: str = "",
) -> Ticket:
    """Open a ticket with the customer's first message and its first-response clock."""
    _validate_new_ticket(
        brand,
        customer_email=customer_email,
        subject=subject,
        category=category,
        order_number=order_number,
    )
    received_at = received_at or timezone.now()
    terms = sla.first_response_terms(
        brand, received_at=received_at, is_urgent=is_urgent, language=language, category=category
    )
    with transaction.atomic():
        number = _next_ticket_number(brand)
        ticket = Ticket.objects.create(
            brand=brand,
            number=number,
            reference=ticket_reference(brand, number),
            subject=subject.strip(),
            customer_email=customer_email.strip().lower(),
            customer_name=customer_name.strip(),
            category=category,
            is_urgent=terms.is_urgent,
            language=language,
            needs_translation=sla.language_is_foreign(brand, language),
            order_number=order_number.strip(),
            policy_version=policy_version_current(brand),
            received_at=received_at,
        )
        Message.objects.create(
            ticket=ticket,
            kind=Message.Kind.INBOUND,
            sender_email=ticket.customer_email,
            sender_name=ticket.customer_name,
            body_text=body,
            body_html=body_html,
            message_id=message_id,
            created_at=received_at,
        )
        sla.clock_start(ticket, terms)
    return ticket


def ticket_set_status(
    ticket: Ticket,
    status: str,
    *,
    at: datetime | None = None,
) -> Ticket:
    """Move a ticket to `status`, pausing, resuming or stopping its clocks to match.

    Waiting on the customer pauses every clock; leaving that state resumes them with the time
    that was left; resolving or closing stops them for good.
    """
    if status not in Ticket.Status.values:
        raise ApplicationError("Unknown status.", {"status": f"{status!r} is not a status."})
    at = at or timezone.now()
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().select_related("brand").get(pk=ticket.pk)
        previous = ticket.status
        if previous == status:
            return ticket
        for clock in sla.live_clocks(ticket):
            if status in (Ticket.Status.RESOLVED, Ticket.Status.CLOSED):
                sla.clock_stop(clock, at)
            elif status == Ticket.Status.WAITING:
                sla.clock_pause(clock, at)
            elif previous == Ticket.Status.WAITING:
                sla.clock_resume(clock, at)
        ticket.status = status
        update = ["status", "updated_at"]
        if status == Ticket.Status.RESOLVED:
            ticket.resolved_at = at
            update.append("resolved_at")
        elif status == Ticket.Status.CLOSED:
            ticket.closed_at = at
            update.append("closed_at")
        ticket.save(update_fields=update)
    return ticket
