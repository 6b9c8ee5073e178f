"""Mail flows through a real Celery worker on Redis while its database connections are ended
(what a PostgreSQL restart does to them) and the worker is killed with SIGKILL, once in the
middle of a send. Afterwards every mail is stored and processed once, every ticket has had
exactly one acknowledgement sent, and nothing is left stuck.

The ESP is Mailgun's sending API on this machine, with its delivery events posted to our
tracking webhook as Mailgun would; the requeue of stuck work is run by the test with a clock
moved past its windows, as the beat would run it later.
"""

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote

import pytest
import redis
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from helpdesk.models import InboundEmail, Message, OutboundEmail, Ticket
from helpdesk.services.intake.inbound import inbound_requeue_stuck
from helpdesk.services.outbox.sending import outbox_requeue_stuck
from tests.conftest import REDIS_URL, celery_broker, redis_is_up
from tests.helpdesk.mail import CR, KS, bounce_event, make_mail, post_tracking

MAILS = 40
WORKER_NAME = "fault-flow-worker"  # its database connections' application_name too
# The broker's keys for the default queue and the messages workers hold unacknowledged.
QUEUE_KEYS = ("celery", "unacked", "unacked_index", "unacked_mutex")


pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="ends PostgreSQL connections"),
    pytest.mark.skipif(not redis_is_up(), reason=f"needs Redis at {REDIS_URL}"),
    pytest.mark.django_db(transaction=True),
]


class Esp:
    """What the Mailgun API on this machine was sent: each Message-ID, in order. It can hold
    the n-th request open, so the worker is killed while it waits for the ESP's answer."""

    def __init__(self) -> None:
        self.url = ""  # its sending API's base URL
        self.sent: list[str] = []
        self.lock = threading.Lock()
        self.hold_request = 0
        self.holding = threading.Event()
        self.release = threading.Event()

    def receive(self, message_id: str) -> None:
        with self.lock:
            self.sent.append(message_id)
            hold = len(self.sent) == self.hold_request
        if hold:
            self.holding.set()
            self.release.wait(timeout=60)


def form_field(body: bytes, content_type: str, name: str) -> str:
    if content_type.startswith("application/x-www-form-urlencoded"):
        return parse_qs(body.decode())[name][0]
    form = message_from_bytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    for part in form.get_payload():
        if part.get_param("name", header="content-disposition") == name:
            return part.get_payload(decode=True).decode()
    raise KeyError(name)


@pytest.fixture
def esp() -> Iterator[Esp]:
    esp = Esp()

    class MailgunApi(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            body = self.rfile.read(length)
            if len(body) < length:
                return  # the worker died while sending it: Mailgun would not take it either
            message_id = form_field(body, self.headers["Content-Type"], "h:Message-Id")
            esp.receive(message_id)
            answer = json.dumps({"id": message_id, "message": "Queued. Thank you."}).encode()
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except OSError:
                pass  # the worker was killed while waiting for this answer

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), MailgunApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    esp.url = f"http://127.0.0.1:{server.server_port}/v3"
    yield esp
    esp.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def worker(esp, tmp_path, settings) -> Iterator[Callable[[], subprocess.Popen]]:
    """`worker()` starts a Celery worker process (solo pool: tasks run in the process that is
    killed) on this test's database, Redis, ESP and file storage (the raw mail the test
    stores is a file the worker reads)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    database = connection.settings_dict
    credentials = quote(database["USER"]) + (
        f":{quote(database['PASSWORD'])}" if database["PASSWORD"] else ""
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "SECRET_KEY": "test-only-secret-key-not-for-production",
        "DATABASE_URL": (
            f"postgres://{credentials}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
            f"?application_name={WORKER_NAME}"
        ),
        "REDIS_URL": REDIS_URL,
        "EMAIL_BACKEND": "anymail.backends.mailgun.EmailBackend",
        "MAILGUN_API_KEY": "key-test",
        "MAILGUN_SENDER_DOMAIN": "mg.example",
        "MAILGUN_API_URL": esp.url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "LOG_LEVEL": "WARNING",
    }
    broker = redis.Redis.from_url(REDIS_URL)
    broker.delete(*QUEUE_KEYS)  # leftovers of an aborted run
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        with open(tmp_path / f"worker-{len(started)}.log", "wb") as log:
            process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo"),
                    *("--without-gossip", "--without-mingle", "--without-heartbeat"),
                    *("--loglevel=WARNING", "-n", f"{WORKER_NAME}-{len(started)}@%h"),
                ],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
    broker.delete(*QUEUE_KEYS)  # the killed worker's unacknowledged task, for instance


@contextmanager
def database_restarts(every: float = 0.05) -> Iterator[list[int]]:
    """While in the block, end the worker's database connections as a restart would, again
    and again (a worker holds one only while it runs a task). Yields how many were ended."""
    ended = [0]
    stop = threading.Event()

    def restart() -> None:
        other = connections.create_connection("default")
        try:
            while not stop.wait(every):
                with other.cursor() as cursor:
                    cursor.execute(
                        "SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND application_name = %s",
                        [WORKER_NAME],
                    )
                    ended[0] += cursor.fetchone()[0]
        finally:
            other.close()

    thread = threading.Thread(target=restart)
    thread.start()
    try:
        yield ended
    finally:
        stop.set()
        thread.join()


def snapshot(esp: Esp, broker: redis.Redis) -> tuple:
    return (
        len(esp.sent),
        broker.llen("celery"),
        tuple(InboundEmail.objects.values_list("status", "attempts").order_by("pk")),
        tuple(OutboundEmail.objects.values_list("status", "attempts").order_by("pk")),
    )


def wait_until_quiet(esp: Esp, broker: redis.Redis, *, deadline: float, began: datetime) -> None:
    """Until the worker has nothing queued, is sending nothing it claimed since `began`, and
    nothing has changed for a while: what is left is stuck until something acts."""
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        now = snapshot(esp, broker)
        sending = OutboundEmail.objects.filter(
            status=OutboundEmail.Status.SENDING, last_attempt_at__gte=began
        )
        if now != last:
            last, since = now, time.monotonic()
        elif now[1] == 0 and not sending.exists() and time.monotonic() - since > 1.5:
            return
        time.sleep(0.25)
    raise AssertionError(f"the worker never settled: {last}")


def test_mail_flowing_through_database_restarts_and_a_killed_worker_is_answered_once_each(
    shipped_brands, esp, worker, tmp_path, client
):
    broker = redis.Redis.from_url(REDIS_URL)
    files = []
    for number in range(MAILS):
        path = tmp_path / f"mail-{number}.eml"
        path.write_bytes(
            make_mail(
                sender=f"Customer {number} <customer{number}@shop.example>",
                to=KS if number % 2 else CR,
                subject=f"Question {number}",
                body=f"Hello, this is question number {number} about my order.\n",
            )
        )
        files.append(str(path))

    deadline = time.monotonic() + 120
    esp.hold_request = 6
    with celery_broker(REDIS_URL), database_restarts() as ended:
        first = worker()
        for start in range(0, MAILS, 5):
            call_command("ingest_email", *files[start : start + 5], stdout=io.StringIO())
            if start == 15:
                # The dangerous moment: the worker has claimed a mail and waits for the ESP.
                assert esp.holding.wait(timeout=60), "the sixth mail never reached the ESP"
                first.send_signal(signal.SIGKILL)
                first.wait(timeout=30)
                esp.release.set()
                second = worker()
        time.sleep(1)
        second.send_signal(signal.SIGKILL)  # wherever it is
        second.wait(timeout=30)
    with celery_broker(REDIS_URL):
        began = timezone.now()
        worker()

        # What Mailgun reports for each mail it took, and the requeue, later, until all is done.
        reported: set[str] = set()
        later = timezone.now() + timedelta(minutes=settings.OUTBOUND_EVIDENCE_MINUTES + 1)
        for _ in range(5):
            wait_until_quiet(esp, broker, deadline=deadline, began=began)
            for message_id in set(esp.sent) - reported:
                event = bounce_event(message_id) | {"event": "delivered", "severity": None}
                assert post_tracking(client, event).status_code == 200
                reported.add(message_id)
            if not (
                InboundEmail.objects.exclude(status=InboundEmail.Status.PROCESSED).exists()
                or OutboundEmail.objects.exclude(status=OutboundEmail.Status.SENT).exists()
            ):
                break
            inbound_requeue_stuck(now=later)
            outbox_requeue_stuck(now=later)

    logs = "\n".join(path.read_text() for path in sorted(Path(tmp_path).glob("worker-*.log")))
    assert ended[0], "no database connection of the worker was ended"
    # Stored and processed once each.
    inbound = InboundEmail.objects.all()
    assert inbound.count() == MAILS
    assert set(inbound.values_list("status", flat=True)) == {InboundEmail.Status.PROCESSED}, logs
    filed = Counter(
        Message.objects.filter(kind=Message.Kind.INBOUND).values_list("inbound_email", flat=True)
    )
    assert sorted(filed) == sorted(inbound.values_list("pk", flat=True))
    assert set(filed.values()) == {1}
    # One acknowledgement per ticket, sent exactly once, and shown so on the thread.
    assert Ticket.objects.count() == MAILS
    acknowledgements = OutboundEmail.objects.filter(kind=OutboundEmail.Kind.ACKNOWLEDGEMENT)
    assert sorted(acknowledgements.values_list("ticket", flat=True)) == sorted(
        Ticket.objects.values_list("pk", flat=True)
    )
    statuses = set(acknowledgements.values_list("status", flat=True))
    assert statuses == {OutboundEmail.Status.SENT}, logs
    assert acknowledgements.count() == OutboundEmail.objects.count() == MAILS
    sent_once = Counter(acknowledgements.values_list("message_id", flat=True))
    assert Counter(esp.sent) == sent_once, logs
    assert set(
        Message.objects.filter(kind=Message.Kind.OUTBOUND).values_list("delivery_status", flat=True)
    ) == {Message.Delivery.DELIVERED}
    # The send cut short by the kill went out; Mailgun's event settled it, no second send.
    cut_short = OutboundEmail.objects.get(message_id=esp.sent[esp.hold_request - 1])
    assert cut_short.attempts == 1
    assert not Message.objects.filter(ticket=cut_short.ticket, kind=Message.Kind.NOTE).exists()
