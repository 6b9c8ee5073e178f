"""Inbound mail: stored raw first, then routed, deduplicated, threaded and acknowledged.

The webhook and `ingest_email` only call `inbound_store`; everything that can fail happens
later in `inbound_process`, run by a task, so a message is never lost to a bug, a bad header
or an unknown address: at worst it waits in admin, marked failed or unrouted, for a retry.
"""

import functools
import hashlib
import logging
import os
import re
import traceback
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.text import get_valid_filename

from brands.models import Brand, SupportAddress
from brands.services import brand_rules
from helpdesk.errors import ApplicationError
from helpdesk.models import Attachment, InboundEmail, Message, OutboundEmail, Ticket
from helpdesk.services.intake import mail_parsing
from helpdesk.services.intake.language import request_language
from helpdesk.services.intake.mail_parsing import ParsedMail
from helpdesk.services.outbox.delivery import delivery_event_record, message_id_candidates
from helpdesk.services.outbox.sending import enqueue_on_commit
from helpdesk.services.raw_mail import inbound_raw_read, raw_file_write
from helpdesk.services.stored_files import file_saved, files_removed_on_error
from helpdesk.services.tickets.customer_escalation import ticket_escalate_if_asked
from helpdesk.services.tickets.lifecycle import (
    ticket_accepts_reply,
    ticket_create,
    ticket_customer_reply,
)

logger = logging.getLogger(__name__)

DUPLICATE = "duplicate"
CREATED = "created"
REPLIED = "replied"
BOUNCE = "bounce"


def _clip(value: str, length: int) -> str:
    return (value or "").replace("\x00", "").strip()[:length]


# ---------------------------------------------------------------- storing


def inbound_store(
    raw: bytes, *, source: str, envelope_recipient: str = "", envelope_sender: str = ""
) -> InboundEmail:
    """Keep the message exactly as it arrived and queue its processing after the commit.

    Nothing that reads the message can stop it being stored: the header summary shown in
    admin (Message-ID, sender, subject) is a guarded read of the headers alone, left empty
    when they cannot be read; everything else waits for `inbound_process`. One file written
    and one INSERT, so the webhook answers fast.
    """
    raw = bytes(raw)
    try:
        summary = mail_parsing.header_summary(raw)
    except Exception:
        logger.warning("Headers of an inbound email unreadable", exc_info=True)
        summary = {}
    sha256 = hashlib.sha256(raw).hexdigest()
    # The file first, then the row that points at it; if the row does not commit, the file
    # is removed again.
    with files_removed_on_error(), transaction.atomic():
        raw_file = raw_file_write(sha256, raw)
        file_saved(raw_file)
        inbound = InboundEmail.objects.create(
            raw_file=raw_file.name,
            sha256=sha256,
            size=len(raw),
            source=_clip(source, 40),
            envelope_recipient=_clip(envelope_recipient, 320),
            envelope_sender=_clip(envelope_sender, 320),
            received_at=timezone.now(),
            **{name: _clip(value, 998) for name, value in summary.items()},
        )
        enqueue_on_commit("process_inbound_email", inbound.pk)
    return inbound


# ---------------------------------------------------------------- processing


# How often a message runs whole when it keeps losing dedup races (see inbound_process).
RACE_ATTEMPTS = 4


def inbound_process(inbound_id: int) -> str:
    """Route, deduplicate and thread one stored message; returns its status afterwards.

    Safe to run twice and from two workers at once: the row is locked while it is processed
    and only a message still "received" is processed. Any error rolls back what was done.
    A lost or broken database connection is our fault, not the mail's: the message stays
    "received" and the requeue of stuck work runs it again once the database answers. Any
    other error marks it failed with the error, its raw bytes kept for a retry by hand.

    Two copies of one mail (an ESP's retry) processed at once: the unique (brand, Message-ID)
    constraint stops the second; its transaction is undone whole and run again, when it finds
    the first copy and is a duplicate. (Cheaper than a savepoint around every message.) Each
    run settles at least one brand's race, so a mail to several brands may take a few.
    """
    try:
        for attempt in range(1, RACE_ATTEMPTS + 1):
            try:
                return _process_locked(inbound_id)
            except IntegrityError:
                if attempt == RACE_ATTEMPTS:
                    raise
    except InboundEmail.DoesNotExist:
        logger.warning("Inbound email %s does not exist", inbound_id)
        return "missing"
    except (OperationalError, InterfaceError):
        logger.warning(
            "Inbound email %s left for a retry: database error", inbound_id, exc_info=True
        )
        return InboundEmail.Status.RECEIVED
    except Exception as error:
        logger.exception("Processing inbound email %s failed", inbound_id)
        fields = "; ".join(f"{k}: {v}" for k, v in getattr(error, "fields", {}).items())
        detail = f"{type(error).__name__}: {error} {fields}\n\n{traceback.format_exc()}"
        InboundEmail.objects.filter(pk=inbound_id).update(
            status=InboundEmail.Status.FAILED,
            error=detail[-10_000:],
            attempts=F("attempts") + 1,
            processed_at=timezone.now(),
        )
        return InboundEmail.Status.FAILED


def _process_locked(inbound_id: int) -> str:
    with files_removed_on_error(), transaction.atomic():
        locked = InboundEmail.objects.raw(_lock_sql(), [inbound_id]).using(connection.alias)
        inbound = next(iter(locked), None)
        if inbound is None:
            raise InboundEmail.DoesNotExist(f"Inbound email {inbound_id}")
        if inbound.status != InboundEmail.Status.RECEIVED:
            return inbound.status
        parsed = mail_parsing.mail_parse(
            inbound_raw_read(inbound), attachment_max_bytes=settings.ATTACHMENT_MAX_BYTES
        )
        status, note = _process(inbound, parsed)
        with connection.cursor() as cursor:
            cursor.execute(
                _finish_sql(),
                [
                    status,
                    note,
                    connection.ops.adapt_datetimefield_value(timezone.now()),
                    parsed.message_id,
                    _clip(parsed.from_email, 320),
                    _clip(parsed.subject, 998),
                    inbound.pk,
                ],
            )
        return status


# The two statements every message runs, written out once: building them through the ORM
# took longer than the database takes to run them (as for `_thread_facts`).
@functools.cache
def _lock_sql() -> str:
    """The message's row under its lock, with the brands' state for the support-address
    cache; its bytes are in the file storage (`inbound_raw_read`)."""
    quote = connection.ops.quote_name
    fields = [field for field in InboundEmail._meta.concrete_fields if field.name != "raw"]
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    return (
        f"SELECT {', '.join(quote(field.column) for field in fields)}, "
        f"({BRANDS_STATE_SQL}) AS brands_state "
        f"FROM {quote(InboundEmail._meta.db_table)} WHERE id = %s{lock}"
    )


@functools.cache
def _finish_sql() -> str:
    return (
        f"UPDATE {connection.ops.quote_name(InboundEmail._meta.db_table)} SET status = %s, "
        "error = %s, attempts = attempts + 1, processed_at = %s, message_id = %s, "
        "from_email = %s, subject = %s WHERE id = %s"
    )


def _process(inbound: InboundEmail, parsed: ParsedMail) -> tuple[str, str]:
    """The message's status afterwards, and a note for agents (why it waits for them)."""
    known = support_addresses(inbound.brands_state)
    brands = [inbound.brand] if inbound.brand_id else inbound_route(inbound, parsed, known)
    if not brands:
        return InboundEmail.Status.UNROUTED, ""
    sender = (
        inbound.reply_address
        or parsed.from_email
        or mail_parsing.address_normalise(inbound.envelope_sender)
    )
    if not sender:
        return _without_sender(inbound, parsed, brands)
    own = sender in known or any(sender == b.from_email.lower() for b in known.values())
    outcomes = [_deliver(inbound, parsed, brand, sender, own_address=own) for brand in brands]
    if all(outcome == DUPLICATE for outcome in outcomes):
        return InboundEmail.Status.DUPLICATE, ""
    return InboundEmail.Status.PROCESSED, ""


def _without_sender(
    inbound: InboundEmail, parsed: ParsedMail, brands: list[Brand]
) -> tuple[str, str]:
    """Mail nobody can be answered at: a bounce of ours is still recorded; anything else waits,
    final, for an agent of its (first) brand to enter the customer's address or discard it.
    A retry could never fix it, so it is out of the retry loop."""
    if parsed.bounced_message_id and any(
        delivery_event_record(
            message_id=parsed.bounced_message_id,
            event_type="bounced",
            description=parsed.bounce_detail or "Delivery failure report received by mail.",
            brand=brand,
        )
        for brand in brands
    ):
        return InboundEmail.Status.PROCESSED, ""
    # An ESP's retry of the same bytes is the same mail: listed once.
    held = InboundEmail.objects.filter(
        sha256=inbound.sha256, status=InboundEmail.Status.NO_SENDER
    ).exclude(pk=inbound.pk)
    if held.exists():
        return InboundEmail.Status.DUPLICATE, ""
    InboundEmail.objects.filter(pk=inbound.pk).update(brand=brands[0])
    return InboundEmail.Status.NO_SENDER, parsed.sender_problem


TICKET_SUBJECT_MAX_CHARS = Ticket._meta.get_field("subject").max_length


def _canonical(address: str) -> list[str]:
    """The address and, for plus-addressing (support+orders@), the mailbox it belongs to."""
    address = address.strip().strip("<>").lower()
    local, _, domain = address.partition("@")
    if "+" in local:
        return [address, f"{local.split('+')[0]}@{domain}"]
    return [address]


# What the support-address cache is keyed by: how many brands there are and when a policy
# last changed. Plain SQL, so it can ride along with the query that locks an inbound message.
BRANDS_STATE_SQL = (
    "SELECT CAST(COUNT(*) AS TEXT) || ' ' || COALESCE(CAST(MAX(policy_updated_at) AS TEXT), '') "
    f"FROM {Brand._meta.db_table}"
)


def support_addresses(brands_state: str | None = None) -> dict[str, Brand]:
    """Every brand's support addresses and aliases (a short list), with their brand.

    Read once per process and policy state: addresses are policy settings, so any change to
    them records a version and moves its brand's last-updated time, which is part of the
    cache key. `brands_state` is that key (BRANDS_STATE_SQL) when the caller has read it.
    """
    if brands_state is None:
        with connection.cursor() as cursor:
            cursor.execute(BRANDS_STATE_SQL)
            brands_state = cursor.fetchone()[0]
    return _cached_support_addresses(brands_state)


@functools.lru_cache(maxsize=4)
def _cached_support_addresses(brands_state: str) -> dict[str, Brand]:
    return {
        support.email: support.brand
        for support in SupportAddress.objects.select_related("brand__policy")
    }


def brands_for_addresses(addresses: Iterable[str], known: dict[str, Brand]) -> list[Brand]:
    """The brands whose support addresses (or aliases) are among `addresses`, in that order."""
    brands: list[Brand] = []
    for address in addresses:
        for candidate in _canonical(address) if address else ():
            brand = known.get(candidate)
            if brand is not None and brand not in brands:
                brands.append(brand)
    return brands


def inbound_route(
    inbound: InboundEmail, parsed: ParsedMail, known: dict[str, Brand] | None = None
) -> list[Brand]:
    """The address the mail was delivered to decides; the headers only when it says nothing.

    One mail addressed to two brands is delivered to each (one ticket per brand). When the
    ESP gives an envelope recipient it is the copy for that address only: the other brand
    gets its own copy with its own envelope.
    """
    known = support_addresses() if known is None else known
    envelope = [
        address
        for address in map(
            mail_parsing.address_normalise, re.split(r"[,\s]+", inbound.envelope_recipient)
        )
        if address
    ]
    return brands_for_addresses(envelope, known) or brands_for_addresses(parsed.recipients, known)


def _synthetic_message_id(sha256: str) -> str:
    # Mail without a Message-ID is deduplicated by its bytes, through the same constraint.
    return f"<{sha256}@no-message-id.invalid>"


def _deliver(
    inbound: InboundEmail, parsed: ParsedMail, brand: Brand, sender: str, *, own_address: bool
) -> str:
    message_id = parsed.message_id or _synthetic_message_id(inbound.sha256)
    facts = _thread_facts(brand, [message_id, *parsed.references, parsed.in_reply_to], sender)
    if (Message.Kind.INBOUND, message_id) in {(kind, mid) for _, kind, mid, _ in facts.known}:
        return DUPLICATE
    return _file(inbound, parsed, brand, message_id, sender, own_address, facts)


def _file(
    inbound: InboundEmail,
    parsed: ParsedMail,
    brand: Brand,
    message_id: str,
    customer: str,
    own_address: bool,
    facts: "ThreadFacts",
) -> str:
    received_at = inbound.received_at
    if parsed.bounced_message_id and delivery_event_record(
        message_id=parsed.bounced_message_id,
        event_type="bounced",
        description=parsed.bounce_detail or "Delivery failure report received by mail.",
        brand=brand,
    ):
        return BOUNCE
    automatic = parsed.automatic or ("From our own address" if own_address else "")
    fields = {
        "message_id": message_id,
        "in_reply_to": parsed.in_reply_to,
        "references": " ".join(parsed.references),
        "body_html": parsed.html,
        "inbound_email": inbound,
    }
    ticket = ticket_thread(brand, parsed, customer, known=facts.known)
    linked = None
    if ticket is not None and automatic:
        # An out-of-office or a list copy on the thread is shown, but it is not the customer
        # answering: it moves no clock and reopens nothing.
        message = Message.objects.create(
            ticket=ticket,
            brand=brand,
            kind=Message.Kind.INBOUND,
            sender_email=customer,
            sender_name=parsed.from_name,
            body_text=parsed.text,
            new_text=parsed.new_text,
            created_at=received_at,
            **fields,
        )
        _save_attachments(message, parsed)
        return REPLIED
    if ticket is not None and not ticket_accepts_reply(ticket, received_at):
        linked, ticket = ticket, None
    if ticket is not None:
        message = ticket_customer_reply(
            ticket,
            locked=True,
            body=parsed.text,
            new_text=parsed.new_text,
            received_at=received_at,
            message_fields={**fields, "sender_email": customer, "sender_name": parsed.from_name},
        )
        _save_attachments(message, parsed)
        ticket_escalate_if_asked(message)
        return REPLIED
    first_words = f"{parsed.subject}\n{parsed.new_text}"
    ticket = ticket_create(
        brand,
        customer_email=customer,
        customer_name=parsed.from_name,
        subject=mail_parsing.text_fit(parsed.subject, TICKET_SUBJECT_MAX_CHARS) or "(no subject)",
        body=parsed.text,
        is_urgent=is_urgent(brand, first_words),
        language=request_language(brand, first_words),
        received_at=received_at,
        incomplete_ok=True,
        linked_ticket=linked,
        message_fields={**fields, "new_text": parsed.new_text},
        acknowledge=not automatic
        and facts.acknowledgements_last_hour < brand.acknowledgements_per_hour,
    )
    if parsed.attachments:
        _save_attachments(ticket.first_message, parsed)
    return CREATED


class ThreadFacts(NamedTuple):
    """What filing a message needs to know about its brand's mail, read in one query."""

    # (ticket id, kind, Message-ID, ESP's ID) of the brand's messages known by the ids asked.
    known: list[tuple]
    # Acknowledgements sent to the sender in the last hour: at most the brand's number an
    # hour, so a robot that slips past the auto-reply checks gets a few, not a loop.
    acknowledgements_last_hour: int


def _thread_facts(brand: Brand, ids: Sequence[str], sender: str) -> ThreadFacts:
    """The brand's messages known by any of `ids`, and the sender's recent acknowledgements.

    Asked for every message, so one query written in SQL: the ORM took longer to build these
    than the database takes to answer them, and each round trip costs as much again.

    The brand is never a condition an index could serve: without fresh statistics (a new
    database, or autovacuum behind) PostgreSQL may pick the brand's index, and read every
    message or mail of the brand for each message received. Only the Message-IDs and the
    sender's address are looked up; the few rows they find are filtered by brand here or in
    the count's FILTER.
    """
    candidates = sorted(message_id_candidates([value for value in ids if value]))
    listed = ", ".join(["%s"] * len(candidates))
    # No ids, no message: (not IN (''), which every message without an ID would match).
    matches = f"message_id IN ({listed}) OR esp_message_id IN ({listed})" if candidates else "1 = 0"
    since = connection.ops.adapt_datetimefield_value(timezone.now() - timedelta(hours=1))
    with connection.cursor() as cursor:
        # The count is one row; the messages, any number, are joined to it (none: NULLs).
        cursor.execute(
            "SELECT acks.sent, known.brand_id, known.ticket_id, known.kind, known.message_id, "
            "known.esp_message_id FROM ("
            "SELECT COUNT(*) FILTER (WHERE t.brand_id = %s) AS sent "
            f"FROM {Ticket._meta.db_table} t JOIN {OutboundEmail._meta.db_table} o "
            "ON o.ticket_id = t.id "
            "WHERE t.customer_email = %s AND o.kind = %s AND o.created_at >= %s) acks "
            "LEFT JOIN ("
            "SELECT brand_id, ticket_id, kind, message_id, esp_message_id "
            f"FROM {Message._meta.db_table} WHERE kind <> %s AND ({matches})"
            ") known ON 1 = 1",
            [
                brand.pk,
                sender.strip().lower(),
                OutboundEmail.Kind.ACKNOWLEDGEMENT,
                since,
                Message.Kind.NOTE,
                *candidates,
                *candidates,
            ],
        )
        rows = cursor.fetchall()
    known = [tuple(row[2:]) for row in rows if row[1] == brand.pk]
    return ThreadFacts(known=known, acknowledgements_last_hour=rows[0][0])


def ticket_thread(
    brand: Brand, parsed: ParsedMail, sender: str, *, known: list[tuple] | None = None
) -> Ticket | None:
    """The ticket a message continues, if any.

    Precedence: the In-Reply-To/References headers against the Message-IDs of every message on
    the brand's tickets (ours, theirs, and the IDs an ESP substituted for ours), newest
    reference first; then the brand's reference in the subject ("[KS-000123]"), but only from
    the ticket's own customer, since anyone can type a reference; else none (a new ticket).
    `known` is what `_thread_facts` found for these headers, when already looked up.

    The ticket found is locked for the rest of the transaction: the message is about to be
    added to it, and read under the lock its status is the one the reply acts on.
    """
    tickets = Ticket.objects.for_update()
    ids = [value for value in [*parsed.references, parsed.in_reply_to] if value]
    if known is None:
        known = _thread_facts(brand, ids, sender).known
    ticket_of = {}
    for ticket_id, _, message_id, esp_message_id in known:
        for value in (message_id, esp_message_id):
            for candidate in message_id_candidates([value]) if value else ():
                ticket_of[candidate] = ticket_id
    for value in reversed(ids):
        for candidate in message_id_candidates([value]):
            if candidate in ticket_of:
                return _with_brand(tickets.get(pk=ticket_of[candidate]), brand)
    pattern = re.compile(rf"\b{re.escape(brand.reference_prefix)}-(\d+)\b")
    for digits in pattern.findall(parsed.subject):
        reference = f"{brand.reference_prefix}-{int(digits):06d}"
        # By the reference alone (unique), not the brand too: see _thread_facts.
        ticket = tickets.filter(reference=reference).first()
        if (
            ticket is not None
            and ticket.brand_id == brand.pk
            and ticket.customer_email == sender.lower()
        ):
            return _with_brand(ticket, brand)
    return None


def _with_brand(ticket: Ticket, brand: Brand) -> Ticket:
    ticket.brand = brand  # the caller's, already loaded
    return ticket


def is_urgent(brand: Brand, text: str) -> bool:
    """Whether the text names one of the brand's urgent situations (its configured phrases, in
    any of the languages the brand file lists them in).

    The text is compared in its composed Unicode form, as the phrases are written: some mail
    clients send "é" as "e" plus an accent, which would otherwise never match "arrivée"."""
    pattern = brand_rules(brand).urgent_pattern
    return bool(pattern and pattern.search(unicodedata.normalize("NFC", text)))


def _save_attachments(message: Message, parsed: ParsedMail) -> None:
    rows = []
    for part in parsed.attachments:
        attachment = Attachment(
            message=message,
            filename=part.filename,
            content_type=part.content_type,
            size=part.size,
            note=part.note,
            content_id=part.content_id,
        )
        if part.content is not None:
            name = get_valid_filename(os.path.basename(part.filename)) or "attachment"
            attachment.file.save(name, ContentFile(part.content), save=False)
            file_saved(attachment.file)
        rows.append(attachment)
    Attachment.objects.bulk_create(rows)


# ---------------------------------------------------------------- retries and routing by hand


def inbound_reprocess(ids: Sequence[int] | None = None) -> list[int]:
    """Put failed (or, by id, unrouted) messages back to be processed; returns their ids.

    Without ids, every failed message is retried.
    """
    retryable = [InboundEmail.Status.FAILED, InboundEmail.Status.UNROUTED]
    rows = InboundEmail.objects.filter(status__in=retryable)
    rows = (
        rows.filter(pk__in=ids)
        if ids is not None
        else rows.filter(status=InboundEmail.Status.FAILED)
    )
    with transaction.atomic():
        chosen = list(rows.values_list("pk", flat=True))
        InboundEmail.objects.filter(pk__in=chosen).update(status=InboundEmail.Status.RECEIVED)
        for inbound_id in chosen:
            enqueue_on_commit("process_inbound_email", inbound_id)
    return chosen


def inbound_assign_brand(inbound: InboundEmail, brand: Brand) -> InboundEmail:
    """Route an unrouted (or failed) message to `brand` by hand and process it again."""
    with transaction.atomic():
        InboundEmail.objects.filter(
            pk=inbound.pk,
            status__in=[InboundEmail.Status.UNROUTED, InboundEmail.Status.FAILED],
        ).update(brand=brand, status=InboundEmail.Status.RECEIVED)
        enqueue_on_commit("process_inbound_email", inbound.pk)
    inbound.refresh_from_db()
    return inbound


def inbound_reply_address_set(inbound: InboundEmail, address: str) -> InboundEmail:
    """File a message that named no usable sender, as if `address` (entered by an agent who
    knows the customer) had sent it: it is processed again like any mail from that address."""
    reply_address = mail_parsing.address_normalise(address)
    if not reply_address:
        raise ApplicationError(
            "The address was refused.", {"reply_address": "Enter a valid email address."}
        )
    with transaction.atomic():
        updated = InboundEmail.objects.filter(
            pk=inbound.pk, status=InboundEmail.Status.NO_SENDER
        ).update(reply_address=reply_address, status=InboundEmail.Status.RECEIVED, error="")
        if not updated:
            raise ApplicationError("This message no longer waits for a reply address.")
        enqueue_on_commit("process_inbound_email", inbound.pk)
    inbound.refresh_from_db()
    return inbound


def inbound_discard(inbound: InboundEmail, actor) -> InboundEmail:
    """Set aside a message that named no usable sender; it stays stored, and says who did it."""
    note = f"Discarded by {actor.get_username()} at {timezone.now():%Y-%m-%d %H:%M} UTC."
    updated = InboundEmail.objects.filter(
        pk=inbound.pk, status=InboundEmail.Status.NO_SENDER
    ).update(status=InboundEmail.Status.DISCARDED, error=Concat(F("error"), Value(f"\n{note}")))
    if not updated:
        raise ApplicationError("This message no longer waits for a reply address.")
    inbound.refresh_from_db()
    return inbound


def inbound_requeue_stuck(now: datetime | None = None) -> int:
    """Re-enqueue messages still waiting after STUCK_WORK_MINUTES (the broker lost the task,
    or was down when they arrived). Returns how many."""
    now = now or timezone.now()
    stale = now - timedelta(minutes=settings.STUCK_WORK_MINUTES)
    ids = list(
        InboundEmail.objects.filter(
            status=InboundEmail.Status.RECEIVED, received_at__lt=stale
        ).values_list("pk", flat=True)[:1000]
    )
    for inbound_id in ids:
        enqueue_on_commit("process_inbound_email", inbound_id)
    return len(ids)


# ---------------------------------------------------------------- delivery events
