"""How long one SLA sweep takes, and how many queries, as the number of open tickets grows.

Bulk-creates open tickets with running first-response clocks (10,000 and 100,000; 1,000,000
with --full) of which 1,000 are due (their target has passed: a warning and a staff alert
each), then runs one sweep and prints its time and query count. PostgreSQL only: that is
what the targets are for (one sweep at 1,000,000 open tickets under 1 second, and time and
query count that do not grow with the number of open tickets).

    python bench/sla_sweep.py [--full] [--due 1000]
"""

import argparse
import statistics
import time

import _django

_django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from brands.models import Brand, BrandMembership  # noqa: E402
from helpdesk.models import OutboundEmail, SlaClock, SlaEvent, Ticket  # noqa: E402
from helpdesk.services.sla.sweep import sla_sweep  # noqa: E402


def reset() -> Brand:
    brand = _django.reset_helpdesk()["kendrascottes"]
    user, _ = get_user_model().objects.get_or_create(
        username="bench-agent", defaults={"email": "agent@bench.example", "is_staff": True}
    )
    BrandMembership.objects.get_or_create(user=user, brand=brand, role="agent")
    return brand


def populate(brand: Brand, total: int, due: int) -> None:
    """Insert `total` open tickets with a running clock each, `due` of them past target."""
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO helpdesk_ticket (brand_id, number, reference, subject, customer_email,
                customer_name, is_urgent, language, needs_translation, order_number, status,
                tier, is_incomplete, status_link_version, received_at, created_at, updated_at)
            SELECT %(brand)s, n, 'KS-' || lpad(n::text, 7, '0'), 'Question ' || n,
                'customer' || n || '@bench.example', '', false, '', false, '', 'new', 1, false,
                0, %(now)s, %(now)s, %(now)s
            FROM generate_series(1, %(total)s) AS n
            """,
            {"brand": brand.pk, "total": total, "now": now},
        )
        # The due ones passed their target a minute ago; the rest are due in days.
        cursor.execute(
            """
            INSERT INTO helpdesk_slaclock (ticket_id, kind, mode, state, started_at,
                target_seconds, latest_seconds, elapsed_seconds, running_since,
                target_at, latest_at, next_check_at)
            SELECT t.id, 'first_response', 'business', 'running', %(now)s, 86400, 172800, 0,
                %(now)s, c.target, c.target + interval '1 day', c.target
            FROM helpdesk_ticket t,
                LATERAL (SELECT CASE WHEN t.number <= %(due)s
                    THEN %(now)s - interval '1 minute'
                    ELSE %(now)s + interval '1 day' + (t.number %% 1000) * interval '1 minute'
                END AS target) c
            """,
            {"now": now, "due": due},
        )
        cursor.execute(f"UPDATE brands_brand SET ticket_sequence = {total} WHERE id = {brand.pk}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE helpdesk_ticket; ANALYZE helpdesk_slaclock")


def measure(brand: Brand, total: int, due: int) -> tuple[float, int, int]:
    populate(brand, total, due)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        fired = sla_sweep()
        elapsed = time.perf_counter() - started
    assert fired == due, f"fired {fired}, expected {due}"
    assert SlaEvent.objects.count() == due
    assert OutboundEmail.objects.count() == due
    return elapsed, len(queries.captured_queries), fired


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="also run 1,000,000 open tickets")
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("This benchmark runs on PostgreSQL (set BENCH_DATABASE_URL).")
    sizes = [10_000, 100_000] + ([1_000_000] if args.full else [])
    print(f"one sweep with {args.due} due clocks (median of {args.repeat} runs)")
    print(f"{'open tickets':>14} {'seconds':>9} {'queries':>8}")
    for size in sizes:
        runs = []
        for _ in range(args.repeat):
            runs.append(measure(reset(), size, args.due))
        seconds = statistics.median(run[0] for run in runs)
        print(f"{size:>14,} {seconds:>9.3f} {runs[-1][1]:>8}")
    assert Ticket.objects.filter(clocks__kind=SlaClock.Kind.FIRST_RESPONSE).exists()


if __name__ == "__main__":
    main()
