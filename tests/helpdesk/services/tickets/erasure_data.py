"""A customer's whole history with a brand, made the way production makes it (mail in, mail
out, replies, files, a rating, a storefront's retried request, admin history), and a dump of
every row and every stored file to search for what an erasure must leave no trace of."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from brands.models import Brand
from helpdesk.models import IdempotencyRecord, InboundEmail, Message, OutboundEmail, Ticket
from helpdesk.services.api_keys import api_key_create
from helpdesk.services.intake.inbound import inbound_store
from helpdesk.services.notices.customer import customer_status_links_send
from helpdesk.services.tickets.feedback import feedback_record
from helpdesk.services.tickets.lifecycle import ticket_add_note, ticket_reply
from tests.helpdesk.mail import CR, KS, make_mail

NAME = "Zelda Quinceworth"
ADDRESS = "Zelda.Quinceworth@personal-mail.example"
SENTENCE = "my grandmother's sapphire brooch arrived bent"
FILE_SENTENCE = "scanned receipt of the Quinceworth household"
# What the rows hold of the customer (the file's own text is looked for in the files).
TRACES = (NAME.lower(), ADDRESS.lower(), SENTENCE.lower(), "quinceworth")


@dataclass
class History:
    ticket: Ticket
    first_mail: InboundEmail


def deliver(capture, raw: bytes) -> InboundEmail:
    with capture(execute=True):
        stored = inbound_store(raw, source="test")
    stored.refresh_from_db()
    return stored


def customer_history(capture, brand: Brand, agent, *, to: str = KS, tag: str = "") -> History:
    """Mail with a file, the acknowledgement, an agent's reply and note, the customer's
    answer, a resolving reply, a rating with a comment, an ESP's retry of the first mail,
    fresh status links, a storefront's idempotency record and an admin log entry."""
    first = make_mail(
        sender=f"{NAME} <{ADDRESS}>",
        to=to,
        subject=f"Order for {NAME}: brooch damaged",
        body=f"Hello,\n{SENTENCE}. Please help.\n{NAME}\n",
        html=f"<p>{SENTENCE}</p><p>{NAME}</p>",
        message_id=f"<{NAME.replace(' ', '.').lower()}.1{tag}@personal-mail.example>",
        attachments=(("quinceworth-receipt.txt", "text/plain", FILE_SENTENCE.encode()),),
    )
    first_mail = deliver(capture, first)
    deliver(capture, first)  # the ESP's retry: stored, found a duplicate
    ticket = Ticket.objects.get(brand=brand, messages__inbound_email=first_mail)
    with capture(execute=True):
        ticket_reply(ticket, author=agent, body=f"Dear {NAME}, we are sorry about the brooch.")
    ticket_add_note(ticket, author=agent, body=f"{NAME} called too, about {SENTENCE}.")
    ours = ticket.messages.filter(kind=Message.Kind.OUTBOUND).last().message_id
    answer = make_mail(
        sender=f"{NAME} <{ADDRESS}>",
        to=to,
        subject=f"Re: [{ticket.reference}] Order for {NAME}",
        body=f"Thanks. Again: {SENTENCE}.\n-- {NAME}\n",
        message_id=f"<{NAME.replace(' ', '.').lower()}.2{tag}@personal-mail.example>",
        headers={"In-Reply-To": ours, "References": ours},
    )
    deliver(capture, answer)
    with capture(execute=True):
        ticket_reply(
            ticket, author=agent, body=f"{NAME}, a new brooch is on its way.", status="resolved"
        )
    ticket.refresh_from_db()
    feedback_record(ticket, rating=4, comment=f"{NAME} says thanks")
    with capture(execute=True):
        customer_status_links_send(brand, ADDRESS.lower())
    api_key, _ = api_key_create(brand, name=f"Web shop{tag}")
    IdempotencyRecord.objects.create(
        api_key=api_key,
        key=f"{ADDRESS}-order-77",
        request_hash=hashlib.sha256(ADDRESS.encode()).hexdigest(),
        ticket=ticket,
        created_at=timezone.now(),
    )
    LogEntry.objects.create(
        user=agent,
        content_type=ContentType.objects.get_for_model(Ticket),
        object_id=str(ticket.pk),
        object_repr=str(ticket),
        action_flag=CHANGE,
        change_message=f'[{{"changed": {{"fields": ["Customer name"]}}}}] {NAME}',
    )
    ticket.refresh_from_db()
    return History(ticket=ticket, first_mail=first_mail)


def _text(value) -> str:
    if isinstance(value, bytes | memoryview | bytearray):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def every_row_as_text(exclude: set[tuple[type[models.Model], int]] = frozenset()) -> str:
    """Every column of every row of every model, as lowercase text."""
    lines = []
    for model in apps.get_models():
        for row in model._base_manager.all():
            if (model, row.pk) in exclude:
                continue
            values = (_text(f.value_from_object(row)) for f in model._meta.concrete_fields)
            lines.append(f"{model._meta.label} {row.pk}: " + " | ".join(values))
    return "\n".join(lines).lower()


def every_file_as_text(root: Path) -> str:
    return "\n".join(
        f"{path}: " + path.read_bytes().decode("utf-8", "replace")
        for path in sorted(root.rglob("*"))
        if path.is_file()
    ).lower()


def rows_of_brand_tickets(brand: Brand) -> set[tuple[type[models.Model], int]]:
    """The rows that belong to the brand's tickets (to leave another brand out of a dump)."""
    tickets = Ticket.objects.filter(brand=brand)
    rows: set[tuple[type[models.Model], int]] = set()
    for model, queryset in [
        (Ticket, tickets),
        (Message, Message.objects.filter(brand=brand)),
        (OutboundEmail, OutboundEmail.objects.filter(brand=brand)),
        (InboundEmail, InboundEmail.objects.filter(messages__brand=brand)),
        # The ESP's retries of those (the same bytes, found duplicates).
        (
            InboundEmail,
            InboundEmail.objects.filter(
                sha256__in=InboundEmail.objects.filter(messages__brand=brand).values("sha256")
            ),
        ),
    ]:
        rows |= {(model, pk) for pk in queryset.values_list("pk", flat=True)}
    for relation in Ticket._meta.related_objects:
        model = relation.related_model
        if model in (Message, OutboundEmail, Ticket):
            continue
        pks = model._base_manager.filter(**{f"{relation.field.name}__in": tickets})
        rows |= {(model, pk) for pk in pks.values_list("pk", flat=True)}
    log = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Ticket),
        object_id__in=[str(pk) for pk in tickets.values_list("pk", flat=True)],
    )
    rows |= {(LogEntry, pk) for pk in log.values_list("pk", flat=True)}
    attachments = apps.get_model("helpdesk", "Attachment")._base_manager.filter(
        message__brand=brand
    )
    rows |= {(attachments.model, pk) for pk in attachments.values_list("pk", flat=True)}
    return rows


__all__ = ["CR", "KS"]
