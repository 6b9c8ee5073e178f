"""Uploaded files kept with a message (or held for a reply's next try), and files written
for database work that is undone are removed with it.

File storage has no transactions: an attachment saved by work that then fails (a dedup race
run again, a crash in processing, a duplicate API request) would stay on disk with no row
pointing at it, a customer's document kept for nothing. The owner of the transaction wraps
its work in `files_removed_on_error`; whatever saves a file inside calls `file_saved`.
"""

import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.utils.text import get_valid_filename

from helpdesk.models import Attachment, HeldReplyFile, Message

logger = logging.getLogger(__name__)

_saved: ContextVar[list[FieldFile] | None] = ContextVar("saved_files", default=None)


def file_saved(file: FieldFile) -> None:
    """Note a file just written, so an error in the surrounding work removes it."""
    saved = _saved.get()
    if saved is not None:
        saved.append(file)


@contextmanager
def files_removed_on_error() -> Iterator[None]:
    """Delete the files saved inside (see `file_saved`) if the block raises. Nested in
    another such block, the files of a block that succeeds still go if the outer one fails."""
    outer = _saved.get()
    saved: list[FieldFile] = []
    token = _saved.set(saved)
    try:
        yield
    except BaseException:
        for file in saved:
            try:
                file.storage.delete(file.name)
            except Exception:  # the work's own error is the one to raise
                logger.warning("Could not remove %s", file.name, exc_info=True)
        raise
    else:
        if outer is not None:
            outer.extend(saved)
    finally:
        _saved.reset(token)


def _storage_name(filename: str) -> str:
    """A safe file name on disk; the uploader's own name is kept on the row for display."""
    try:
        return get_valid_filename(filename)
    except SuspiciousFileOperation:  # nothing usable left, e.g. ".." or only symbols
        return "attachment"


def upload_store(row: Attachment | HeldReplyFile, upload: UploadedFile) -> None:
    """Write an uploaded file into `row` (not yet saved): its file in storage, noted for
    `files_removed_on_error`, and the uploader's name, type and size on the row."""
    row.filename = os.path.basename(upload.name or "")[:255] or "attachment"
    row.content_type = (upload.content_type or "")[:255]
    row.size = upload.size or 0
    row.file.save(_storage_name(row.filename), upload, save=False)
    file_saved(row.file)


def attachments_save(message: Message, files: Sequence[UploadedFile]) -> list[Attachment]:
    """Keep uploaded files (a storefront's, an agent's reply's) with `message`."""
    rows = []
    for upload in files:
        attachment = Attachment(message=message)
        upload_store(attachment, upload)
        rows.append(attachment)
    return Attachment.objects.bulk_create(rows)


def held_files_attach(message: Message, held: Sequence[HeldReplyFile]) -> list[Attachment]:
    """Make files held back with a reply `message`'s attachments, where they lie in storage;
    the held rows go (in the caller's transaction, so a failure keeps them held)."""
    rows = Attachment.objects.bulk_create(
        Attachment(
            message=message,
            file=file.file.name,
            filename=file.filename,
            content_type=file.content_type,
            size=file.size,
        )
        for file in held
    )
    HeldReplyFile.objects.filter(pk__in=[file.pk for file in held]).delete()
    return rows
