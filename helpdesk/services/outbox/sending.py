"""Outgoing mail: every mail is an outbox row first, sent once by a task after commit."""

import functools
import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from email.utils import formataddr, make_msgid
from typing import Any, TypeVar

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from brands.models import Brand
from brands.promises import promise_text
from helpdesk.jobs import enqueue_on_commit
from helpdesk.models import Attachment, Message, OutboundEmail, Ticket
from helpdesk.services.rendering.emails import email_render

logger = logging.getLogger(__name__)

# How many earlier Message-IDs go into References; mail clients need only the chain's ends.
REFERENCES_KEPT = 20
# The database went away (a restart ends every connection): the work is retried, not failed.
DATABASE_GONE = (OperationalError, InterfaceError)
# How long a worker keeps trying to record what it alone knows (it sent a mail, or took one
# off the queue without sending it) before leaving the row to the interrupted-send rule.
RECORD_WAIT_SECONDS = 60
# anymail's event types that show the ESP took the mail (Mailgun's "accepted" is "queued").
ESP_TOOK_EVENTS = frozenset({"queued", "sent", "deferred", "delivered"})

T = TypeVar("T")


def _domain(address: str) -> str:
    return address.rpartition("@")[2] or "localhost"


def thread_headers(ticket: Ticket, ids: Sequence[str] | None = None) -> dict[str, str]:
    """In-Reply-To and References so the customer's mail client threads our mail.
    `ids`: the thread's Message-IDs, oldest first, when the caller has them; else read."""
    if ids is None:
        ids = list(
            ticket.messages.exclude(kind=Message.Kind.NOTE)
            .exclude(message_id="")
            .values_list("message_id", flat=True)
        )
    if not ids:
        return {}
    return {"In-Reply-To": ids[-1], "References": " ".join(ids[-REFERENCES_KEPT:])}


def email_build(
    *,
    brand: Brand,
    kind: str,
    dedupe_key: str,
    to: Sequence[str],
    template: str,
    context: dict[str, Any],
    ticket: Ticket | None = None,
    on_thread: bool = False,
    thread_ids: Sequence[str] | None = None,
    automatic: bool = True,
    language: str = "",
    from_email: str = "",
) -> OutboundEmail:
    """Render a mail into an unsaved outbox row, in `language` (the customer's ticket's).

    Mail on the ticket's thread with the customer (`on_thread`) carries In-Reply-To and
    References (from `thread_ids` when the caller has them). Automatic mail says so
    (Auto-Submitted, RFC 3834) so auto-responders on the other side do not answer it and
    start a loop. `from_email` replaces the brand's address (staff alerts come from the
    staff address).
    """
    from_email = from_email or brand.from_email
    subject, text, html = email_render(brand, template, context, language=language)
    message_id = make_msgid(domain=_domain(from_email))
    headers = {"Message-ID": message_id}
    if on_thread and ticket is not None:
        headers.update(thread_headers(ticket, thread_ids))
    if automatic:
        headers["Auto-Submitted"] = "auto-replied" if on_thread else "auto-generated"
    return OutboundEmail(
        brand=brand,
        ticket=ticket,
        kind=kind,
        dedupe_key=dedupe_key,
        from_email=from_email,
        to=list(to),
        subject=subject,
        body_text=text,
        body_html=html,
        headers=headers,
        message_id=message_id,
        created_at=timezone.now(),
    )


def email_queue(
    *, thread_message: dict | None = None, key_is_new: bool = False, **build_arguments: Any
) -> OutboundEmail:
    """Put a mail in the outbox, once per `dedupe_key`, and send it after the commit.

    Takes the arguments of `email_build`; returns the existing row if the key was used. With
    `thread_message` (fields of a Message, e.g. its author; the body defaults to the mail's
    text) the mail is also kept on the ticket's thread, where the customer's reply to it
    will be threaded by its Message-ID. `key_is_new`: the key names a row made in the
    caller's transaction, so nothing can hold it yet and no savepoint guards the insert.
    """
    outbound = email_build(on_thread=thread_message is not None, **build_arguments)
    if key_is_new:
        _outbox_insert(outbound, thread_message)
        enqueue_on_commit("send_outbound_emails", [outbound.pk])
        return outbound
    try:
        # The unique key decides, also between two workers at once; the savepoint undoes the
        # loser's thread message.
        with transaction.atomic():
            _outbox_insert(outbound, thread_message)
    except IntegrityError:
        existing = OutboundEmail.objects.filter(dedupe_key=outbound.dedupe_key).first()
        if existing is None:
            raise
        return existing
    enqueue_on_commit("send_outbound_emails", [outbound.pk])
    return outbound


def _outbox_insert(outbound: OutboundEmail, thread_message: dict | None) -> None:
    if thread_message is not None:
        brand = outbound.brand
        outbound.ticket_message = Message.objects.create(
            **{
                "ticket": outbound.ticket,
                "brand": brand,
                "kind": Message.Kind.OUTBOUND,
                "sender_email": brand.from_email,
                "sender_name": brand.from_name,
                "body_text": outbound.body_text,
                "message_id": outbound.message_id,
                "in_reply_to": outbound.headers.get("In-Reply-To", ""),
                "references": outbound.headers.get("References", ""),
                "delivery_status": Message.Delivery.QUEUED,
                "created_at": outbound.created_at,
                **thread_message,
            }
        )
    outbound.save()


def emails_queue_many(rows: Sequence[OutboundEmail]) -> list[int]:
    """Store many built mails in two queries (rows whose key exists are skipped) and send
    them with one task after the commit. For mail without a thread message (staff alerts)."""
    if not rows:
        return []
    OutboundEmail.objects.bulk_create(rows, ignore_conflicts=True)
    ids = list(
        OutboundEmail.objects.filter(
            dedupe_key__in=[row.dedupe_key for row in rows], status=OutboundEmail.Status.QUEUED
        ).values_list("pk", flat=True)
    )
    enqueue_on_commit("send_outbound_emails", ids)
    return ids


def outbound_send(outbound_id: int) -> str:
    """Send one outbox row if it is still queued; returns its status afterwards.

    The row is read, then claimed by a conditional UPDATE (queued -> sending, at the attempt
    count read), so two workers or a replayed task cannot both send it. The claim is the last
    statement before the ESP call: a database that goes away after it cannot stop the send.
    What happened is then recorded, retried until the database answers (see
    `RECORD_WAIT_SECONDS`): sent; or back in the queue when the ESP refused it, where the
    requeue retries it with a growing delay until OUTBOUND_MAX_ATTEMPTS. A row left
    "sending" all the same (the worker was killed) is settled by `outbox_requeue_stuck`.
    """
    outbound = OutboundEmail.objects.select_related("brand").filter(pk=outbound_id).first()
    if outbound is None or outbound.status != OutboundEmail.Status.QUEUED:
        return outbound.status if outbound else "missing"
    mail = _mail(outbound)
    read_attempts = outbound.attempts
    outbound.attempts += 1
    outbound.last_attempt_at = timezone.now()
    try:
        claimed = OutboundEmail.objects.filter(
            pk=outbound.pk, status=OutboundEmail.Status.QUEUED, attempts=read_attempts
        ).update(
            status=OutboundEmail.Status.SENDING,
            attempts=outbound.attempts,
            last_attempt_at=outbound.last_attempt_at,
        )
    except DATABASE_GONE as error:
        # The claim may have committed before the connection broke: undo it, or the row
        # would wait for the interrupted-send rule although it never reached the ESP. The
        # error goes on to the task, which runs again.
        _until_database_answers(functools.partial(_claim_undo, outbound, error))
        raise
    if not claimed:
        return OutboundEmail.Status.SENDING  # another worker has it
    try:
        mail.send()
    except Exception as error:  # any ESP or network failure: keep the row, retry later
        return _until_database_answers(functools.partial(_send_failed, outbound, error))
    status = getattr(mail, "anymail_status", None)
    # Some ESPs (Amazon SES) replace our Message-ID; replies will quote theirs.
    outbound.esp_message_id = (status.message_id if status else "") or ""
    _until_database_answers(functools.partial(_sent, outbound))
    return OutboundEmail.Status.SENT


def _sender(outbound: OutboundEmail) -> str:
    """The brand's name goes only with the brand's own address (staff mail has another)."""
    if outbound.from_email != outbound.brand.from_email:
        return outbound.from_email
    return formataddr((outbound.brand.from_name, outbound.from_email))


def _mail(outbound: OutboundEmail) -> EmailMultiAlternatives:
    mail = EmailMultiAlternatives(
        subject=outbound.subject,
        body=outbound.body_text,
        from_email=_sender(outbound),
        to=outbound.to,
        headers=outbound.headers,
    )
    if outbound.body_html:
        mail.attach_alternative(outbound.body_html, "text/html")
    if outbound.ticket_message_id is not None:
        # An agent's reply carries the files they attached (kept with its thread message).
        for attachment in Attachment.objects.filter(message=outbound.ticket_message_id):
            if attachment.file:
                with attachment.file.open("rb") as handle:
                    mail.attach(
                        attachment.filename,
                        handle.read(),
                        attachment.content_type or "application/octet-stream",
                    )
    return mail


def _until_database_answers(record: Callable[[], T]) -> T:
    """Run `record` (one transaction) until the database answers, for up to
    RECORD_WAIT_SECONDS. A restart breaks the connection; each try opens a new one."""
    deadline = time.monotonic() + RECORD_WAIT_SECONDS
    pause = 0.1
    while True:
        try:
            return record()
        except DATABASE_GONE:
            # Inside a caller's transaction there is nothing to retry: its work is gone too.
            if connection.in_atomic_block or time.monotonic() + pause > deadline:
                raise
            logger.warning("Database unavailable; trying again in %.1f s", pause)
            connection.close()
            time.sleep(pause)
            pause = min(pause * 2, 5.0)


def _claim(outbound: OutboundEmail) -> QuerySet[OutboundEmail]:
    """This worker's claim on the row: no one else's, and not since settled by an event."""
    return OutboundEmail.objects.filter(
        pk=outbound.pk,
        status=OutboundEmail.Status.SENDING,
        attempts=outbound.attempts,
        last_attempt_at=outbound.last_attempt_at,
    )


def _claim_undo(outbound: OutboundEmail, error: Exception) -> None:
    # The database's fault, not the mail's: the attempt does not count towards giving up.
    _claim(outbound).update(
        status=OutboundEmail.Status.QUEUED,
        attempts=F("attempts") - 1,
        last_error=f"Not sent, the database was unavailable: {type(error).__name__}: {error}",
    )
    logger.warning("Outbound %s back in the queue: database unavailable", outbound.pk)


def _send_failed(outbound: OutboundEmail, error: Exception) -> str:
    give_up = outbound.attempts >= settings.OUTBOUND_MAX_ATTEMPTS
    status = OutboundEmail.Status.FAILED if give_up else OutboundEmail.Status.QUEUED
    last_error = f"{type(error).__name__}: {error}"
    with transaction.atomic():
        if _claim(outbound).update(status=status, last_error=last_error) and give_up:
            _mirror_delivery(outbound, Message.Delivery.FAILED, last_error)
    logger.warning("Sending outbound %s failed: %s", outbound.pk, last_error)
    return status


def _sent(outbound: OutboundEmail) -> None:
    """The outbox row and its thread message change together: the thread never says
    "queued" for mail that went out."""
    with transaction.atomic():
        recorded = _claim(outbound).update(
            status=OutboundEmail.Status.SENT,
            sent_at=timezone.now(),
            esp_message_id=outbound.esp_message_id,
        )
        if not recorded:  # a delivery event settled the row first; keep what it says
            OutboundEmail.objects.filter(pk=outbound.pk).update(
                esp_message_id=outbound.esp_message_id
            )
        _mirror_delivery(outbound, Message.Delivery.SENT, "")


def outbound_send_many(outbound_ids: Sequence[int]) -> int:
    """Send each row; returns how many went out."""
    return sum(outbound_send(pk) == OutboundEmail.Status.SENT for pk in outbound_ids)


def _mirror_delivery(outbound: OutboundEmail, status: str, detail: str) -> None:
    """Show the send result on the thread message, unless a delivery event got there first
    (the ESP's "delivered" or "bounced" can arrive before our own bookkeeping)."""
    if outbound.ticket_message_id is None:
        return
    Message.objects.filter(
        pk=outbound.ticket_message_id,
        delivery_status__in=[Message.Delivery.NONE, Message.Delivery.QUEUED],
    ).update(delivery_status=status, delivery_detail=detail)
    Message.objects.filter(pk=outbound.ticket_message_id).update(
        esp_message_id=outbound.esp_message_id
    )


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(minutes=min(2**attempts, 60))


def outbox_requeue_stuck(now: datetime | None = None) -> int:
    """Re-enqueue queued mail the broker lost or the ESP refused (after a growing delay), and
    settle interrupted sends (`outbound_interrupted_settle`). Returns how many were
    re-enqueued."""
    now = now or timezone.now()
    interrupted = OutboundEmail.objects.filter(
        status=OutboundEmail.Status.SENDING,
        last_attempt_at__lt=now - timedelta(minutes=settings.OUTBOUND_EVIDENCE_MINUTES),
    ).select_related("brand")
    for outbound in interrupted[:100]:
        outbound_interrupted_settle(outbound)
    candidates = OutboundEmail.objects.filter(
        status=OutboundEmail.Status.QUEUED,
        created_at__lt=now - timedelta(minutes=settings.STUCK_WORK_MINUTES),
    ).values_list("pk", "attempts", "last_attempt_at")[:1000]
    ids = [
        pk
        for pk, attempts, last_attempt in candidates
        if last_attempt is None or last_attempt + _retry_delay(attempts) <= now
    ]
    if ids:
        enqueue_on_commit("send_outbound_emails", ids)
    return len(ids)


def outbound_interrupted_settle(outbound: OutboundEmail) -> None:
    """A send still "sending" OUTBOUND_EVIDENCE_MINUTES after it began was interrupted (the
    worker was killed, or the database was gone when its result was to be recorded) and no
    delivery event has settled it since (`outbound_confirm`). Without that evidence it is
    queued again with the same Message-ID: a rare duplicate is one message in the customer's
    mail client, while a lost acknowledgement or reply breaks the brand's promise. The
    ticket gets a note saying so; after OUTBOUND_MAX_ATTEMPTS it fails for an agent instead.
    """
    give_up = outbound.attempts >= settings.OUTBOUND_MAX_ATTEMPTS
    started = promise_text(outbound.last_attempt_at, outbound.brand.time_zone)
    what = f'Sending our mail "{outbound.subject}" to {", ".join(outbound.to)} was interrupted'
    if give_up:
        error = f"Interrupted while sending, {outbound.attempts} times; retry it by hand."
        note = (
            f"{what} ({started}), {outbound.attempts} times, so it is not sent again by "
            "itself. Check it in the outgoing mail list and retry it there."
        )
    else:
        error = "Interrupted while sending, with no delivery event from the ESP; sent again."
        note = (
            f"{what} ({started}) and the mail service reported nothing about it within "
            f"{settings.OUTBOUND_EVIDENCE_MINUTES} minutes, so it is sent again with the same "
            "Message-ID. If the first attempt did arrive, the customer may get it twice; "
            "their mail client shows it as the same message."
        )
    status = OutboundEmail.Status.FAILED if give_up else OutboundEmail.Status.QUEUED
    with transaction.atomic():
        if not _claim(outbound).update(status=status, last_error=error):
            return  # a delivery event settled it meanwhile
        if give_up:
            _mirror_delivery(outbound, Message.Delivery.FAILED, error)
        if outbound.ticket_id is not None:
            Message.objects.create(
                ticket_id=outbound.ticket_id,
                brand_id=outbound.brand_id,
                kind=Message.Kind.NOTE,
                body_text=note,
                created_at=timezone.now(),
            )
    logger.warning("Outbound %s: %s", outbound.pk, error)


def outbound_confirm(outbound_id: int) -> bool:
    """The ESP reported the mail (one of ESP_TOOK_EVENTS): it went out. Settles a send whose
    result was never recorded, and a queued retry of it, so neither is sent again.
    Call it in the transaction that records the event on the thread message."""
    return bool(
        OutboundEmail.objects.filter(
            pk=outbound_id,
            status__in=[OutboundEmail.Status.QUEUED, OutboundEmail.Status.SENDING],
        ).update(status=OutboundEmail.Status.SENT, sent_at=timezone.now(), last_error="")
    )


def outbox_retry(outbound_ids: Sequence[int]) -> int:
    """Put failed mail back in the queue (an agent's decision after checking it)."""
    count = OutboundEmail.objects.filter(
        pk__in=outbound_ids, status=OutboundEmail.Status.FAILED
    ).update(status=OutboundEmail.Status.QUEUED, last_error="")
    enqueue_on_commit("send_outbound_emails", list(outbound_ids))
    return count
