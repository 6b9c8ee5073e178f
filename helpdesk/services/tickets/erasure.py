"""Erasing a customer's personal data in one brand, and anonymising finished tickets.

Both are one operation (`_erase`): every text a customer wrote or was sent, every name and
address, every file and every raw mail of the tickets goes; the rows stay with their
references, times, statuses, tiers, clocks, events and ratings, so reports count the same
before and after. The customer's tickets with another brand are not touched.

What replaces what:
- an address: `erased-<hash>@erased.invalid`, the same for one address in one brand, so the
  tickets still group by customer without naming them; names, order numbers, error texts and
  delivery details: empty; subjects and bodies: "(erased)".
- Message-IDs a customer's mail client wrote (a domain or a local part may name them) are
  replaced by a hash of themselves, so a thread still links up; ours (made with the brand's
  domain) carry nothing of the customer and stay.
- attachments: the file is deleted from storage and the row with it; raw mail: its file is
  deleted (once the erasure is committed, as `raw_mail` does it) and its sender, subject and
  hash of its bytes replaced; a raw mail that also went to another brand stays (it is that
  brand's too) and this brand's messages let go of it.
- idempotency records of the storefront requests that opened the tickets: deleted (their key
  and request hash are the storefront's copy of the request).
"""

import hashlib
import hmac
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from brands.models import Brand
from helpdesk.errors import ApplicationError
from helpdesk.models import (
    Attachment,
    Erasure,
    Feedback,
    IdempotencyRecord,
    InboundEmail,
    Message,
    OutboundEmail,
    Ticket,
)
from helpdesk.services.raw_mail import inbound_raw_delete

ERASED_TEXT = "(erased)"
ERASED_DOMAIN = "erased.invalid"
NOT_SENT = "Not sent: the customer's personal data was erased."
MESSAGE_ID_HEADERS = ("Message-ID", "In-Reply-To", "References")
_MESSAGE_ID = re.compile(r"<[^<>\s]*>")


def address_key(email: str) -> str:
    """A stored or entered address as erasure compares and hashes it (case and spaces aside).
    Not the intake's address check: a stored address must be found whatever it looks like."""
    return email.strip().lower()


def address_hash(brand: Brand, email: str) -> str:
    """A one-way hash of the address within the brand, keyed with the site's secret so a copy
    of the database alone cannot test addresses against it. (Rotating SECRET_KEY means earlier
    erasures are no longer recognised by address; they stay recorded.)"""
    message = f"{brand.pk}:{address_key(email)}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def erased_address(brand: Brand, email: str) -> str:
    """What an address becomes: the same for one address in one brand, naming nobody."""
    if not email or email.endswith(f"@{ERASED_DOMAIN}"):
        return email
    return f"erased-{address_hash(brand, email)[:20]}@{ERASED_DOMAIN}"


@dataclass
class _Scope:
    """The rows of one brand that an erasure rewrites."""

    brand: Brand
    address: str | None
    tickets: list[Ticket]
    messages: list[Message]
    attachments: list[Attachment]
    inbound: list[InboundEmail]
    inbound_shared_ids: set[int]
    outbound: list[OutboundEmail]
    counts: Counter = field(default_factory=Counter)

    @property
    def ticket_ids(self) -> list[int]:
        return [ticket.pk for ticket in self.tickets]


def _scope(brand: Brand, tickets: list[Ticket], address: str | None) -> _Scope:
    ticket_ids = [ticket.pk for ticket in tickets]
    message_filter = Q(ticket_id__in=ticket_ids)
    if address:
        # The customer's messages that a merge moved onto someone else's ticket.
        message_filter |= Q(sender_email__iexact=address)
    messages = list(Message.objects.filter(message_filter, brand=brand).order_by("pk"))
    message_ids = [message.pk for message in messages]
    attachments = list(Attachment.objects.filter(message_id__in=message_ids).order_by("pk"))

    inbound_filter = Q(messages__in=message_ids)
    if address:
        inbound_filter |= Q(brand=brand) & (
            Q(from_email__iexact=address)
            | Q(reply_address__iexact=address)
            | Q(envelope_sender__iexact=address)
        )
    direct = set(InboundEmail.objects.filter(inbound_filter).values_list("pk", flat=True))
    # A mail that went to two brands is the other brand's too: it stays, and this brand's
    # messages let go of it.
    shared = set(
        Message.objects.filter(inbound_email__in=direct)
        .exclude(brand=brand)
        .values_list("inbound_email_id", flat=True)
    )
    own = direct - shared
    # An ESP's retries of the same mail, stored and found to be duplicates (no brand, no
    # message): the same bytes. (Not the same Message-ID: the customer's mail to another
    # brand may carry it too.)
    originals = InboundEmail.objects.filter(pk__in=own).exclude(sha256="")
    copies = (
        InboundEmail.objects.filter(sha256__in=originals.values("sha256"))
        .exclude(pk__in=direct)
        .exclude(messages__isnull=False)
        .exclude(brand__isnull=False, brand__in=Brand.objects.exclude(pk=brand.pk))
        .values_list("pk", flat=True)
    )
    inbound = list(InboundEmail.objects.filter(pk__in=own | set(copies)).order_by("pk"))

    outbound_filter = Q(ticket_id__in=ticket_ids) | Q(ticket_message_id__in=message_ids)
    outbound = OutboundEmail.objects.filter(brand=brand)
    if address:
        # Mail to the address that belongs to no ticket (fresh status links).
        outbound = outbound.annotate(to_text=Cast("to", TextField()))
        outbound_filter |= Q(to_text__icontains=address)
    return _Scope(
        brand=brand,
        address=address,
        tickets=tickets,
        messages=messages,
        attachments=attachments,
        inbound=inbound,
        inbound_shared_ids=shared,
        outbound=list(outbound.filter(outbound_filter).order_by("pk")),
    )


def _customer_tickets(brand: Brand, address: str) -> list[Ticket]:
    return list(
        Ticket.objects.for_update()
        .filter(brand=brand, customer_email__iexact=address)
        .order_by("pk")
    )


def _check_address(email: str) -> str:
    address = address_key(email)
    try:
        validate_email(address)
    except ValidationError:
        raise ApplicationError(
            f"{email!r} is not an email address.", {"email": "Enter the customer's address."}
        ) from None
    if address.endswith(f"@{ERASED_DOMAIN}"):
        raise ApplicationError(
            "That address is what an erasure leaves; there is nothing to erase.",
            {"email": "Enter the customer's own address."},
        )
    return address


def customer_erasure_preview(brand: Brand, email: str) -> dict[str, int]:
    """What `customer_erase` would erase, by kind (for a confirmation)."""
    address = _check_address(email)
    tickets = list(Ticket.objects.filter(brand=brand, customer_email__iexact=address))
    scope = _scope(brand, tickets, address)
    return {
        "tickets": len(scope.tickets),
        "messages": len(scope.messages),
        "attachments": len(scope.attachments),
        "inbound_emails": len(scope.inbound),
        "outbound_emails": len(scope.outbound),
        "feedback": Feedback.objects.filter(ticket__in=scope.ticket_ids).count(),
    }


def customer_erase(
    brand: Brand, email: str, *, actor: AbstractBaseUser | None = None, source: str
) -> Erasure:
    """Erase the personal data of the customer `email` in `brand` and record it.

    Safe to run twice: the second run finds nothing left under the address (and is recorded
    too, as a request that was made). Raises ApplicationError for a malformed address.
    """
    address = _check_address(email)
    with transaction.atomic():
        scope = _scope(brand, _customer_tickets(brand, address), address)
        _erase(scope)
        return Erasure.objects.create(
            brand=brand,
            reason=Erasure.Reason.REQUEST,
            address_hash=address_hash(brand, address),
            actor=actor if actor is not None and actor.is_authenticated else None,
            source=source,
            created_at=timezone.now(),
            counts=dict(scope.counts),
        )


def customer_erasures_before(brand: Brand, email: str) -> models.QuerySet[Erasure]:
    """Earlier erasures of this address in this brand, newest first."""
    digest = address_hash(brand, address_key(email))
    return Erasure.objects.filter(brand=brand, address_hash=digest).order_by("-created_at")


def tickets_anonymise(brand: Brand, ticket_ids: Iterable[int]) -> Counter:
    """Anonymise these finished tickets of the brand as an erasure would (the retention
    rules' last step). Mail to a customer that belongs to no ticket (fresh status links) goes
    with their last ticket left. The caller records the batch."""
    counts: Counter = Counter()
    with transaction.atomic():
        tickets = list(
            Ticket.objects.for_update()
            .filter(brand=brand, pk__in=list(ticket_ids))
            .exclude(customer_email__endswith=f"@{ERASED_DOMAIN}")
            .order_by("pk")
        )
        customers: dict[str, list[Ticket]] = {}
        for ticket in tickets:
            customers.setdefault(address_key(ticket.customer_email), []).append(ticket)
        for address, theirs in customers.items():
            others = (
                Ticket.objects.filter(brand=brand, customer_email__iexact=address)
                .exclude(pk__in=[ticket.pk for ticket in theirs])
                .exists()
            )
            scope = _scope(brand, theirs, None if others else address)
            _erase(scope)
            counts.update(scope.counts)
    return counts


# ---------------------------------------------------------------- the one erasing operation


def _erase(scope: _Scope) -> None:
    """Rewrite every row of the scope; files go last, so a database error before them leaves
    everything as it was (and a failed file deletion undoes the rows: run it again)."""
    brand = scope.brand
    own_domain = "@" + brand.from_email.rpartition("@")[2].lower() + ">"

    def msgid(value: str) -> str:
        return _message_ids_erased(value, own_domain)

    for ticket in scope.tickets:
        ticket.customer_email = erased_address(brand, ticket.customer_email)
        ticket.customer_name = ""
        ticket.subject = ERASED_TEXT
        ticket.order_number = ""
        # Revokes every status link the customer holds.
        ticket.status_link_version += 1
    Ticket.objects.bulk_update(
        scope.tickets,
        ["customer_email", "customer_name", "subject", "order_number", "status_link_version"],
    )
    scope.counts["tickets"] = len(scope.tickets)

    shared = scope.inbound_shared_ids
    for message in scope.messages:
        if message.kind == Message.Kind.INBOUND:
            message.sender_email = erased_address(brand, message.sender_email)
            message.sender_name = ""
        message.body_text = ERASED_TEXT if message.body_text else ""
        message.body_html = ""
        message.new_text = ""
        message.delivery_detail = ""
        message.message_id = msgid(message.message_id)
        message.in_reply_to = msgid(message.in_reply_to)
        message.references = msgid(message.references)
        if message.inbound_email_id in shared:
            message.inbound_email_id = None
    Message.objects.bulk_update(
        scope.messages,
        [
            "sender_email",
            "sender_name",
            "body_text",
            "body_html",
            "new_text",
            "delivery_detail",
            "message_id",
            "in_reply_to",
            "references",
            "inbound_email",
        ],
        batch_size=500,
    )
    scope.counts["messages"] = len(scope.messages)

    for inbound in scope.inbound:
        inbound_raw_delete(inbound)
        inbound.sha256 = ""
        inbound.from_email = erased_address(brand, inbound.from_email)
        inbound.envelope_sender = erased_address(brand, inbound.envelope_sender)
        inbound.reply_address = erased_address(brand, inbound.reply_address)
        inbound.subject = ERASED_TEXT if inbound.subject else ""
        inbound.message_id = msgid(inbound.message_id)
        inbound.error = ""
    InboundEmail.objects.bulk_update(
        scope.inbound,
        [
            "sha256",
            "from_email",
            "envelope_sender",
            "reply_address",
            "subject",
            "message_id",
            "error",
        ],
        batch_size=100,
    )
    scope.counts["inbound_emails"] = len(scope.inbound)

    staff = OutboundEmail.Kind.STAFF_ALERT
    for outbound in scope.outbound:
        if outbound.kind != staff:
            outbound.to = [erased_address(brand, address) for address in outbound.to]
        outbound.subject = ERASED_TEXT
        outbound.body_text = ERASED_TEXT
        outbound.body_html = ""
        outbound.headers = {
            name: msgid(value) if name in MESSAGE_ID_HEADERS else value
            for name, value in outbound.headers.items()
        }
        outbound.message_id = msgid(outbound.message_id)
        outbound.last_error = ""
        if outbound.status in (OutboundEmail.Status.QUEUED, OutboundEmail.Status.SENDING):
            # Nothing is left to send, and nobody to send it to.
            outbound.status = OutboundEmail.Status.FAILED
            outbound.last_error = NOT_SENT
    OutboundEmail.objects.bulk_update(
        scope.outbound,
        [
            "to",
            "subject",
            "body_text",
            "body_html",
            "headers",
            "message_id",
            "last_error",
            "status",
        ],
        batch_size=500,
    )
    scope.counts["outbound_emails"] = len(scope.outbound)

    scope.counts["feedback"] = (
        Feedback.objects.filter(ticket__in=scope.ticket_ids).exclude(comment="").update(comment="")
    )
    scope.counts["idempotency_records"], _ = IdempotencyRecord.objects.filter(
        ticket__in=scope.ticket_ids
    ).delete()
    scope.counts["admin_log_entries"] = _log_entries_erased(
        [
            (Ticket, scope.ticket_ids),
            (Message, [m.pk for m in scope.messages]),
            (Attachment, [a.pk for a in scope.attachments]),
            (InboundEmail, [i.pk for i in scope.inbound]),
            (OutboundEmail, [o.pk for o in scope.outbound]),
        ]
    )

    files = [attachment.file for attachment in scope.attachments if attachment.file]
    Attachment.objects.filter(pk__in=[a.pk for a in scope.attachments]).delete()
    scope.counts["attachments"] = len(scope.attachments)
    for file in files:
        file.storage.delete(file.name)
    scope.counts["files"] = len(files)


def _message_ids_erased(value: str, own_domain: str) -> str:
    """Each Message-ID in `value` that is not one of ours, replaced by a hash of itself (the
    same hash wherever it appears, so replies still point at what they answered)."""

    def erased(found: str) -> str:
        if found.lower().endswith(own_domain) or found.endswith(f"@{ERASED_DOMAIN}>"):
            return found
        return f"<{hashlib.sha256(found.encode()).hexdigest()[:32]}@{ERASED_DOMAIN}>"

    if not value:
        return value
    if "<" not in value:  # a bare identifier
        return erased(f"<{value.strip()}>")[1:-1]
    return _MESSAGE_ID.sub(lambda match: erased(match.group(0)), value)


def _log_entries_erased(rows: list[tuple[type[models.Model], list[int]]]) -> int:
    """Admin's history names each object as its str() did (a ticket by its subject, a mail by
    its sender): those names go, the record of who changed what stays."""
    changed = 0
    for model, ids in rows:
        if not ids:
            continue
        content_type = ContentType.objects.get_for_model(model)
        changed += LogEntry.objects.filter(
            content_type=content_type, object_id__in=[str(pk) for pk in ids]
        ).update(object_repr=f"{model._meta.verbose_name} (erased)", change_message="")
    return changed
