"""How long a what-if replay of a brand's history takes under a policy draft.

Bulk-loads 100,000 tickets (--tickets) received over the last 90 days into Kendrascottes, with
the clocks the live policy gave them (computed by the engine, as ticket creation does): a
first-response clock on each, answered on time or late; urgent and foreign-language tickets;
complaints with their proposal clock; customers' later messages with next-reply clocks. Then
replays them all under a draft with a faster urgent promise, pinned to one CPU core, and prints
the time and the figures. PostgreSQL only; the target is under 30 seconds for 100,000 tickets.

    python bench/whatif.py [--tickets 100000] [--days 90]
"""

import argparse
import os
import random
import sys
import time
from datetime import timedelta

# This directory after the standard library's: a script here named like a stdlib module
# (queue.py) would otherwise be imported in its place.
sys.path.append(sys.path.pop(0))

import _django

_django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from brands.models import Brand, PolicyDraft  # noqa: E402
from brands.services import policy_snapshot  # noqa: E402
from helpdesk.models import SlaClock, Ticket  # noqa: E402
from helpdesk.services.sla.clocks import clock_terms  # noqa: E402
from helpdesk.services.sla.whatif import whatif_replay  # noqa: E402

BATCH = 5000


def _clock(ticket: Ticket, kind: str, start, answered_after: timedelta | None) -> SlaClock | None:
    terms = clock_terms(ticket, kind, start)
    if terms is None:
        return None
    stopped = start + answered_after if answered_after is not None else None
    return SlaClock(
        ticket=ticket,
        kind=kind,
        mode=terms.mode,
        state=SlaClock.State.STOPPED if stopped else SlaClock.State.RUNNING,
        started_at=start,
        running_since=None if stopped else start,
        target_seconds=terms.target_seconds,
        latest_seconds=terms.latest_seconds,
        target_at=terms.target_at,
        latest_at=terms.latest_at,
        stopped_at=stopped,
        next_check_at=None if stopped else terms.target_at,
    )


def populate(brand: Brand, total: int, days: int) -> None:
    """`total` tickets over `days`, with the clocks the live policy gives them."""
    rng = random.Random(21)
    now = timezone.now()
    categories = list(brand.categories.all())
    complaint = next(c for c in categories if c.is_complaint)
    with transaction.atomic():
        for first in range(1, total + 1, BATCH):
            tickets = []
            for number in range(first, min(first + BATCH, total + 1)):
                received = now - timedelta(seconds=rng.randrange(days * 86400))
                category = complaint if number % 20 == 0 else rng.choice(categories)
                tickets.append(
                    Ticket(
                        brand=brand,
                        number=number,
                        reference=f"KS-{number:07d}",
                        subject=f"Question {number}",
                        customer_email=f"customer{number}@bench.example",
                        category=category,
                        is_urgent=number % 10 == 0,
                        language="de" if number % 9 == 0 else "en",
                        status=Ticket.Status.RESOLVED,
                        received_at=received,
                    )
                )
            Ticket.objects.bulk_create(tickets)
            clocks = []
            for ticket in tickets:
                start = ticket.received_at
                # Most answered within a day or two; a tail answered late; recent ones open.
                after = timedelta(hours=rng.choice([2, 6, 11, 20, 30, 40, 47, 60, 90]))
                answered = after if start + after < now else None
                clocks.append(_clock(ticket, SlaClock.Kind.FIRST_RESPONSE, start, answered))
                if ticket.category_id == complaint.pk:
                    clocks.append(_clock(ticket, SlaClock.Kind.COMPLAINT_PROPOSAL, start, answered))
                if answered and ticket.number % 3 == 0 and start + after * 3 < now:
                    clocks.append(
                        _clock(ticket, SlaClock.Kind.NEXT_REPLY, start + after * 2, after / 2)
                    )
            SlaClock.objects.bulk_create([clock for clock in clocks if clock])
        Brand.objects.filter(pk=brand.pk).update(ticket_sequence=total)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE helpdesk_ticket; ANALYZE helpdesk_slaclock")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=90)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("This benchmark runs on PostgreSQL (set BENCH_DATABASE_URL).")
    brand = _django.reset_helpdesk()["kendrascottes"]
    started = time.perf_counter()
    populate(brand, args.tickets, args.days)
    print(f"loaded {args.tickets:,} tickets in {time.perf_counter() - started:.1f} s")
    now = timezone.now()
    draft = PolicyDraft.objects.create(
        brand=brand,
        created_at=now,
        updated_at=now,
        snapshot=policy_snapshot(brand) | {"policy.urgent_latest_hours": "8"},
    )
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core for the replay
    started, cpu = time.perf_counter(), time.process_time()
    result = whatif_replay(draft, days=args.days)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"replayed {result['tickets']:,} tickets, {result['clocks']:,} clocks")
    # On a shared machine the wall time includes waiting for the core; the CPU time is what
    # the replay itself took of it (PostgreSQL's share of the reads runs in its own process).
    print(
        f"seconds on one core: {seconds:.2f} wall, {cpu:.2f} CPU "
        f"({result['clocks'] / seconds:,.0f} clocks/s wall)"
    )
    print("tickets breaching: live {live:,}, draft {draft:,}".format(**result["breaching_tickets"]))
    print(
        f"newly breaching: {result['newly_breaching_count']:,}, "
        f"no longer breaching: {result['no_longer_breaching_count']:,}"
    )
    for group in ("first_response", "next_reply", "urgent", "complaint"):
        sides = result["compliance"].get(group)
        hours = result["due_hours"].get(group)
        if sides and hours:
            print(
                f"{group:>15}: met live {sides['live'][0]:,}/{sides['live'][1]:,}, "
                f"draft {sides['draft'][0]:,}/{sides['draft'][1]:,}; due after median "
                f"{hours['live']['median']} -> {hours['draft']['median']} h, "
                f"p90 {hours['live']['p90']} -> {hours['draft']['p90']} h"
            )


if __name__ == "__main__":
    main()
