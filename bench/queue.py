"""How fast an agent's pages answer with 1,000,000 tickets and 3,000,000 messages.

Bulk-writes the tickets of two brands (statuses, tiers, urgency, assignees, languages and
order numbers spread as in a long-lived helpdesk; the open ones with running or paused
clocks, some breached) and three messages each, by SQL into the scratch database, then
builds the search vectors and statistics. Then, through Django's test client against that
database, as an agent of one brand and as an owner who also works both brands, it requests
the ticket list (plain, each filter, each sortable column both ways), the queue, search (one
word, two words, a reference), a ticket's page and the staff API's list (plain and with
`q`), and prints p50 and p95 in milliseconds and the queries each made. The goal: p95 under 200 ms.

    python bench/queue.py [--tickets 1000000] [--messages-per-ticket 3] [--runs 7]
"""

import argparse
import logging
import os
import statistics
import time

os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import _django

_django.setup()

from _bulk import percentile, search_triggers_off, search_vectors_build  # noqa: E402
from _vocabulary import WORDS  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from brands.models import Brand, BrandMembership  # noqa: E402
from helpdesk.admin.tickets import TicketAdmin  # noqa: E402
from helpdesk.models import Tag, Ticket  # noqa: E402
from helpdesk.selectors.saved_views import SAVED_VIEWS  # noqa: E402


def people(brands: list[Brand]) -> dict[str, object]:
    """An agent of the first brand; an owner of both who also works them as a senior; and
    the agents tickets are assigned to."""
    users = get_user_model().objects
    agent, _ = users.get_or_create(username="bench-agent", defaults={"is_staff": True})
    owner, _ = users.get_or_create(username="bench-owner", defaults={"is_staff": True})
    BrandMembership.objects.get_or_create(user=agent, brand=brands[0], role="agent")
    for brand in brands:
        BrandMembership.objects.get_or_create(user=owner, brand=brand, role="owner")
        BrandMembership.objects.get_or_create(user=owner, brand=brand, role="senior")
    for n in range(5):
        colleague, _ = users.get_or_create(username=f"bench-colleague{n}")
        for brand in brands:
            BrandMembership.objects.get_or_create(user=colleague, brand=brand, role="agent")
    return {"agent": agent, "owner": owner}


def tag_and_assign(brand: Brand, agent) -> dict[str, int]:
    """A rare tag (25 tickets) and a common one (a tenth of the brand's tickets), and 30 open
    tickets for the measured agent: their saved view "mine" holds a few among a million.
    Done once per database; returns the tags' ids by name."""
    tags = {}
    with connection.cursor() as cursor:
        for name, every in (("vip", 20_000), ("gift", 10)):
            tag, created = Tag.objects.get_or_create(brand=brand, name=name)
            tags[name] = tag.pk
            if created:
                cursor.execute(
                    "INSERT INTO helpdesk_ticket_tags (ticket_id, tag_id) SELECT id, %s "
                    "FROM helpdesk_ticket WHERE brand_id = %s AND number %% %s = 0",
                    [tag.pk, brand.pk, every],
                )
        if not Ticket.objects.filter(assignee=agent).exists():
            cursor.execute(
                "UPDATE helpdesk_ticket SET assignee_id = %s WHERE id IN (SELECT id FROM "
                "helpdesk_ticket WHERE brand_id = %s AND status = 'open' ORDER BY id LIMIT 30)",
                [agent.pk, brand.pk],
            )
        cursor.execute("ANALYZE helpdesk_ticket_tags")
    return tags


def populate(brands: list[Brand], tickets: int, per_ticket: int, assignees: list[int]) -> float:
    started = time.perf_counter()
    words = "{" + ",".join(WORDS) + "}"
    with connection.cursor() as cursor:
        search_triggers_off(cursor)
        share = tickets // len(brands)
        for brand in brands:
            # Newest first by number; a ticket every ~minute over two years. Statuses: most
            # are done; a quarter open, new or waiting. A tenth at tier 2, a twentieth urgent,
            # a third unassigned.
            cursor.execute(
                """
                INSERT INTO helpdesk_ticket (brand_id, number, reference, subject,
                    customer_email, customer_name, is_urgent, language, needs_translation,
                    order_number, order_numbers, status, tier, assignee_id, is_incomplete,
                    status_link_version, received_at, created_at, updated_at)
                SELECT %(brand)s, n, %(prefix)s || '-' || lpad(n::text, 7, '0'),
                    initcap(w[1 + (n * 7) %% 40]) || ' ' || w[1 + (n * 13) %% 120],
                    'customer' || (n %% 300000) || '@mail.example', 'Customer ' || n,
                    n %% 20 = 0, (ARRAY['', '', '', '', '', '', '', 'fr', 'es', 'de'])[1 + n %% 10],
                    false, (1000000 + n)::text, jsonb_build_array((1000000 + n)::text),
                    CASE WHEN n > %(share)s * 0.75 THEN
                        (ARRAY['new', 'open', 'open', 'waiting'])[1 + n %% 4]
                    ELSE (ARRAY['resolved', 'closed'])[1 + n %% 2] END,
                    CASE WHEN n %% 10 = 0 THEN 2 ELSE 1 END,
                    CASE WHEN n %% 3 = 0 THEN NULL
                        ELSE (%(assignees)s::bigint[])[1 + n %% %(people)s] END,
                    false, 0,
                    now() - (%(share)s - n) * interval '1 minute', now(), now()
                FROM generate_series(1, %(share)s) AS n, (SELECT %(words)s::text[] AS w) v
                """,
                {
                    "brand": brand.pk,
                    "prefix": brand.reference_prefix,
                    "share": share,
                    "words": words,
                    "assignees": assignees,
                    "people": len(assignees),
                },
            )
            cursor.execute(
                "UPDATE brands_brand SET ticket_sequence = %s WHERE id = %s", [share, brand.pk]
            )
        # A first-response clock on each ticket not done: running (a tenth past latest, a
        # tenth past target), or paused while it waits on the customer.
        cursor.execute(
            """
            INSERT INTO helpdesk_slaclock (ticket_id, kind, tier, mode, state, started_at,
                target_seconds, latest_seconds, elapsed_seconds, running_since, target_at,
                latest_at, next_check_at)
            SELECT t.id, 'first_response', t.tier, 'business',
                CASE WHEN t.status = 'waiting' THEN 'paused' ELSE 'running' END,
                t.received_at, 86400, 172800, 0,
                CASE WHEN t.status = 'waiting' THEN NULL ELSE t.received_at END,
                d.due - interval '1 day', d.due, d.due - interval '1 day'
            FROM helpdesk_ticket t,
                LATERAL (SELECT now() + ((t.id % 10) - 1) * interval '7 hours'
                    + (t.id % 97) * interval '1 minute' AS due) d
            WHERE t.status NOT IN ('resolved', 'closed')
            """
        )
        # Each ticket's next due instant, as the clock service keeps it: its running clock's.
        cursor.execute(
            """
            UPDATE helpdesk_ticket t SET next_due_at = c.latest_at FROM helpdesk_slaclock c
            WHERE c.ticket_id = t.id AND c.state = 'running'
            """
        )
        # Messages: the customer's, our answer, the customer again; 8 to 27 words each.
        cursor.execute(
            """
            INSERT INTO helpdesk_message (ticket_id, brand_id, kind, sender_email, sender_name,
                body_text, body_html, new_text, message_id, esp_message_id, in_reply_to,
                "references", delivery_status, delivery_detail, proposes_resolution,
                created_at)
            SELECT t.id, t.brand_id, CASE WHEN m %% 2 = 0 THEN 'outbound' ELSE 'inbound' END,
                t.customer_email, '',
                (SELECT string_agg(
                    v.w[1 + g * 0 + floor(power(random(), 2.5) * array_length(v.w, 1))::int],
                    ' ')
                 FROM generate_series(1, 8 + (t.id * m) %% 20) g),
                '', '', '', '', '', '', '', '', false,
                t.received_at + m * interval '1 hour'
            FROM helpdesk_ticket t, generate_series(1, %(per_ticket)s) m,
                (SELECT %(words)s::text[] AS w) v
            """,
            {"per_ticket": per_ticket, "words": words},
        )
        search_vectors_build(cursor)
        for table in ("helpdesk_ticket", "helpdesk_message", "helpdesk_slaclock"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return time.perf_counter() - started


def pages(
    brands: list[Brand], ticket_id: int, reference: str, tags: dict[str, int]
) -> dict[str, str]:
    tickets = "/admin/helpdesk/ticket/"
    api = "/api/v1/staff/tickets/"
    listed = {
        "list": tickets,
        "list page 3": f"{tickets}?p=3",
        "queue (mine)": f"{tickets}?queue=mine",
        "queue page": f"{tickets}queue/",
        "filter brand": f"{tickets}?brand__id__exact={brands[0].pk}",
        "filter status open": f"{tickets}?status__exact=open",
        "filter urgent": f"{tickets}?is_urgent__exact=1",
        "filter tier 2": f"{tickets}?tier__exact=2",
        "filter breached": f"{tickets}?sla=breached",
        "filter due soon": f"{tickets}?sla=due_soon",
        **{f"view {view}": f"{tickets}?view={view}" for view, _label in SAVED_VIEWS},
        **{f"tag {name}": f"{tickets}?tag={pk}" for name, pk in tags.items()},
    }
    # Each sortable column, both ways (the list's columns are counted after its checkbox).
    columns = ["action_checkbox", *TicketAdmin.list_display]
    received = columns.index("received")
    for column in TicketAdmin.sortable_by:
        listed[f"sort by {column}"] = f"{tickets}?o={columns.index(column)}"
        listed[f"sort by {column} desc"] = f"{tickets}?o=-{columns.index(column)}"
    return {
        **listed,
        "search one word": f"{tickets}?q=necklace",
        "search two words": f"{tickets}?q=clasp+broken",
        "search reference": f"{tickets}?q={reference}",
        "search order number": f"{tickets}?q=1000042",
        # Sorted by a column, every match in that order: a common word, and a rare one (one
        # customer's name), which no index walk in received order should have to look for.
        "search one word, by received": f"{tickets}?q=necklace&o=-{received}",
        "search rare word, by received": f"{tickets}?q=123456&o=-{received}",
        "ticket page": f"{tickets}{ticket_id}/change/",
        "api list": api,
        "api list open, due": f"{api}?status=open&ordering=due",
        **{
            f"api ordering {way}{field}": f"{api}?ordering={way}{field}"
            for field in ("created", "updated", "due", "tier", "status", "reference")
            for way in ("", "-")
        },
        "api q one word": f"{api}?q=necklace",
        "api q reference": f"{api}?q={reference}",
        "api q one word, by created": f"{api}?q=necklace&ordering=-created",
        "api q rare word, by created": f"{api}?q=123456&ordering=-created",
    }


def measure(client: Client, url: str, runs: int) -> tuple[float, float, int, int]:
    client.get(url)  # warm
    times, queries, status = [], 0, 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        queries, status = len(captured), response.status_code
    return statistics.median(times), percentile(times, 0.95), queries, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--messages-per-ticket", type=int, default=3)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="measure the data already loaded")
    parser.add_argument("--only", default="", help="measure only pages whose name has this")
    args = parser.parse_args()
    logging.disable(logging.INFO)  # each login's access log line, not figures
    connection.ensure_connection()
    connection.connection.autocommit = True
    if args.reuse:
        brands = list(Brand.objects.order_by("pk"))
    else:
        brands = sorted(_django.reset_helpdesk().values(), key=lambda brand: brand.pk)
    users = people(brands)
    if not args.reuse:
        assignees = list(
            get_user_model()
            .objects.filter(username__startswith="bench-colleague")
            .values_list("pk", flat=True)
        )
        seconds = populate(brands, args.tickets, args.messages_per_ticket, assignees)
        print(f"loaded in {seconds:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM helpdesk_ticket")
        count = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM helpdesk_message")
        messages = cursor.fetchone()[0]
        cursor.execute(
            "SELECT id, reference FROM helpdesk_ticket WHERE brand_id = %s "
            "AND status = 'open' ORDER BY id DESC LIMIT 1",
            [brands[0].pk],
        )
        ticket_id, reference = cursor.fetchone()
    print(f"{count:,} tickets, {messages:,} messages, {len(brands)} brands")
    print(f"{'page':<24} {'who':<6} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'status':>7}")
    tags = tag_and_assign(brands[0], users["agent"])
    for name, url in pages(brands, ticket_id, reference, tags).items():
        if args.only not in name:
            continue
        for who, user in users.items():
            client = Client()
            client.force_login(user)
            p50, p95, queries, status = measure(client, url, args.runs)
            flag = "" if p95 < 200 else "  over 200 ms"
            print(f"{name:<24} {who:<6} {p50:>8.1f} {p95:>8.1f} {queries:>8} {status:>7}{flag}")


if __name__ == "__main__":
    main()
