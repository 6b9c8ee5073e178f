"""How fast inbound mail is stored and processed, and what a 20 MB attachment costs in memory.

Generates 1,000 messages (new requests to both brands, replies threaded by headers and by
the reference in the subject, auto-replies, other languages, one in ten with an attachment)
and runs each through the service exactly as the webhook and the worker do: `inbound_store`,
then `inbound_process` (routing, dedup, threading, ticket, clocks, acknowledgement queued).
Prints messages per second and peak resident memory, first with one process, then with
`--processes` worker processes in parallel (default: one per core, as a Celery worker pool
runs). Then, in a fresh process
each, one message with a 20 MB attachment: how much the process grew (peak RSS) and the peak
of Python allocations (tracemalloc, measured separately because tracing costs memory itself).

Targets on PostgreSQL on this machine: at least 200 messages per second; the 20 MB message
without the process growing by more than 100 MB.

    python bench/ingest.py [--messages 1000] [--processes N] [--big-mb 20] [--skip-big]

Uses the scratch database of bench/_django.py (helpdesk_bench, or BENCH_DATABASE_URL), emptied
first. Celery gets an in-memory broker: queued work is published but no worker runs it, so
the figures are those of the webhook plus the inbound worker, not of sending mail.
"""

import argparse
import json
import multiprocessing
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import _django

os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="helpdesk-bench-media-"))
_django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from config.celery import app as celery_app  # noqa: E402

# A host name, or kombu warns that it falls back to one.
celery_app.conf.update(broker_url="memory://localhost/", task_always_eager=False)

from brands.models import Brand  # noqa: E402
from helpdesk.models import InboundEmail, Message, Ticket  # noqa: E402
from helpdesk.services.intake.inbound import inbound_process, inbound_store  # noqa: E402

BRANDS = {"KS": "support@kendrascottes.example", "CR": "support@crocso.example"}
TEXTS = {
    "en": [
        "Hello, my order has not arrived yet. Could you tell me where it is?",
        "Hi, I would like to return the earrings I bought last week, they do not fit my style.",
        "Good morning, can I change the delivery address of my order before it ships?",
        "My package is marked as delivered but I never received it. Please help.",
        "The bracelet arrived damaged, the clasp is broken. What can you do?",
    ],
    "fr": ["Bonjour, ma commande n'est toujours pas arrivée. Pouvez-vous m'aider ?"],
    "de": ["Hallo, meine Bestellung ist noch nicht angekommen. Können Sie mir helfen?"],
    "es": ["Hola, mi pedido todavía no ha llegado. ¿Me pueden ayudar, por favor?"],
}


def reset() -> None:
    _django.reset_helpdesk()
    # The generated senders write often: no acknowledgement is held back by the rate limit.
    Brand.objects.update(acknowledgements_per_hour=100)


def mail(
    *,
    sender: str,
    to: str,
    subject: str,
    body: str,
    headers: dict[str, str] | None = None,
    attachment: bytes | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = make_msgid(domain="customer.example")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if attachment is not None:
        message.add_attachment(
            attachment, maintype="application", subtype="pdf", filename="document.pdf"
        )
    return bytes(message)


def generate(count: int, seed: int = 7) -> list[tuple[bytes, str]]:
    """A realistic mix; references for subject threading follow the order tickets are made."""
    rng = random.Random(seed)
    customers = [f"customer{n}@mail.example" for n in range(300)]
    numbers = {prefix: 0 for prefix in BRANDS}
    threads: list[tuple[str, str, str, str]] = []  # (prefix, customer, reference, message-id)
    messages = []
    for _ in range(count):
        roll = rng.random()
        attachment = rng.randbytes(rng.randint(20_000, 200_000)) if rng.random() < 0.1 else None
        if threads and roll < 0.25:
            prefix, customer, reference, parent = rng.choice(threads)
            raw = mail(
                sender=customer,
                to=BRANDS[prefix],
                subject="Re: your request",
                body="Thanks, here is more detail.\n\nOn Monday, support wrote:\n> earlier",
                headers={"In-Reply-To": parent, "References": parent},
                attachment=attachment,
            )
        elif threads and roll < 0.4:
            prefix, customer, reference, _ = rng.choice(threads)
            raw = mail(
                sender=customer,
                to=BRANDS[prefix],
                subject=f"Re: [{reference}] my order",
                body="Any news about this?",
                attachment=attachment,
            )
        else:
            prefix = "KS" if rng.random() < 0.7 else "CR"
            customer = rng.choice(customers)
            language = rng.choices(["en", "fr", "de", "es"], weights=[85, 5, 5, 5])[0]
            headers = {"Auto-Submitted": "auto-replied"} if roll > 0.96 else None
            raw = mail(
                sender=customer,
                to=BRANDS[prefix],
                subject=rng.choice(["Order question", "Return", "Where is my parcel?"]),
                body=rng.choice(TEXTS[language]),
                headers=headers,
                attachment=attachment,
            )
            numbers[prefix] += 1
            message_id = raw.split(b"Message-ID: ", 1)[1].split(b"\n", 1)[0].strip().decode()
            threads.append((prefix, customer, f"{prefix}-{numbers[prefix]:06d}", message_id))
        messages.append((raw, BRANDS[prefix]))
    return messages


def ingest(raw: bytes, recipient: str) -> str:
    stored = inbound_store(raw, source="bench", envelope_recipient=recipient)
    return inbound_process(stored.pk)


def ingest_batch(batch: list[tuple[bytes, str]]) -> dict[str, int]:
    outcomes: dict[str, int] = {}
    for raw, recipient in batch:
        status = str(ingest(raw, recipient))
        outcomes[status] = outcomes.get(status, 0) + 1
    connections.close_all()
    return outcomes


def _sender(raw: bytes) -> bytes:
    return raw.split(b"From: ", 1)[1].split(b"\n", 1)[0]


def run_throughput(count: int, processes: int) -> dict:
    """Ingest `count` messages with `processes` worker processes, as a Celery pool would.

    Each sender's mail stays in one process, in order, so a reply follows its request. With
    several processes, ticket numbers interleave, so a reply quoting a reference by subject
    may open a new ticket instead of threading; every message is still processed.
    """
    reset()
    messages = generate(count)
    batches: list[list[tuple[bytes, str]]] = [[] for _ in range(processes)]
    senders: dict[bytes, int] = {}
    for raw, recipient in messages:
        worker = senders.setdefault(_sender(raw), len(senders) % processes)
        batches[worker].append((raw, recipient))
    connections.close_all()  # each process opens its own connection
    started = time.perf_counter()
    if processes == 1:
        results = [ingest_batch(batches[0])]
    else:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            results = pool.map(ingest_batch, batches)
    elapsed = time.perf_counter() - started
    outcomes: dict[str, int] = {}
    for result in results:
        for status, number in result.items():
            outcomes[status] = outcomes.get(status, 0) + number
    return {
        "database": connection.vendor,
        "messages": count,
        "processes": processes,
        "seconds": round(elapsed, 2),
        "messages_per_second": round(count / elapsed, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "outcomes": outcomes,
        "tickets": Ticket.objects.count(),
        "inbound_messages": Message.objects.filter(kind=Message.Kind.INBOUND).count(),
        "failed": InboundEmail.objects.filter(status=InboundEmail.Status.FAILED).count(),
    }


def current_rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not getrusage's ru_maxrss: Linux carries
    ru_maxrss over a fork and exec, so a child started by a big parent would report the
    parent's size."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_big_message(megabytes: int, path: str) -> None:
    raw = mail(
        sender="big@mail.example",
        to=BRANDS["KS"],
        subject="Photos",
        body="Here are the photos.",
        attachment=os.urandom(megabytes * 2**20),
    )
    with open(path, "wb") as handle:
        handle.write(raw)


def run_big(path: str, megabytes: int, measure: str) -> dict:
    """Ingest the message in `path` in this fresh process (made by the parent, so building it
    does not count towards this process's peak)."""
    reset()
    settings.ATTACHMENT_MAX_BYTES = (megabytes + 5) * 2**20  # kept: the costlier path
    ingest(generate(1)[0][0], BRANDS["KS"])  # imports, detector and caches warmed up
    with open(path, "rb") as handle:
        raw = handle.read()
    before = current_rss_mb()
    if measure == "tracemalloc":
        tracemalloc.start()
    started = time.perf_counter()
    status = ingest(raw, BRANDS["KS"])
    elapsed = time.perf_counter() - started
    result = {"status": status, "raw_mb": round(len(raw) / 2**20, 1), "seconds": round(elapsed, 2)}
    if measure == "tracemalloc":
        result["python_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()
    else:
        peak = peak_rss_mb()
        result["rss_before_mb"] = round(before, 1)
        result["rss_peak_mb"] = round(peak, 1)
        result["growth_mb"] = round(peak - before, 1)
    return result


def machine_speed_ms() -> float:
    """A fixed pure-Python loop, best of three: this machine's speed varies by a third from
    one hour to the next, and the messages-per-second figures move with it."""
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        sum(number * number % 7 for number in range(1_000_000))
        timings.append(time.perf_counter() - started)
    return min(timings) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--big-mb", type=int, default=20)
    parser.add_argument("--skip-big", action="store_true")
    parser.add_argument(
        "--processes",
        type=int,
        default=os.cpu_count() or 1,
        help="worker processes ingesting in parallel, as the Celery pool does (default: cores)",
    )
    parser.add_argument("--big-only", choices=["rss", "tracemalloc"], help=argparse.SUPPRESS)
    parser.add_argument("--big-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.big_only:
        print(json.dumps(run_big(args.big_file, args.big_mb, args.big_only)))
        return
    print(f"Reference loop: {machine_speed_ms():.0f} ms (smaller is a faster machine)")
    for processes in sorted({1, args.processes}):
        throughput = run_throughput(args.messages, processes)
        print(
            f"{throughput['messages']} messages on {throughput['database']}, "
            f"{processes} process{'es' if processes > 1 else ''}: "
            f"{throughput['seconds']} s, {throughput['messages_per_second']} messages/s, "
            f"peak RSS {throughput['peak_rss_mb']} MB"
        )
        print(
            f"  outcomes {throughput['outcomes']}; {throughput['tickets']} tickets, "
            f"{throughput['inbound_messages']} inbound messages, {throughput['failed']} failed"
        )
    if args.skip_big:
        return
    figures = {}
    with tempfile.NamedTemporaryFile(suffix=".eml") as big:
        write_big_message(args.big_mb, big.name)
        for measure in ("rss", "tracemalloc"):
            command = [sys.executable, __file__, "--big-only", measure, "--big-file", big.name]
            child = subprocess.run(
                [*command, "--big-mb", str(args.big_mb)], capture_output=True, text=True, check=True
            )
            figures.update(json.loads(child.stdout.strip().splitlines()[-1]))
    print(
        f"{args.big_mb} MB attachment ({figures['raw_mb']} MB message, {figures['status']}): "
        f"{figures['seconds']} s; process grew {figures['growth_mb']} MB "
        f"(RSS {figures['rss_before_mb']} -> {figures['rss_peak_mb']} MB), "
        f"Python allocations peaked at {figures['python_peak_mb']} MB"
    )


if __name__ == "__main__":
    main()
