"""What an operator's probes and metrics read: is each part this process needs answering,
and how the promises stand across brands, in cheap aggregate queries."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import current_app
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count

from helpdesk.models import (
    Heartbeat,
    InboundEmail,
    OutboundEmail,
    SlaClock,
    breached_q,
    in_warning_q,
)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""


def database_check() -> Check:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:
        return Check("database", False, f"unreachable: {type(error).__name__}")
    return Check("database", True)


# Reading the migration graph costs far more than a probe should, every few seconds. Once this
# process has seen every migration applied, that stays true for its code: it is not read again.
_all_migrations_seen_applied = False


def migrations_check() -> Check:
    global _all_migrations_seen_applied
    if _all_migrations_seen_applied:
        return Check("migrations", True)
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as error:
        return Check("migrations", False, f"unreadable: {type(error).__name__}")
    if pending:
        return Check("migrations", False, f"{len(pending)} not applied")
    _all_migrations_seen_applied = True
    return Check("migrations", True)


def broker_check() -> Check:
    try:
        with current_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=settings.HEALTH_BROKER_TIMEOUT)
    except Exception as error:
        return Check("broker", False, f"unreachable: {type(error).__name__}")
    return Check("broker", True)


def sweep_check(now: datetime) -> Check:
    """The beat's last sweep is recent: a stalled beat silently stops every SLA clock."""
    try:
        last = (
            Heartbeat.objects.filter(name=Heartbeat.SLA_SWEEP).values_list("at", flat=True).first()
        )
    except Exception as error:
        return Check("sweep", False, f"unreadable: {type(error).__name__}")
    if last is None:
        return Check("sweep", False, "no sweep recorded yet")
    age = (now - last).total_seconds()
    if age > settings.SWEEP_STALE_SECONDS:
        return Check("sweep", False, f"last sweep {int(age)} s ago")
    return Check("sweep", True)


def readiness(now: datetime) -> list[Check]:
    """Each part this process needs; the ones after the database only when it answers."""
    database = database_check()
    if not database.ok:
        return [database, broker_check()]
    return [database, migrations_check(), broker_check(), sweep_check(now)]


@dataclass(frozen=True)
class ClockFigure:
    brand: str
    kind: str
    due: int  # in warning: running, past the target, not breached
    overdue: int  # live clocks breached


def clock_figures(now: datetime) -> list[ClockFigure]:
    """Per brand and clock kind, in one grouped query over the live clocks."""
    rows = (
        SlaClock.objects.live()
        .values("ticket__brand__slug", "kind")
        .annotate(
            due=Count("pk", filter=in_warning_q(now)),
            overdue=Count("pk", filter=breached_q(now)),
        )
        .order_by("ticket__brand__slug", "kind")
    )
    return [
        ClockFigure(row["ticket__brand__slug"], row["kind"], row["due"], row["overdue"])
        for row in rows
    ]


def outbox_figures() -> dict[str, int]:
    """Outbox rows by status (queued is the depth still to send)."""
    counts = OutboundEmail.objects.values("status").annotate(count=Count("pk"))
    return {row["status"]: row["count"] for row in counts}


def inbound_figures() -> dict[str, int]:
    counts = InboundEmail.objects.values("status").annotate(count=Count("pk"))
    return {row["status"]: row["count"] for row in counts}


def sweep_figures(now: datetime) -> tuple[float | None, float | None]:
    """Seconds since the last sweep and how long it took (None before the first)."""
    beat = Heartbeat.objects.filter(name=Heartbeat.SLA_SWEEP).first()
    if beat is None:
        return None, None
    return (now - beat.at) / timedelta(seconds=1), beat.duration_seconds
