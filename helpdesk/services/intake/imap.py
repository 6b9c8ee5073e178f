"""Mail from IMAP mailboxes: each new message stored raw through the webhook's own door.

What has been taken is kept on the server, not here: a message is new while it is unseen in
its folder (or, when the mailbox moves what it takes, while it is still in the folder). It is
read with BODY.PEEK, which leaves it unseen, stored by `inbound_store` in a transaction of its
own, and marked seen (or moved) only after that commit. So a crash before the commit leaves the
message new and nothing stored; a crash between the commit and the marking leaves it new and
stored once, and the next fetch stores it again, which processing finds to be a duplicate
(by Message-ID, or by its bytes when it has none), as it does for an ESP's retry.

Why not remember UIDs here: a UID cursor needs a row per mailbox, is lost with UIDVALIDITY
(a mailbox rebuilt or moved to another server renumbers everything), and skips a message
whose store failed unless it keeps a list of gaps. The server's flag has none of those
problems; its one weakness is a person reading the mailbox in a mail client, which marks
mail seen before we take it. Give the helpdesk a mailbox of its own, or set a folder to move
taken mail to: then everything still in the folder is new, whoever has read it.
"""

import contextlib
import logging
import ssl
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from imapclient import DELETED, SEEN, IMAPClient

from helpdesk.services.intake.inbound import inbound_store

logger = logging.getLogger(__name__)

SECURITIES = {"ssl": 993, "starttls": 143, "plain": 143}


@dataclass(frozen=True)
class Mailbox:
    """One mailbox to read, as configured (IMAP_MAILBOXES in the settings)."""

    name: str
    host: str
    user: str
    password: str
    port: int = 0  # 0: the security's usual port
    folder: str = "INBOX"
    # ssl (IMAPS, the default) or starttls, both verifying the server's certificate; plain
    # sends the password in the clear, for a server on this machine or a test only.
    security: str = "ssl"
    ca_file: str = ""  # a private CA's certificates, else the system's
    move_to: str = ""  # a folder to move taken mail to; else it is marked seen in place
    # The address this mailbox receives, used as the envelope recipient (it routes the mail
    # as the webhook's envelope does); without it the headers route it.
    recipient: str = ""

    def __post_init__(self) -> None:
        if self.security not in SECURITIES:
            raise ImproperlyConfigured(
                f"IMAP mailbox {self.name}: security must be one of {', '.join(SECURITIES)}"
            )

    @property
    def source(self) -> str:
        return f"imap:{self.name}"


def mailboxes_fetch() -> int:
    """Fetch every configured mailbox; one that fails is logged and the next still tried.
    Returns how many messages were stored."""
    stored = 0
    for name, values in settings.IMAP_MAILBOXES.items():
        try:
            stored += mailbox_fetch(Mailbox(name=name, **values))
        except Exception:
            logger.exception("IMAP mailbox %s: fetch failed", name)
    return stored


def mailbox_fetch(mailbox: Mailbox, *, limit: int | None = None) -> int:
    """Store the mailbox's new messages, oldest first, at most `limit` (IMAP_FETCH_MAX_MESSAGES)
    in one run; returns how many. An error ends the run (the message it stopped at stays new).
    """
    limit = settings.IMAP_FETCH_MAX_MESSAGES if limit is None else limit
    client = _connect(mailbox)
    try:
        client.select_folder(mailbox.folder)
        if mailbox.move_to and not client.folder_exists(mailbox.move_to):
            client.create_folder(mailbox.move_to)
        criteria = ["NOT", "DELETED"] if mailbox.move_to else ["UNSEEN", "NOT", "DELETED"]
        uids = sorted(client.search(criteria))
        if len(uids) > limit:
            logger.info("IMAP mailbox %s: %d new, %d taken now", mailbox.name, len(uids), limit)
        stored = 0
        for uid in uids[:limit]:
            raw = client.fetch([uid], ["BODY.PEEK[]"]).get(uid, {}).get(b"BODY[]")
            if raw is None:
                continue  # removed meanwhile by another client
            # Durable: the row must be committed, not in a caller's transaction, before the
            # server is told the message was taken.
            with transaction.atomic(durable=True):
                inbound_store(raw, source=mailbox.source, envelope_recipient=mailbox.recipient)
            _message_taken(client, uid, mailbox)
            stored += 1
        return stored
    finally:
        _logout(client)


def _connect(mailbox: Mailbox) -> IMAPClient:
    context = ssl.create_default_context(cafile=mailbox.ca_file or None)
    port = mailbox.port or SECURITIES[mailbox.security]
    timeout = settings.IMAP_TIMEOUT_SECONDS
    if mailbox.security == "ssl":
        client = IMAPClient(mailbox.host, port, ssl=True, ssl_context=context, timeout=timeout)
    else:
        client = IMAPClient(mailbox.host, port, ssl=False, timeout=timeout)
    try:
        if mailbox.security == "starttls":
            client.starttls(context)
        client.login(mailbox.user, mailbox.password)
    except BaseException:
        _logout(client)
        raise
    return client


def _message_taken(client: IMAPClient, uid: int, mailbox: Mailbox) -> None:
    """Tell the server the message is stored: seen, and moved when the mailbox says so."""
    client.add_flags([uid], [SEEN])
    if not mailbox.move_to:
        return
    if client.has_capability("MOVE"):
        client.move([uid], mailbox.move_to)
        return
    client.copy([uid], mailbox.move_to)
    client.add_flags([uid], [DELETED])
    # Without UIDPLUS only a whole-folder expunge exists; a flagged leftover is skipped anyway.
    if client.has_capability("UIDPLUS"):
        client.expunge([uid])


def _logout(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:
        # Already gone (a timeout, the server closed it): only the socket is left to close.
        with contextlib.suppress(Exception):
            client.shutdown()
