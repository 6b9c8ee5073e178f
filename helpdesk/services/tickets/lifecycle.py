"""Tickets: creation, the customer's and the agents' messages, status, assignment, escalation.

Every change to a ticket that moves a clock goes through here, so the clocks cannot drift from
what happened on the ticket.
"""

import re
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from brands.models import Brand, Category
from brands.selectors import brand_staff
from brands.services import brand_rules
from helpdesk.errors import ApplicationError
from helpdesk.models import HeldReplyFile, Message, OutboundEmail, SlaClock, Ticket, TicketEvent
from helpdesk.selectors.staff import staff_signature
from helpdesk.services.audit import CUSTOMER, SYSTEM, Actor, ticket_event_record
from helpdesk.services.notices.customer import (
    customer_escalation_notice,
    customer_pending_notice_drop,
    customer_status_notice,
    ticket_acknowledge,
)
from helpdesk.services.notices.staff import (
    alert_assigned,
    alert_customer_replied,
    alert_mentions,
)
from helpdesk.services.outbox.sending import email_queue
from helpdesk.services.sla import clocks
from helpdesk.services.sla.tiers import next_tier, ticket_move_to_tier
from helpdesk.services.stored_files import (
    attachments_save,
    files_removed_on_error,
    held_files_attach,
)
from helpdesk.services.tickets.order_numbers import (
    order_number_missing,
    order_numbers_change_record,
    order_numbers_find,
    order_numbers_merge,
    order_numbers_text,
    ticket_completeness_apply,
    ticket_order_numbers_add_found,
)
from helpdesk.services.tickets.routing import assignee_gone, auto_assignee, unowned_ticket_ids

REFERENCE_DIGITS = 6
# A resolution's reason goes to the customer in a mail: a sentence or two, never a file.
RESOLVE_REASON_MAX_CHARS = 1000


def ticket_reference(brand: Brand, number: int) -> str:
    return f"{brand.reference_prefix}-{number:0{REFERENCE_DIGITS}d}"


def _next_ticket_number(brand: Brand) -> int:
    """The brand's next ticket number, unique under concurrent creation.

    On PostgreSQL from the sequence made with the brand (no lock held, no DDL here). Where
    there is none (SQLite, whose writers are serialised anyway, or a sequence lost on
    PostgreSQL until `migrate` restores it) the brand row's counter is advanced past every
    number already used, in one statement. The unique constraint on (brand, number) backs
    both.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # A missing sequence gives NULL rather than an error, so the caller's transaction
            # goes on without a savepoint (the name is resolved when run, not when parsed).
            name = brand.ticket_number_sequence
            cursor.execute(
                "SELECT CASE WHEN to_regclass(%s) IS NOT NULL THEN nextval(%s::text::regclass) END",
                [name, name],
            )
            number = cursor.fetchone()[0]
        if number is not None:
            return number
    greatest = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Brand._meta.db_table} SET ticket_sequence = {greatest}(ticket_sequence, "
            f"(SELECT COALESCE(MAX(number), 0) FROM {Ticket._meta.db_table} WHERE brand_id = %s)"
            ") + 1 WHERE id = %s RETURNING ticket_sequence",
            [brand.pk, brand.pk],
        )
        return cursor.fetchone()[0]


def _validate_new_ticket(
    brand: Brand,
    *,
    customer_email: str,
    subject: str,
    category: Category | None,
    order_number: str,
    incomplete_ok: bool,
) -> None:
    errors = {}
    if not customer_email.strip():
        errors["customer_email"] = "The customer's email address is required."
    if not subject.strip():
        errors["subject"] = "A subject is required."
    errors.update(category_errors(brand, category, order_number, incomplete_ok=incomplete_ok))
    if errors:
        raise ApplicationError("The ticket could not be created.", errors)


def category_errors(
    brand: Brand, category: Category | None, order_number: str, *, incomplete_ok: bool = True
) -> dict[str, str]:
    """Field errors for a category of another brand, or (where the customer fills in the
    request themselves, `incomplete_ok=False`) one needing a missing order number. An
    agent's choice of such a category stands: the ticket is incomplete and the customer
    asked for the number (`ticket_completeness_apply`)."""
    if category is not None and category.brand_id != brand.pk:
        return {"category": "This category does not belong to the brand."}
    if not incomplete_ok and order_number_missing(category, order_number):
        return {"order_number": f"An order number is required for {category.name}."}
    return {}


def ticket_details_save(ticket: Ticket, fields: list[str], *, actor: Actor = SYSTEM) -> Ticket:
    """Save an agent's edit of a ticket's plain details (subject, category, order number...).

    A category that needs an order number the ticket lacks makes it incomplete, and the
    customer is asked for the number; once the number is there, it no longer is.
    """
    errors = category_errors(ticket.brand, ticket.category, ticket.order_number)
    if errors:
        raise ApplicationError("The ticket's details were refused.", errors)
    ticket.order_number = ticket.order_number.strip()
    with transaction.atomic():
        before = Ticket.objects.select_related("category").get(pk=ticket.pk)
        completeness = ticket_completeness_apply(ticket)
        ticket.save(update_fields=[*fields, "order_number", *completeness, "updated_at"])
        ticket_changes_record(before, ticket, actor=actor)
    return ticket


def _urgency(ticket: Ticket) -> str:
    return "urgent" if ticket.is_urgent else "normal"


def ticket_changes_record(before: Ticket, after: Ticket, *, actor: Actor = SYSTEM) -> None:
    """Record the audited fields (category, urgency, order numbers) that differ between two
    states of a ticket: for services that save several fields at once, such as an agent's
    edit."""
    if before.category_id != after.category_id:
        ticket_event_record(
            after.pk,
            TicketEvent.Kind.CATEGORY,
            actor=actor,
            before=before.category,
            after=after.category,
        )
    if before.is_urgent != after.is_urgent:
        ticket_event_record(
            after.pk,
            TicketEvent.Kind.URGENCY,
            actor=actor,
            before=_urgency(before),
            after=_urgency(after),
        )
    order_numbers_change_record(order_numbers_text(before), after, actor=actor)


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
    incomplete_ok: bool = False,
    linked_ticket: Ticket | None = None,
    message_fields: dict | None = None,
    acknowledge: bool = False,
) -> Ticket:
    """Open a ticket with the customer's first message and its clocks.

    `incomplete_ok` is for mail, where nobody can be asked to fill a form field: a missing
    order number marks the ticket incomplete instead of refusing it. `message_fields` are
    extra fields of the first Message (Message-ID, HTML, the inbound email it came from).
    The ticket comes back with `first_response_due_at`, the due time just promised (as the
    selectors annotate it), and `first_message`, the customer's message just stored.
    `acknowledge` queues the acknowledgement in the same transaction.
    """
    # The numbers the customer wrote count as given: a request that names its order in the
    # text needs no separate field, and the first is the ticket's order number.
    order_numbers = order_numbers_merge(
        [order_number], order_numbers_find(brand, f"{subject}\n{body}")
    )
    order_number = order_numbers[0] if order_numbers else ""
    _validate_new_ticket(
        brand,
        customer_email=customer_email,
        subject=subject,
        category=category,
        order_number=order_number,
        incomplete_ok=incomplete_ok,
    )
    received_at = received_at or timezone.now()
    terms = clocks.first_response_terms(
        brand, received_at=received_at, is_urgent=is_urgent, language=language, category=category
    )
    # Within a caller's transaction, no savepoint of its own: a failure undoes the caller's
    # work too, and nobody carries on after half a ticket.
    with transaction.atomic(savepoint=False):
        number = _next_ticket_number(brand)
        ticket = Ticket.objects.create(
            brand=brand,
            number=number,
            reference=ticket_reference(brand, number),
            subject=subject.strip()[:255],
            customer_email=customer_email.strip().lower(),
            customer_name=customer_name.strip(),
            category=category,
            is_urgent=terms.is_urgent,
            language=language,
            needs_translation=clocks.language_is_foreign(brand, language),
            order_number=order_number.strip(),
            order_numbers=order_numbers,
            is_incomplete=order_number_missing(category, order_number),
            linked_ticket=linked_ticket,
            policy_version_id=brand_rules(brand).policy_version_id,
            received_at=received_at,
        )
        first = Message.objects.create(
            ticket=ticket,
            brand=brand,
            kind=Message.Kind.INBOUND,
            sender_email=ticket.customer_email,
            sender_name=ticket.customer_name,
            body_text=body,
            created_at=received_at,
            **(message_fields or {}),
        )
        ticket.first_message = first
        ticket.first_response_due_at = clocks.clock_start(ticket, terms).latest_at
        if category is not None and category.is_complaint:
            clocks.clock_restart(
                ticket, clocks.complaint_proposal_terms(brand, start=received_at, language=language)
            )
        assignee = auto_assignee(brand, ticket.tier)
        if assignee is not None:
            ticket_assign(ticket, assignee)
        if acknowledge:
            ticket_acknowledge(
                ticket,
                reply_by=ticket.first_response_due_at,
                thread_ids=[first.message_id] if first.message_id else [],
                just_created=True,
            )
    return ticket


def ticket_customer_reply(
    ticket: Ticket,
    *,
    body: str,
    received_at: datetime | None = None,
    new_text: str = "",
    message_fields: dict | None = None,
    locked: bool = False,
) -> Message:
    """Add the customer's reply: resumes paused clocks, reopens a resolved ticket, starts the
    next-reply clock when we had answered, and escalates when the customer asks for a senior
    review. `message_fields` may name the actual sender (`sender_email`, `sender_name`) when
    it is not the ticket's customer. `locked`: the caller read the ticket under its row lock
    in this transaction; otherwise it is read again under the lock here."""
    received_at = received_at or timezone.now()
    with transaction.atomic(savepoint=False):
        if not locked:
            ticket = Ticket.objects.locked(ticket.pk)
        message = Message.objects.create(
            ticket=ticket,
            brand=ticket.brand,
            kind=Message.Kind.INBOUND,
            body_text=body,
            new_text=new_text,
            created_at=received_at,
            # The customer, unless the channel knows better (a colleague of theirs in Cc).
            **{
                "sender_email": ticket.customer_email,
                "sender_name": ticket.customer_name,
                **(message_fields or {}),
            },
        )
        # Perhaps the order number we asked for; matched on the new text, not the quote.
        ticket_order_numbers_add_found(ticket, new_text or body)
        was_waiting = ticket.status == Ticket.Status.WAITING
        if was_waiting:
            # The customer's own doing: nothing to tell them.
            ticket_set_status(
                ticket, Ticket.Status.OPEN, at=received_at, notify=False, actor=CUSTOMER
            )
        elif ticket.status in Ticket.FINISHED_STATES:
            _reopen(ticket, received_at)
        # Every message is answered within the reply targets, not only the first.
        clocks.next_reply_start(ticket, received_at, was_waiting=was_waiting)
        alert_customer_replied(ticket, message)
    return message


def ticket_accepts_reply(ticket: Ticket, at: datetime) -> bool:
    """Whether a customer's reply at `at` continues this ticket, whatever the channel: a
    closed ticket never does, a resolved one within the brand's reopen window only; otherwise
    the customer's message opens a new ticket (linked to this one, for mail)."""
    if ticket.status == Ticket.Status.CLOSED:
        return False
    if ticket.status == Ticket.Status.RESOLVED and ticket.resolved_at is not None:
        return at - ticket.resolved_at <= timedelta(days=ticket.brand.reopen_window_days)
    return True


def _reopen(ticket: Ticket, at: datetime) -> None:
    """A reply to a resolved ticket needs an answer like a new request does."""
    previous = ticket.status
    ticket.status = Ticket.Status.OPEN
    ticket.resolved_at = None
    ticket.save(update_fields=["status", "resolved_at", "updated_at"])
    ticket_event_record(
        ticket.pk,
        TicketEvent.Kind.STATUS,
        actor=CUSTOMER,
        before=previous,
        after=ticket.status,
        detail="reopened by the customer's reply",
        at=at,
    )
    clocks.clock_restart(
        ticket,
        clocks.first_response_terms(
            ticket.brand, received_at=at, is_urgent=ticket.is_urgent, language=ticket.language
        ),
    )
    # Back with an owner who has left the brand, or with none: the brand's rule hands it on.
    ticket_auto_assign(ticket)


def reply_conflicts(ticket: Ticket, last_seen_message: int) -> list[Message]:
    """What the agent has not seen: the customer's messages and agents' replies on the ticket
    after message `last_seen_message` (notes and automatic notices change nothing to say)."""
    return list(
        ticket.messages.filter(pk__gt=last_seen_message)
        .filter(Q(kind=Message.Kind.INBOUND) | Q(kind=Message.Kind.OUTBOUND, author__isnull=False))
        .select_related("author")
        .order_by("created_at", "id")
    )


def _conflict_error(ticket: Ticket, unseen: list[Message]) -> ApplicationError:
    zone = ZoneInfo(ticket.brand.time_zone)
    said = [
        (
            "the customer wrote"
            if message.kind == Message.Kind.INBOUND
            else f"{message.author.get_full_name() or message.author.get_username()} replied"
        )
        + f" at {message.created_at.astimezone(zone):%H:%M %Z}"
        for message in unseen
    ]
    return ApplicationError(
        "The ticket changed since you opened it: nothing was sent.",
        {
            "last_seen_message": "Since you opened the ticket "
            + "; ".join(said)
            + ". Read it, then send your reply again or edit it."
        },
    )


def reply_held_back(error: ApplicationError) -> bool:
    """Whether `ticket_reply` refused for the collision guard (the ticket changed since the
    agent's view), so the reply may be sent again as it is once they have read what changed."""
    return "last_seen_message" in error.fields


def signature_append(body: str, signature: str) -> str:
    """The reply with the agent's signature below it, set off as mail clients expect."""
    signature = signature.strip()
    return f"{body.rstrip()}\n\n-- \n{signature}" if signature else body


def reply_attachments_errors(
    attachments: Sequence[UploadedFile], *, held: int = 0
) -> dict[str, str]:
    """The limits a mail's attachments have on the way in, for a reply's on the way out;
    `held` more files (kept from a try the collision guard held back) count with them."""
    limit, most = settings.ATTACHMENT_MAX_BYTES, settings.API_ATTACHMENTS_MAX
    if len(attachments) + held > most:
        return {"attachments": f"At most {most} files per reply."}
    for upload in attachments:
        if (upload.size or 0) > limit:
            return {
                "attachments": f"{upload.name} is larger than {filesizeformat(limit)}: "
                "share it another way."
            }
    return {}


def ticket_reply(
    ticket: Ticket,
    *,
    author: AbstractBaseUser,
    body: str,
    status: str = Ticket.Status.OPEN,
    proposes_resolution: bool = False,
    at: datetime | None = None,
    last_seen_message: int | None = None,
    attachments: Sequence[UploadedFile] = (),
    held_files: Sequence[HeldReplyFile] = (),
) -> Message:
    """An agent's reply to the customer, sent by mail, then the ticket moves to `status`.

    It answers the first-response, next-reply and tier windows, restarts the periodic-update
    clock, and, on a complaint, `proposes_resolution` answers the resolution-proposal promise.
    The agent's signature for the brand is appended; `attachments` go with the mail, and so
    do `held_files`, the agent's files kept from a try the guard held back (`composer`).

    `last_seen_message` is the newest message the agent's view showed (an optimistic version
    check): if the customer wrote or another reply went out since, nothing is sent and the
    ApplicationError says what changed, so a customer never gets two answers crossing. It is
    checked under the ticket's lock, which every reply and customer message takes.
    """
    if not body.strip():
        raise ApplicationError("The reply is empty.", {"body": "Write a reply."})
    if status not in (Ticket.Status.OPEN, Ticket.Status.WAITING, Ticket.Status.RESOLVED):
        raise ApplicationError("Unknown status.", {"status": "Open, waiting or resolved."})
    errors = reply_attachments_errors(attachments, held=len(held_files))
    if errors:
        raise ApplicationError("The attachments were refused.", errors)
    at = at or timezone.now()
    with files_removed_on_error(), transaction.atomic():
        ticket = Ticket.objects.locked(ticket.pk)
        if last_seen_message is not None:
            unseen = reply_conflicts(ticket, last_seen_message)
            if unseen:
                raise _conflict_error(ticket, unseen)
        signature = staff_signature(author, ticket.brand)
        body = signature_append(body, signature)
        message = email_queue(
            brand=ticket.brand,
            kind=OutboundEmail.Kind.REPLY,
            dedupe_key=f"reply:{uuid.uuid4()}",
            to=[ticket.customer_email],
            template="reply",
            language=ticket.language,
            context={
                "ticket": ticket,
                "body": body,
                "author": author,
                # The agent's own signature signs the reply: the template's sign-off would
                # sign it a second time.
                "signed": bool(signature.strip()),
                # The reply that resolves asks for a rating on the status page.
                "resolves": status == Ticket.Status.RESOLVED,
            },
            ticket=ticket,
            thread_message={
                "author": author,
                "body_text": body,
                "created_at": at,
                "proposes_resolution": proposes_resolution,
            },
            automatic=False,
        ).ticket_message
        if attachments:
            attachments_save(message, attachments)
        if held_files:
            held_files_attach(message, held_files)
        customer_pending_notice_drop(ticket)
        answered = [*clocks.ANSWER_OWED, SlaClock.Kind.TIER_RESPONSE]
        if proposes_resolution:
            answered.append(SlaClock.Kind.COMPLAINT_PROPOSAL)
        for clock in clocks.live_clocks(ticket).filter(kind__in=answered):
            clocks.clock_stop(clock, at, actor=author)
        if ticket.first_responded_at is None:
            ticket.first_responded_at = at
        if ticket.status == Ticket.Status.NEW:
            ticket.status = Ticket.Status.OPEN
            ticket_event_record(
                ticket.pk,
                TicketEvent.Kind.STATUS,
                actor=author,
                before=Ticket.Status.NEW,
                after=ticket.status,
                at=at,
            )
        ticket.save(update_fields=["first_responded_at", "status", "updated_at"])
        clocks.clock_restart(ticket, clocks.periodic_update_terms(ticket.brand, start=at))
        ticket_set_status(ticket, status, at=at, notify=False, actor=author)
    return message


# "@kim" or "@kim.lee" in a note: a username as Django allows it, not an address's domain.
MENTION = re.compile(r"(?<![\w@.+-])@([\w.@+-]*[\w+-])")


def note_mentions(brand_id: int, body: str) -> list[AbstractBaseUser]:
    """The brand's staff a note names with @username (case-insensitive); other names,
    whoever they are, are plain text."""
    names = {name.lower() for name in MENTION.findall(body)}
    if not names:
        return []
    return [person for person in brand_staff([brand_id]) if person.get_username().lower() in names]


def ticket_add_note(ticket: Ticket, *, author: AbstractBaseUser, body: str) -> Message:
    """An internal note: never mailed, never shown to the customer, moves no clock.

    The note comes back with `mentioned`: the brand's staff it names with @username
    (`note_mentions`), who are alerted (`notices.staff.alert_mentions`)."""
    if not body.strip():
        raise ApplicationError("The note is empty.", {"body": "Write a note."})
    note = Message.objects.create(
        ticket=ticket,
        brand_id=ticket.brand_id,
        kind=Message.Kind.NOTE,
        author=author,
        sender_email=author.email,
        body_text=body,
        created_at=timezone.now(),
    )
    note.mentioned = note_mentions(ticket.brand_id, body)
    alert_mentions(ticket, note, note.mentioned)
    return note


def ticket_assign(
    ticket: Ticket,
    assignee: AbstractBaseUser | None,
    *,
    actor: Actor = SYSTEM,
    detail: str = "",
) -> Ticket:
    """Give the ticket to `assignee` (None: nobody), who must be one of its brand's staff.
    The change is recorded with `actor` (and `detail`, why), and the new assignee is alerted
    (unless they took it themselves)."""
    if assignee is not None and not brand_staff([ticket.brand_id]).filter(pk=assignee.pk).exists():
        raise ApplicationError(
            "The assignee does not work for this brand.",
            {"assignee": "Choose an agent of the ticket's brand."},
        )
    with transaction.atomic():
        locked = Ticket.objects.for_update().select_related("assignee").get(pk=ticket.pk)
        previous = locked.assignee.get_username() if locked.assignee else None
        Ticket.objects.filter(pk=ticket.pk).update(assignee=assignee, updated_at=timezone.now())
        ticket.assignee = assignee
        after = assignee.get_username() if assignee is not None else None
        if previous != after:
            ticket_event_record(
                ticket.pk,
                TicketEvent.Kind.ASSIGNEE,
                actor=actor,
                before=previous,
                after=after,
                detail=detail,
            )
            if assignee is not None and assignee != actor:
                alert_assigned(ticket, assignee)
    return ticket


def ticket_auto_assign(ticket: Ticket) -> AbstractBaseUser | None:
    """Give a live ticket nobody can own (no assignee, or one deactivated or no longer of its
    brand) to whom its brand's rule chooses now, as the system, alerting them; returns them.
    With nobody available, a departed assignee is taken off, so the queue shows the ticket
    as unassigned and the beat hands it on later. Nothing happens while the rule is off, nor
    to a ticket someone owns. Call with the ticket locked: its lock before the candidates'
    (`auto_assignee`), as at creation."""
    if ticket.brand.auto_assign == Brand.AutoAssign.OFF or ticket.status in Ticket.FINISHED_STATES:
        return None
    gone = assignee_gone(ticket)
    if ticket.assignee_id is not None and not gone:
        return None
    assignee = auto_assignee(ticket.brand, ticket.tier)
    if assignee is not None or gone:
        reason = "the assignee no longer works for the brand" if gone else "nobody owned it"
        ticket_assign(ticket, assignee, detail=f"automatic assignment: {reason}")
    return assignee


def departed_assignee_tickets_hand_on(user_id: int, brand_id: int | None = None) -> int:
    """Someone can no longer be given tickets (they left `brand_id`'s staff, or, with no brand,
    were deactivated): each of their live tickets there goes to whom its brand's rule chooses,
    else back to unassigned, as the system with the reason, so it shows in colleagues' queues
    instead of sitting with nobody. A ticket whose assignee is still allowed (they came back
    meanwhile) is left, so running this twice is harmless. Returns how many tickets moved."""
    theirs = Ticket.objects.filter(assignee_id=user_id)
    theirs = theirs.exclude(status__in=Ticket.FINISHED_STATES)
    if brand_id is not None:
        theirs = theirs.filter(brand_id=brand_id)
    moved = 0
    for ticket_id in theirs.values_list("pk", flat=True):
        with transaction.atomic():
            ticket = Ticket.objects.locked(ticket_id)
            if ticket.assignee_id != user_id or not assignee_gone(ticket):
                continue
            if ticket_auto_assign(ticket) is None and ticket.assignee_id == user_id:
                # The brand's rule is off: nobody is chosen, the ticket is simply freed.
                ticket_assign(ticket, None, detail="the assignee no longer works for the brand")
            moved += 1
    return moved


def unowned_tickets_assign(limit: int | None = None) -> int:
    """The beat's round of automatic assignment: live unassigned tickets of brands with the
    rule on go to whom the rule chooses, most pressing first (`unowned_ticket_ids`), at most
    `limit` (AUTO_ASSIGN_BATCH_SIZE) a run; the next run goes on. Returns how many went."""
    assigned = 0
    for ticket_id in unowned_ticket_ids(limit or settings.AUTO_ASSIGN_BATCH_SIZE):
        with transaction.atomic():
            # Read again under its lock: an agent may have taken it meanwhile.
            if ticket_auto_assign(Ticket.objects.locked(ticket_id)) is not None:
                assigned += 1
    return assigned


def ticket_set_status(
    ticket: Ticket,
    status: str,
    *,
    at: datetime | None = None,
    notify: bool = True,
    actor: Actor = SYSTEM,
) -> Ticket:
    """Move a ticket to `status`, pausing, resuming or stopping its clocks to match.

    Waiting on the customer pauses every clock; leaving that state resumes them with the time
    that was left; resolving or closing stops them for good. Brands that promise to keep the
    customer informed "at each step" get a notice of the change (`notify`).
    """
    if status not in Ticket.Status.values:
        raise ApplicationError("Unknown status.", {"status": f"{status!r} is not a status."})
    at = at or timezone.now()
    with transaction.atomic():
        ticket = Ticket.objects.locked(ticket.pk)
        previous = ticket.status
        if previous == status:
            return ticket
        for clock in clocks.live_clocks(ticket):
            if status in Ticket.FINISHED_STATES:
                clocks.clock_stop(clock, at, actor=actor)
            elif status == Ticket.Status.WAITING:
                clocks.clock_pause(clock, at, actor=actor)
            elif previous == Ticket.Status.WAITING:
                clocks.clock_resume(clock, at, actor=actor)
        ticket_event_record(
            ticket.pk, TicketEvent.Kind.STATUS, actor=actor, before=previous, after=status, at=at
        )
        ticket.status = status
        update = ["status", "updated_at"]
        if status == Ticket.Status.RESOLVED:
            ticket.resolved_at = at
            update.append("resolved_at")
        elif status == Ticket.Status.CLOSED:
            ticket.closed_at = at
            update.append("closed_at")
        ticket.save(update_fields=update)
        if notify and ticket.brand.policy.notify_customer_on_status_change:
            customer_status_notice(ticket, previous, at=at)
    return ticket


def ticket_resolve(
    ticket: Ticket, *, reason: str = "", at: datetime | None = None, actor: Actor = SYSTEM
) -> Ticket:
    """Resolve a ticket without a reply (an agent's bulk action, the staff API).

    A ticket the customer never had an answer to needs a `reason`; its resolution notice
    gives it, whatever the brand's status notices, since it is the only word they get.
    Otherwise the brand's usual notice goes out (with the reason, when one is given).
    """
    reason = reason.strip()
    if len(reason) > RESOLVE_REASON_MAX_CHARS:
        raise ApplicationError(
            "The reason is too long.",
            {"reason": f"At most {RESOLVE_REASON_MAX_CHARS} characters."},
        )
    if ticket.status == Ticket.Status.RESOLVED:
        return ticket
    if ticket.first_responded_at is None and not reason:
        raise ApplicationError(
            "A reason is needed to resolve a ticket that was never answered.",
            {"reason": f"{ticket.reference} was never answered: say why it is resolved."},
        )
    with transaction.atomic():
        previous = Ticket.objects.locked(ticket.pk).status
        ticket = ticket_set_status(ticket, Ticket.Status.RESOLVED, at=at, notify=False, actor=actor)
        tell = reason or ticket.brand.policy.notify_customer_on_status_change
        if previous != Ticket.Status.RESOLVED and tell:
            customer_status_notice(ticket, previous, reason=reason, at=at)
    return ticket


def ticket_escalate(
    ticket: Ticket,
    *,
    at: datetime | None = None,
    by_customer: bool = False,
    actor: Actor = SYSTEM,
    quiet: bool = False,
    to_tier: int | None = None,
) -> bool:
    """Move the ticket to the next tier (or `to_tier`, an agent's choice of a higher one)
    and start that tier's response window.

    A customer may ask once (by reply, API or through an agent); a second request is refused,
    or ignored when `quiet` (a reply repeating the wish). Returns whether it escalated. The
    escalation is recorded with `actor`: the agent who escalated (also on the customer's
    request), else the customer when they asked themselves.
    """
    if by_customer and actor is SYSTEM:
        actor = CUSTOMER
    at = at or timezone.now()
    with transaction.atomic():
        ticket = Ticket.objects.locked(ticket.pk)
        if by_customer and ticket.escalation_requested_at is not None:
            if quiet:
                return False
            raise ApplicationError(
                "Escalation was already requested.",
                {"ticket": f"{ticket.reference} was escalated on request before."},
            )
        higher = to_tier if to_tier is not None else next_tier(ticket.brand, ticket.tier)
        if higher is None:
            if quiet:
                return False
            raise ApplicationError(
                "There is no higher tier.", {"ticket": f"{ticket.reference} is at the top tier."}
            )
        if by_customer:
            ticket.escalation_requested_at = at
        clock = ticket_move_to_tier(
            ticket, higher, at=at, reason="on request" if by_customer else "", actor=actor
        )
        if by_customer:
            customer_escalation_notice(ticket, clock)
    return True
