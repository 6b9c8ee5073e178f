"""What an agent's composer sends: the reply with the status chosen (else its macro's), the
macro's category and tags, and its files, including those kept from a try the collision
guard held back.

A reply built on a stale view is not sent (`lifecycle.ticket_reply`); the agent reads what
changed and sends again. Meanwhile the files they attached wait in file storage as
HeldReplyFile rows naming the agent and the ticket, so nobody else lists, drops or sends
them. The next try names the held files to send; the agent's others on the ticket (unticked
in the composer) are dropped. Sent, they become the reply's attachments; left unsent, the
beat removes them after HELD_REPLY_FILES_HOURS.
"""

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from helpdesk.errors import ApplicationError
from helpdesk.models import HeldReplyFile, Macro, Message, Ticket
from helpdesk.services.stored_files import files_removed_on_error, upload_store
from helpdesk.services.tickets.lifecycle import reply_held_back, ticket_reply
from helpdesk.services.tickets.macros import (
    macro_apply,
    macro_reply_status,
    placeholder_markers_left,
)


def held_files_of(ticket: Ticket, agent: AbstractBaseUser) -> QuerySet[HeldReplyFile]:
    """The files kept from `agent`'s held reply on `ticket`: only ever their own."""
    return HeldReplyFile.objects.filter(ticket=ticket, author=agent)


def composer_reply_send(
    ticket: Ticket,
    *,
    author: AbstractBaseUser,
    body: str,
    chosen_status: str = "",
    macro: Macro | None = None,
    proposes_resolution: bool = False,
    last_seen_message: int | None = None,
    attachments: Sequence[UploadedFile] = (),
    held_files: Collection[int] = (),
) -> Message:
    """Send the agent's reply: in the status they chose, else their macro's
    (`macro_reply_status`), with the macro's category and tags applied once it is sent.
    `attachments` are the files uploaded with this try, `held_files` the ids of files kept
    from the agent's try the guard held back; both go with the mail.

    A reply still holding a blank its macro left (`placeholder_markers_left`) is not sent.
    Held files must be the agent's own on this ticket, or nothing is sent. When the collision
    guard holds the reply back, its ApplicationError is raised (`reply_held_back`) and this
    try's uploads are kept beside the named held files. Sent or held back, the agent's held
    files on the ticket that were not named are dropped; refused for another reason, nothing
    changes.
    """
    blanks = placeholder_markers_left(body)
    if blanks:
        raise ApplicationError(
            "Nothing was sent: the reply has blanks to fill in.",
            {"body": f"Replace {', '.join(blanks)} with what the customer should read."},
        )
    held_ids = set(held_files)
    try:
        with transaction.atomic():
            # The ticket's lock first, as every reply takes it, then the files: two sends of
            # one agent (a double click, two tabs) queue on the ticket instead of each
            # holding files the other waits for.
            Ticket.objects.locked(ticket.pk)
            held = list(held_files_of(ticket, author).filter(pk__in=held_ids).select_for_update())
            if len(held) != len(held_ids):
                # Someone else's, another ticket's, or gone stale: the same answer for each,
                # so nobody learns of another agent's files.
                raise ApplicationError(
                    "Nothing was sent: a kept file is no longer held for you.",
                    {"held_files": "Attach the file again."},
                )
            message = ticket_reply(
                ticket,
                author=author,
                body=body,
                status=macro_reply_status(macro, chosen_status),
                proposes_resolution=proposes_resolution,
                last_seen_message=last_seen_message,
                attachments=attachments,
                held_files=held,
            )
            if macro is not None:
                macro_apply(ticket, macro, actor=author)
            _held_files_remove(held_files_of(ticket, author))
    except ApplicationError as error:
        if reply_held_back(error):
            _held_files_keep(ticket, author, attachments, also=held_ids)
        raise
    return message


def _held_files_keep(
    ticket: Ticket,
    author: AbstractBaseUser,
    uploads: Sequence[UploadedFile],
    *,
    also: Collection[int],
) -> None:
    """Keep `uploads` for the agent's next try, with their held files `also` named."""
    now = timezone.now()
    with files_removed_on_error(), transaction.atomic():
        _held_files_remove(held_files_of(ticket, author).exclude(pk__in=also))
        rows = []
        for upload in uploads:
            row = HeldReplyFile(ticket=ticket, author=author, created_at=now)
            upload_store(row, upload)
            rows.append(row)
        HeldReplyFile.objects.bulk_create(rows)


def _held_files_remove(rows: QuerySet[HeldReplyFile]) -> int:
    """Delete held files: the rows now, their files once that is committed (a rolled-back
    removal leaves no row pointing at a deleted file)."""
    gone = list(rows.select_for_update())
    HeldReplyFile.objects.filter(pk__in=[file.pk for file in gone]).delete()
    storage = HeldReplyFile._meta.get_field("file").storage

    def delete() -> None:
        for file in gone:
            storage.delete(file.file.name)

    transaction.on_commit(delete)
    return len(gone)


def held_files_remove_stale(now: datetime | None = None, batch_size: int | None = None) -> int:
    """Remove held files nobody sent within HELD_REPLY_FILES_HOURS, at most `batch_size` a
    run (the beat's next run goes on); returns how many went."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.HELD_REPLY_FILES_HOURS)
    batch_size = batch_size or settings.RETENTION_BATCH_SIZE
    with transaction.atomic():
        stale = HeldReplyFile.objects.filter(created_at__lt=cutoff).order_by("pk")[:batch_size]
        ids = list(stale.values_list("pk", flat=True))
        return _held_files_remove(HeldReplyFile.objects.filter(pk__in=ids))
