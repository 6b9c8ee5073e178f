"""An inbound message's raw bytes, kept as a file in the file storage (local disk or the bucket).

Beside the services' ladder, like `api_keys`: intake writes and reads the message, admin
downloads it, erasure deletes it; each goes through these functions. Messages stored before
files were used sit in the row's old `raw` column until the migration that copies them has run
(or, stored by an older process during a deploy, until they are deleted); reads fall back to it.
"""

import io
import logging
from typing import IO

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models.fields.files import FieldFile

from helpdesk.models import InboundEmail

logger = logging.getLogger(__name__)


def raw_file_write(sha256: str, raw: bytes) -> FieldFile:
    """Write a message about to be stored to the file storage, under a name of its own (a file
    is never overwritten); returns the file, for the row to point at. The caller notes it for
    removal if its transaction fails (`stored_files.file_saved`)."""
    file = InboundEmail(sha256=sha256).raw_file
    file.save(f"{sha256}.eml", ContentFile(raw), save=False)
    return file


def inbound_raw_open(inbound: InboundEmail) -> IO[bytes]:
    """The stored message as a binary file to read (and close); streamed from the storage."""
    if inbound.raw_file:
        return inbound.raw_file.open("rb")
    legacy = InboundEmail.objects.filter(pk=inbound.pk).values_list("raw", flat=True).first()
    return io.BytesIO(bytes(legacy or b""))


def inbound_raw_read(inbound: InboundEmail, limit: int = -1) -> bytes:
    """The stored message's bytes (at most `limit` of them when given)."""
    with inbound_raw_open(inbound) as handle:
        return handle.read(limit)


def inbound_raw_delete(inbound: InboundEmail) -> None:
    """Delete the message's raw bytes: the row forgets its file (and any old column bytes)
    now, and the file goes once that is committed, so work that is rolled back never leaves
    a row pointing at a deleted file. The row itself, and its header summary, stay."""
    name = inbound.raw_file.name
    storage = inbound.raw_file.storage
    InboundEmail.objects.filter(pk=inbound.pk).update(raw_file="", raw=b"")
    inbound.raw_file.name = ""
    inbound.raw = b""

    def delete() -> None:
        try:
            storage.delete(name)
        except Exception:  # the rows are settled; a file left behind is only logged
            logger.warning("Could not delete the raw mail file %s", name, exc_info=True)

    if name:
        transaction.on_commit(delete)
