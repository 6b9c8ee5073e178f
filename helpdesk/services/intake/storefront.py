"""What a storefront does for its customer through the API: open a ticket from a contact form
and reply to it. The same ticket services as mail, so both channels make the same promises."""

import logging
from collections.abc import Callable, Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from brands.models import Brand, BrandApiKey, Category
from helpdesk.errors import ApplicationError
from helpdesk.models import Message, Ticket
from helpdesk.services.intake import idempotency
from helpdesk.services.intake.inbound import is_urgent
from helpdesk.services.intake.language import request_language
from helpdesk.services.stored_files import attachments_save, files_removed_on_error
from helpdesk.services.tickets.customer_escalation import ticket_escalate_if_asked
from helpdesk.services.tickets.language import ticket_language_set
from helpdesk.services.tickets.lifecycle import (
    ticket_accepts_reply,
    ticket_acknowledge,
    ticket_create,
    ticket_customer_reply,
)

logger = logging.getLogger(__name__)


def ticket_open(
    brand: Brand,
    *,
    customer_email: str,
    subject: str,
    message: str,
    customer_name: str = "",
    category: Category | None = None,
    order_number: str = "",
    language: str = "",
    attachments: Sequence[UploadedFile] = (),
    record: Callable[[Ticket], object] | None = None,
) -> Ticket:
    """Open a ticket from a contact form and acknowledge it as mail would: the customer gets
    the same acknowledgement with the same promised reply time.

    `record(ticket)` runs inside the creating transaction (the idempotency record, whose
    unique constraint undoes a concurrent duplicate). The acknowledgement is queued in the
    same transaction (one commit, not two), in a savepoint of its own: a mail that cannot be
    made must not lose the ticket, and failing the request would only make the storefront
    retry (a duplicate without an Idempotency-Key). That failure is logged for a look.
    """
    with files_removed_on_error(), transaction.atomic():
        ticket = ticket_create(
            brand,
            customer_email=customer_email,
            customer_name=customer_name,
            subject=subject,
            body=message,
            category=category,
            # The urgent situations the brand names, in the customer's own words, as for mail.
            is_urgent=is_urgent(brand, f"{subject}\n{message}"),
            # Declared by the storefront, else read from the customer's words, as for mail.
            language=request_language(brand, f"{subject}\n{message}", declared=language),
            order_number=order_number,
        )
        if attachments:
            attachments_save(ticket.first_message, attachments)
        if record is not None:
            record(ticket)
        try:
            with transaction.atomic():
                # A contact form's message has no Message-ID: the acknowledgement starts the
                # mail thread.
                ticket_acknowledge(
                    ticket,
                    reply_by=ticket.first_response_due_at,
                    thread_ids=[],
                    just_created=True,
                )
        except Exception:
            logger.exception("Acknowledging %s failed", ticket.reference)
    return ticket


def ticket_open_once(
    api_key: BrandApiKey, *, idempotency_key: str | None = None, **fields
) -> tuple[Ticket, bool]:
    """`ticket_open` for the key's brand; with an Idempotency-Key, once per key: a retry
    returns the first request's ticket. Returns the ticket and whether it is new."""
    if idempotency_key is None:
        return ticket_open(api_key.brand, **fields), True
    return idempotency.ticket_create_idempotent(
        api_key,
        idempotency_key,
        idempotency.request_fingerprint(fields),
        lambda record: ticket_open(api_key.brand, record=record, **fields),
    )


def ticket_reply_from_customer(
    ticket: Ticket, *, message: str, attachments: Sequence[UploadedFile] = ()
) -> Message:
    """The customer's reply from the storefront: resumes paused clocks, reopens a recently
    resolved ticket, escalates when it asks for a senior review (as a mailed reply does).

    A ticket whose language is still unknown takes the reply's; a known one keeps its own:
    a short "merci" never silently moves a ticket's clocks."""
    if not message.strip():
        raise ApplicationError("The reply is empty.", {"message": "Write a message."})
    if not ticket_accepts_reply(ticket, timezone.now()):
        raise ApplicationError(
            "This ticket is closed.",
            {"ticket": f"{ticket.reference} is closed: open a new ticket that refers to it."},
        )
    with files_removed_on_error(), transaction.atomic():
        reply = ticket_customer_reply(ticket, body=message)
        if not reply.ticket.language:  # read under the ticket's lock
            language = request_language(ticket.brand, message)
            if language:
                ticket_language_set(reply.ticket, language)
        if attachments:
            attachments_save(reply, attachments)
        ticket_escalate_if_asked(reply)
    return reply
