"""How fast the staff search answers on PostgreSQL, and how big its index is.

Bulk-writes 100,000 tickets with 500,000 messages (two brands; words drawn from a helpdesk
vocabulary with a long tail, some tickets in French, Spanish or German, order numbers), builds
the search vectors, then times the search as the ticket list and the staff API run it (a page
of 50 best matches among an agent's brands, then the snippets of that page) for one-word and
two-word queries of common, middling and rare words, and an exact reference. Prints p50 and
p95 in milliseconds and the GIN index's size. The goal: p95 under 50 ms.

    python bench/search.py [--tickets 100000] [--messages-per-ticket 5] [--runs 5]
"""

import argparse
import statistics
import time

import _django

_django.setup()

from _bulk import percentile, search_triggers_off, search_vectors_build  # noqa: E402
from _vocabulary import FOREIGN, WORDS  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402

from brands.models import Brand, BrandMembership  # noqa: E402
from helpdesk.selectors.search import search_snippets, tickets_search  # noqa: E402
from helpdesk.selectors.staff import tickets_for_user  # noqa: E402


def reset() -> tuple[list[Brand], object]:
    brands = list(_django.reset_helpdesk().values())
    agent, _ = get_user_model().objects.get_or_create(
        username="bench-agent", defaults={"email": "agent@bench.example", "is_staff": True}
    )
    for brand in brands:
        BrandMembership.objects.get_or_create(user=agent, brand=brand, role="agent")
    return brands, agent


def populate(brands: list[Brand], tickets: int, per_ticket: int) -> float:
    """Tickets and messages by SQL (the message trigger off), then every vector in one
    statement, as the migration's backfill does. Returns the seconds it took."""
    started = time.perf_counter()
    words = "{" + ",".join(WORDS) + "}"
    with connection.cursor() as cursor:
        search_triggers_off(cursor)
        for brand in brands:
            share = tickets // len(brands)
            cursor.execute(
                """
                INSERT INTO helpdesk_ticket (brand_id, number, reference, subject,
                    customer_email, customer_name, is_urgent, language, needs_translation,
                    order_number, order_numbers, status, tier, is_incomplete,
                    status_link_version, received_at, created_at, updated_at)
                SELECT %(brand)s, n, %(prefix)s || '-' || lpad(n::text, 6, '0'),
                    initcap(w[1 + (n * 7) %% 40]) || ' ' || w[1 + (n * 13) %% 120],
                    'customer' || n || '@mail.example', 'Customer ' || n, false,
                    (ARRAY['', '', '', '', '', '', 'fr', 'es', 'de', 'en'])[1 + n %% 10],
                    false, (100000 + n)::text, jsonb_build_array((100000 + n)::text),
                    'open', 1, false, 0,
                    now() - n * interval '1 minute', now(), now()
                FROM generate_series(1, %(share)s) AS n, (SELECT %(words)s::text[] AS w) v
                """,
                {
                    "brand": brand.pk,
                    "prefix": brand.reference_prefix,
                    "share": share,
                    "words": words,
                },
            )
            cursor.execute(
                "UPDATE brands_brand SET ticket_sequence = %s WHERE id = %s", [share, brand.pk]
            )
        # Each message: 20 to 59 words, drawn with a skew towards the head of the list; a
        # tenth of the tickets' messages carry words of the ticket's language.
        cursor.execute(
            """
            INSERT INTO helpdesk_message (ticket_id, brand_id, kind, sender_email, sender_name,
                body_text, body_html, new_text, message_id, esp_message_id, in_reply_to,
                "references", delivery_status, delivery_detail, proposes_resolution,
                created_at)
            SELECT t.id, t.brand_id, CASE WHEN m = 1 THEN 'inbound'
                    WHEN m %% 2 = 0 THEN 'outbound' ELSE 'inbound' END,
                t.customer_email, '',
                (SELECT string_agg(
                    v.w[1 + g * 0 + floor(power(random(), 2.5) * array_length(v.w, 1))::int], ' ')
                 FROM generate_series(1, 20 + (t.id * m) %% 40) g
                 WHERE g > 0 * t.id) || CASE t.language
                    WHEN 'fr' THEN ' %(fr)s' WHEN 'es' THEN ' %(es)s' WHEN 'de' THEN ' %(de)s'
                    ELSE '' END,
                '', '', '', '', '', '', '', '', false,
                t.received_at + m * interval '1 hour'
            FROM helpdesk_ticket t, generate_series(1, %(per_ticket)s) m,
                (SELECT %(words)s::text[] AS w) v
            """.replace("%(fr)s", FOREIGN["fr"])
            .replace("%(es)s", FOREIGN["es"])
            .replace("%(de)s", FOREIGN["de"]),
            {"per_ticket": per_ticket, "words": words},
        )
        search_vectors_build(cursor)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE helpdesk_ticket")
        cursor.execute("VACUUM ANALYZE helpdesk_message")
    return time.perf_counter() - started


def page_ms(agent, query: str) -> tuple[float, float, int]:
    """One result page as admin and the API read it: the page query, then its snippets."""
    started = time.perf_counter()
    page = list(tickets_search(tickets_for_user(agent), query)[:50])
    found = time.perf_counter()
    search_snippets(page, query)
    done = time.perf_counter()
    return (found - started) * 1000, (done - started) * 1000, len(page)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--messages-per-ticket", type=int, default=5)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="measure the data already loaded")
    args = parser.parse_args()
    connection.ensure_connection()
    connection.connection.autocommit = True
    if args.reuse:
        agent, seconds = get_user_model().objects.get(username="bench-agent"), 0.0
    else:
        brands, agent = reset()
        seconds = populate(brands, args.tickets, args.messages_per_ticket)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM helpdesk_ticket")
        tickets = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM helpdesk_message")
        messages = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_relation_size('helpdesk_ticket_search_gin'))")
        index_size = cursor.fetchone()[0]
        cursor.execute("SELECT reference FROM helpdesk_ticket ORDER BY id DESC LIMIT 1")
        reference = cursor.fetchone()[0]
    print(f"{tickets:,} tickets, {messages:,} messages loaded in {seconds:.0f} s")
    print(f"search index (GIN on the tickets' vectors): {index_size}")
    common, middling, rare = WORDS[:8], WORDS[60:68], WORDS[-8:]
    groups = {
        "one word": [*common, *middling, *rare, "commande", "109999"],
        "two words": [
            f"{a} {b}"
            for a, b in zip([*common, *middling, *rare], [*middling, *rare, *common], strict=True)
        ],
        "reference": [reference, reference.lower()],
    }
    print(f"{'query':<10} {'page p50':>9} {'page p95':>9} {'+snippets p50':>14} {'p95':>7}")
    for name, queries in groups.items():
        pages, with_snippets = [], []
        for query in queries:
            page_ms(agent, query)  # warm the caches this query touches
            for _ in range(args.runs):
                page, total, _rows = page_ms(agent, query)
                pages.append(page)
                with_snippets.append(total)
        print(
            f"{name:<10} {statistics.median(pages):>8.1f} {percentile(pages, 0.95):>9.1f} "
            f"{statistics.median(with_snippets):>14.1f} {percentile(with_snippets, 0.95):>7.1f}"
        )


if __name__ == "__main__":
    main()
