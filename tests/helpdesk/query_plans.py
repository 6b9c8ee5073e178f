"""How many rows a request makes PostgreSQL read, in tables that have history but no
statistics yet (a new database, or autovacuum behind): a plan that walks through a brand's
every ticket or message shows here long before it shows in production."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.db.models import Max
from django.utils import timezone

from brands.models import Brand
from helpdesk.models import Message, OutboundEmail, Ticket


def rows_scanned(plan: dict, parent: str = "") -> int:
    """Rows an executed plan's scans read: those they returned and those their filters
    dropped, over every loop. A bitmap index scan straight under its heap scan is counted
    there (its own entries include rows other tests' transactions left dead); one combined
    with another (BitmapAnd, BitmapOr) counts its entries, or walking a whole index would
    hide behind the few rows both agree on."""
    own = 0
    node = plan["Node Type"]
    if node == "Bitmap Index Scan" and parent == "Bitmap Heap Scan":
        pass
    elif "Scan" in node:
        kept = plan["Actual Rows"] + plan.get("Rows Removed by Filter", 0)
        own = (kept + plan.get("Rows Removed by Index Recheck", 0)) * plan["Actual Loops"]
    return own + sum(rows_scanned(child, node) for child in plan.get("Plans", []))


def _plans(captured: list[dict], analyze: bool = False):
    """The plan of each captured SELECT, run again (in this transaction, so it sees the same
    rows), except those taking a sequence's next number, which running again would use up."""
    options = "ANALYZE, FORMAT JSON" if analyze else "FORMAT JSON"
    with connection.cursor() as cursor:
        for query in captured:
            sql = query["sql"].lstrip()
            if sql.startswith("SELECT") and "nextval(" not in sql:
                cursor.execute(f"EXPLAIN ({options}) {sql}")
                yield cursor.fetchone()[0][0]["Plan"]


def rows_read_by_selects(captured: list[dict]) -> int:
    """The rows the captured SELECTs' scans read, run again under EXPLAIN ANALYZE."""
    return sum(rows_scanned(plan) for plan in _plans(captured, analyze=True))


def index_columns_used(captured: list[dict], table: str) -> list[list[str]]:
    """The columns of each index on `table` that the captured SELECTs' plans use."""
    names = [name for plan in _plans(captured) for name in _index_names(plan)]
    used = []
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(
                "SELECT array_agg(a.attname ORDER BY k.n) FROM pg_index i "
                "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) "
                "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
                "WHERE i.indexrelid = %s::regclass AND i.indrelid = %s::regclass",
                [name, table],
            )
            columns = cursor.fetchone()[0]
            if columns:
                used.append(columns)
    return used


def plan_sorts(plan: dict) -> bool:
    return plan["Node Type"] == "Sort" or any(plan_sorts(child) for child in plan.get("Plans", []))


def _index_names(plan: dict) -> list[str]:
    own = [plan["Index Name"]] if plan.get("Index Name") else []
    return own + [name for child in plan.get("Plans", []) for name in _index_names(child)]


@contextmanager
def search_vectors_off() -> Iterator[None]:
    """Messages written meanwhile leave their tickets' search vectors alone: history written
    in bulk whose words nobody searches would otherwise write each ticket a second time, and
    a table never analysed is planned by its size."""
    if connection.vendor != "postgresql":
        yield
        return
    # No trigger fires for rows written meanwhile (the history's foreign keys are sound).
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        try:
            yield
        finally:
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def brand_history(brand: Brand, tickets: int) -> None:
    """Past tickets of other customers, each with its message and acknowledgement (written
    in bulk: only their number matters here)."""
    now = timezone.now()
    used = Ticket.objects.filter(brand=brand).aggregate(highest=Max("number"))["highest"] or 0
    rows = Ticket.objects.bulk_create(
        Ticket(
            brand=brand,
            number=number,
            reference=f"{brand.reference_prefix}-{number:06d}",
            subject="Order",
            customer_email=f"customer{number}@mail.example",
            received_at=now,
        )
        for number in range(used + 1, used + tickets + 1)
    )
    if connection.vendor == "postgresql":
        # Numbers written by hand: the brand's sequence moves past them, as creation would.
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(%s, %s)", [brand.ticket_number_sequence, used + tickets])
    with search_vectors_off():
        Message.objects.bulk_create(
            Message(
                ticket=ticket,
                brand=brand,
                kind=Message.Kind.INBOUND,
                body_text="Where is it?",
                message_id=f"<request-{ticket.number}@mail.example>",
                created_at=now,
            )
            for ticket in rows
        )
    OutboundEmail.objects.bulk_create(
        OutboundEmail(
            brand=brand,
            ticket=ticket,
            kind=OutboundEmail.Kind.ACKNOWLEDGEMENT,
            dedupe_key=f"acknowledgement:{ticket.pk}",
            from_email=brand.from_email,
            to=[ticket.customer_email],
            subject="We have your request",
            body_text="We will answer soon.",
            message_id=f"<ack-{ticket.number}@kendrascottes.example>",
            created_at=now,
        )
        for ticket in rows
    )
