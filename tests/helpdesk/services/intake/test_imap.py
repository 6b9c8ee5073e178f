"""Mail from an IMAP mailbox, against a real Dovecot that these tests start and stop."""

import grp
import itertools
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from django.db import connection
from imapclient import SEEN, IMAPClient

from helpdesk.models import InboundEmail, Message, Ticket
from helpdesk.services.intake import imap
from helpdesk.services.intake.imap import Mailbox, mailbox_fetch, mailboxes_fetch
from helpdesk.tasks import fetch_imap_mail
from tests.conftest import free_port
from tests.helpdesk.mail import CR, KS, acknowledgements, make_mail

DOVECOT = shutil.which("dovecot") or next(
    (path for path in ("/usr/sbin/dovecot",) if os.access(path, os.X_OK)), None
)
pytestmark = pytest.mark.skipif(
    DOVECOT is None,
    reason="dovecot is not installed (apt-get install dovecot-imapd; .ci/run does it)",
)
OPENSSL = shutil.which("openssl")
ACCOUNTS = 50  # mail users, one per test

DOVECOT_CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
disable_plaintext_auth = no
auth_failure_delay = 0
auth_mechanisms = plain
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = 1
{ssl}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {ssl_port}
  }}
}}
"""


@dataclass
class Dovecot:
    root: Path
    port: int
    ssl_port: int  # 0: no TLS (openssl missing)
    ca_file: str
    accounts: itertools.count

    def account(self) -> Mailbox:
        """A user of its own with an empty mailbox, as a plain-IMAP mailbox setting."""
        user = f"support{next(self.accounts)}"
        assert int(user.removeprefix("support")) <= ACCOUNTS, "add accounts"
        return Mailbox(
            name=user,
            host="127.0.0.1",
            port=self.port,
            user=user,
            password=f"secret-{user}",
            security="plain",
        )


def _self_signed(root: Path) -> None:
    subprocess.run(
        [
            *(OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", root / "key.pem", "-out", root / "cert.pem", "-subj", "/CN=localhost"),
            *("-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
        ],
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    """Dovecot on two free ports of 127.0.0.1 (IMAP with STARTTLS, and IMAPS with a certificate
    made here when openssl is there), run as an unprivileged user in a temporary folder:
    nobody when the tests run as root, else the user running them."""
    account = pwd.getpwnam("nobody") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
    # Not pytest's tmp_path: its parents are private to the test user.
    root = Path(tempfile.mkdtemp(prefix="helpdesk-imap-"))
    port, ssl_port = free_port(), 0
    tls = "ssl = no"
    if OPENSSL:
        _self_signed(root)
        ssl_port = free_port()
        tls = f"ssl = yes\nssl_cert = <{root}/cert.pem\nssl_key = <{root}/key.pem"
    (root / "dovecot.conf").write_text(
        DOVECOT_CONF.format(
            root=root,
            user=account.pw_name,
            group=grp.getgrgid(account.pw_gid).gr_name,
            uid=account.pw_uid,
            gid=account.pw_gid,
            port=port,
            ssl_port=ssl_port,
            ssl=tls,
        )
    )
    # Every account is written before the server starts: Dovecot notices a changed passwd
    # file by its time stamp, which two writes in one second share.
    (root / "passwd").write_text(
        "".join(f"support{n}:{{PLAIN}}secret-support{n}\n" for n in range(1, ACCOUNTS + 1))
    )
    for path in [root, *root.iterdir()]:
        os.chown(path, account.pw_uid, account.pw_gid)
    server = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
        user=account.pw_uid,
        group=account.pw_gid,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log = root / "dovecot.log"
                    pytest.fail(f"Dovecot did not start:\n{log.exists() and log.read_text()}")
                time.sleep(0.1)
        yield Dovecot(root, port, ssl_port, str(root / "cert.pem"), itertools.count(1))
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def mailbox(dovecot, settings) -> Mailbox:
    settings.IMAP_TIMEOUT_SECONDS = 10
    return dovecot.account()


def client_for(mailbox: Mailbox) -> IMAPClient:
    client = IMAPClient(mailbox.host, mailbox.port, ssl=False, timeout=10)
    client.login(mailbox.user, mailbox.password)
    return client


def put(mailbox: Mailbox, *messages: bytes, folder: str = "INBOX") -> None:
    """Deliver as an MTA would: into the folder, not seen."""
    client = client_for(mailbox)
    try:
        for raw in messages:
            client.append(folder, raw)
    finally:
        client.logout()


def flags(mailbox: Mailbox, folder: str = "INBOX") -> list[tuple]:
    """The flags of every message in the folder, in order; read without touching them."""
    client = client_for(mailbox)
    try:
        client.select_folder(folder, readonly=True)
        found = client.fetch(client.search(["ALL"]), ["FLAGS"])
        return [
            tuple(flag for flag in found[uid][b"FLAGS"] if flag != b"\\Recent") for uid in found
        ]
    finally:
        client.logout()


# Storing commits for real here (the fetch refuses to run inside a transaction): the tests'
# database is emptied after each, and the commit hands processing to Celery, eager in tests.
real_commits = pytest.mark.django_db(transaction=True)


@real_commits
def test_each_mail_becomes_one_acknowledged_ticket_or_reply_and_is_then_seen(
    mailbox, kendrascottes, crocso
):
    put(
        mailbox,
        make_mail(subject="Where is my necklace?", to=KS),
        make_mail(subject="My clogs are too small", to=CR),
    )

    assert mailbox_fetch(mailbox) == 2

    assert {(t.brand.slug, t.subject) for t in Ticket.objects.select_related("brand")} == {
        ("kendrascottes", "Where is my necklace?"),
        ("crocso", "My clogs are too small"),
    }
    assert len(acknowledgements()) == 2
    assert set(InboundEmail.objects.values_list("source", "status")) == {
        (f"imap:{mailbox.name}", InboundEmail.Status.PROCESSED)
    }
    assert flags(mailbox) == [(SEEN,), (SEEN,)]

    necklace = Ticket.objects.get(brand=kendrascottes)
    put(mailbox, make_mail(subject=f"Re: [{necklace.reference}] Where is my necklace?", to=KS))
    assert mailbox_fetch(mailbox) == 1
    assert Ticket.objects.count() == 2
    assert necklace.messages.filter(kind=Message.Kind.INBOUND).count() == 2
    assert len(acknowledgements()) == 2

    assert mailbox_fetch(mailbox) == 0
    assert InboundEmail.objects.count() == 3


@real_commits
def test_a_message_is_marked_seen_only_after_its_row_is_committed(
    mailbox, kendrascottes, monkeypatch
):
    put(mailbox, make_mail())
    seen_when_stored = []
    at_marking = []
    store, taken = imap.inbound_store, imap._message_taken

    def storing(raw, **kwargs):
        seen_when_stored.append(flags(mailbox))
        return store(raw, **kwargs)

    def marking(client, uid, box):
        at_marking.append((connection.in_atomic_block, InboundEmail.objects.count()))
        return taken(client, uid, box)

    monkeypatch.setattr(imap, "inbound_store", storing)
    monkeypatch.setattr(imap, "_message_taken", marking)

    mailbox_fetch(mailbox)

    assert seen_when_stored == [[()]]  # read with BODY.PEEK: still unseen while stored
    assert at_marking == [(False, 1)]  # outside any transaction, the row there
    assert flags(mailbox) == [(SEEN,)]


@pytest.mark.parametrize("message_id", ["", None], ids=["with Message-ID", "without Message-ID"])
@real_commits
def test_a_crash_between_commit_and_marking_stores_it_again_and_files_it_once(
    mailbox, kendrascottes, monkeypatch, message_id
):
    put(mailbox, make_mail(subject="Clasp broke", message_id=message_id))

    def killed(client, uid, box):
        raise ConnectionResetError("worker killed after the commit")

    with monkeypatch.context() as patched:
        patched.setattr(imap, "_message_taken", killed)
        with pytest.raises(ConnectionResetError):
            mailbox_fetch(mailbox)
    assert Ticket.objects.count() == 1
    assert flags(mailbox) == [()]  # still new on the server

    assert mailbox_fetch(mailbox) == 1

    assert Ticket.objects.count() == 1
    assert Message.objects.filter(kind=Message.Kind.INBOUND).count() == 1
    assert len(acknowledgements()) == 1
    assert list(InboundEmail.objects.order_by("pk").values_list("status", flat=True)) == [
        InboundEmail.Status.PROCESSED,
        InboundEmail.Status.DUPLICATE,
    ]
    assert flags(mailbox) == [(SEEN,)]
    assert mailbox_fetch(mailbox) == 0


@real_commits
def test_a_crash_before_the_commit_stores_nothing_and_leaves_the_mail_new(
    mailbox, kendrascottes, monkeypatch
):
    put(mailbox, make_mail())

    def database_gone(raw, **kwargs):
        raise ConnectionError("database unreachable")

    with monkeypatch.context() as patched:
        patched.setattr(imap, "inbound_store", database_gone)
        with pytest.raises(ConnectionError):
            mailbox_fetch(mailbox)
    assert InboundEmail.objects.count() == 0
    assert flags(mailbox) == [()]

    assert mailbox_fetch(mailbox) == 1
    assert Ticket.objects.count() == 1


@real_commits
def test_taken_mail_is_moved_when_the_mailbox_says_so(mailbox, kendrascottes):
    moving = replace(mailbox, move_to="Helpdesk taken")
    put(mailbox, make_mail(subject="One"), make_mail(subject="Two"))

    assert mailbox_fetch(moving) == 2

    assert flags(mailbox) == []
    assert flags(mailbox, "Helpdesk taken") == [(SEEN,), (SEEN,)]
    assert Ticket.objects.count() == 2


@real_commits
def test_with_a_folder_to_move_to_mail_read_by_someone_is_still_taken(mailbox, kendrascottes):
    moving = replace(mailbox, move_to="Taken")
    put(mailbox, make_mail())
    client = client_for(mailbox)
    client.select_folder("INBOX")
    client.add_flags(client.search(["ALL"]), [SEEN])  # opened in a mail client
    client.logout()

    assert mailbox_fetch(moving) == 1
    assert Ticket.objects.count() == 1


@real_commits
def test_one_run_takes_at_most_the_configured_number_oldest_first(mailbox, kendrascottes, settings):
    settings.IMAP_FETCH_MAX_MESSAGES = 2
    put(mailbox, *(make_mail(subject=f"Question {n}") for n in (1, 2, 3)))

    assert mailbox_fetch(mailbox) == 2
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == [
        "Question 1",
        "Question 2",
    ]
    assert flags(mailbox) == [(SEEN,), (SEEN,), ()]

    assert mailbox_fetch(mailbox) == 1
    assert Ticket.objects.count() == 3


@real_commits
def test_the_configured_recipient_routes_like_an_envelope(mailbox, kendrascottes, crocso):
    put(mailbox, make_mail(to="someone@elsewhere.example"))

    mailbox_fetch(replace(mailbox, recipient=CR))

    stored = InboundEmail.objects.get()
    assert stored.envelope_recipient == CR
    assert Ticket.objects.get().brand == crocso


@real_commits
def test_a_failing_mailbox_is_logged_and_the_next_still_fetched(
    dovecot, mailbox, kendrascottes, settings, caplog
):
    put(mailbox, make_mail())
    wrong = {"host": "127.0.0.1", "port": dovecot.port, "security": "plain"}
    settings.IMAP_MAILBOXES = {
        "wrong": {**wrong, "user": mailbox.user, "password": "not-it"},
        "odd": {**wrong, "user": mailbox.user, "password": "x", "security": "tls"},
        "good": {
            **wrong,
            "user": mailbox.user,
            "password": mailbox.password,
            "recipient": KS,
        },
    }

    assert mailboxes_fetch() == 1

    assert Ticket.objects.count() == 1
    failed = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert failed == ["IMAP mailbox wrong: fetch failed", "IMAP mailbox odd: fetch failed"]


@real_commits
def test_the_beat_task_fetches_every_configured_mailbox(mailbox, kendrascottes, settings):
    put(mailbox, make_mail())
    settings.IMAP_MAILBOXES = {
        "support": {
            "host": mailbox.host,
            "port": mailbox.port,
            "user": mailbox.user,
            "password": mailbox.password,
            "security": "plain",
        }
    }

    assert fetch_imap_mail.delay().get() == 1
    assert InboundEmail.objects.get().source == "imap:support"


needs_tls = pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed")


@needs_tls
@pytest.mark.parametrize("security", ["ssl", "starttls"])
@real_commits
def test_tls_verifies_the_server_certificate(dovecot, mailbox, kendrascottes, security):
    put(mailbox, make_mail())
    port = dovecot.ssl_port if security == "ssl" else dovecot.port
    secured = replace(mailbox, security=security, port=port)

    # Its certificate is self-signed: refused unless its CA is given.
    with pytest.raises(ssl.SSLCertVerificationError):
        mailbox_fetch(secured)
    assert InboundEmail.objects.count() == 0

    assert mailbox_fetch(replace(secured, ca_file=dovecot.ca_file)) == 1
    assert Ticket.objects.count() == 1
