"""The SLA sweep: fire the warnings, breaches and escalations whose time has come.

It reads only clocks whose `next_check_at` has passed (a partial index) and records each
event under a unique (clock, kind, due) constraint, so nothing fires twice.

Locks: every writer locks a ticket before its clocks (a reply, a status change, an
escalation). The sweep does the same: it first locks the tickets of the next due clocks with
SKIP LOCKED, so concurrent sweeps share the work and a ticket someone is working on is left
for the next sweep (unless that work answered the clock); only then does it lock and read
those tickets' due clocks. It never holds a clock whose ticket it does not hold, so it cannot
wait in a cycle with a reply.
"""

import logging
import time
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.db.models.functions import Least
from django.utils import timezone

from brands.promises import promise_text
from helpdesk.models import Heartbeat, OutboundEmail, SlaClock, SlaEvent, Ticket
from helpdesk.services.notices.staff import StaffDirectory, staff_alert_build, staff_alerts_save
from helpdesk.services.outbox.sending import emails_queue_many
from helpdesk.services.sla.clocks import next_check_at
from helpdesk.services.sla.tiers import next_tier, ticket_move_to_tier

logger = logging.getLogger(__name__)

WARNING_TEMPLATES = {
    SlaClock.Kind.PERIODIC_UPDATE: "staff_update_reminder",
}
DEFAULT_WARNING_TEMPLATE = "staff_warning"


def sla_sweep(now: datetime | None = None, batch_size: int | None = None) -> int:
    """Fire every deadline due at `now`, in batches; returns the number of events fired."""
    now = now or timezone.now()
    batch_size = batch_size or settings.SLA_SWEEP_BATCH_SIZE
    started = time.monotonic()
    fired = 0
    while True:
        with transaction.atomic():
            due = SlaClock.objects.filter(next_check_at__lte=now)
            claimed = [
                clock.pk
                for clock in due.select_for_update(skip_locked=True, of=("ticket",))
                .select_related("ticket")
                .only("id", "ticket__id")
                .order_by("next_check_at")[:batch_size]
            ]
            # Read again under the clocks' own locks: as they are now, not as first seen.
            batch = list(
                due.select_for_update(of=("self",))
                .select_related("ticket__brand__policy", "ticket__assignee")
                .filter(pk__in=claimed)
                .order_by("next_check_at")
            )
            fired += _fire(batch, now)
        if len(claimed) < batch_size:
            # One statement (an upsert): the probe and metrics read when it last finished.
            beat = Heartbeat(
                name=Heartbeat.SLA_SWEEP,
                at=timezone.now(),
                duration_seconds=time.monotonic() - started,
            )
            Heartbeat.objects.bulk_create(
                [beat],
                update_conflicts=True,
                unique_fields=["name"],
                update_fields=["at", "duration_seconds"],
            )
            return fired


def _fire(clocks: list[SlaClock], now: datetime) -> int:
    directory = StaffDirectory({clock.ticket.brand_id for clock in clocks})
    events: list[SlaEvent] = []
    alerts: list[OutboundEmail | None] = []
    breached: list[SlaClock] = []
    for clock in clocks:
        ticket = clock.ticket
        tier = clock.tier or ticket.tier
        if clock.warned_at is None and clock.target_at <= now:
            clock.warned_at = now
            events.append(_event(clock, SlaEvent.Kind.WARNING, clock.target_at, tier, now))
            alerts.append(
                staff_alert_build(
                    directory,
                    ticket,
                    tier=tier,
                    dedupe_key=f"warning:{clock.pk}:{clock.target_at.isoformat()}",
                    template=WARNING_TEMPLATES.get(clock.kind, DEFAULT_WARNING_TEMPLATE),
                    context=_alert_context(clock),
                )
            )
        if clock.breached_at is None and clock.latest_at <= now:
            clock.breached_at = now
            events.append(_event(clock, SlaEvent.Kind.BREACH, clock.latest_at, tier, now))
            breached.append(clock)
    SlaEvent.objects.bulk_create(events, ignore_conflicts=True)
    _save_fired(clocks, now)
    emails_queue_many([alert for alert in alerts if alert is not None])
    for clock in breached:
        _escalate_after_breach(clock, directory, now)
    staff_alerts_save(directory)
    return len(events)


def _save_fired(clocks: list[SlaClock], now: datetime) -> None:
    """Store what fired in three set-based UPDATEs (a per-row bulk_update is far slower)."""
    warned = [clock.pk for clock in clocks if clock.warned_at == now]
    breached = [clock.pk for clock in clocks if clock.breached_at == now]
    SlaClock.objects.filter(pk__in=warned).update(warned_at=now)
    SlaClock.objects.filter(pk__in=breached).update(breached_at=now)
    # The same rule as next_check_at, in SQL: the earliest deadline not yet fired.
    SlaClock.objects.filter(pk__in=[clock.pk for clock in clocks]).update(
        next_check_at=Case(
            When(
                warned_at__isnull=True,
                breached_at__isnull=True,
                then=Least("target_at", "latest_at"),
            ),
            When(breached_at__isnull=True, then=F("latest_at")),
            When(warned_at__isnull=True, then=F("target_at")),
            default=Value(None),
        )
    )
    for clock in clocks:
        clock.next_check_at = next_check_at(clock)


def _event(clock: SlaClock, kind: str, due_at: datetime, tier: int, now: datetime) -> SlaEvent:
    return SlaEvent(
        ticket_id=clock.ticket_id, clock=clock, kind=kind, due_at=due_at, tier=tier, created_at=now
    )


def _alert_context(clock: SlaClock) -> dict:
    zone = clock.ticket.brand.time_zone
    return {
        "clock": clock,
        "target": promise_text(clock.target_at, zone),
        "latest": promise_text(clock.latest_at, zone),
    }


def _escalate_after_breach(clock: SlaClock, directory: StaffDirectory, now: datetime) -> None:
    """A breach hands the ticket to the next tier; at the top tier, its group is told. The
    assignee of a ticket that moves on hears of the breach on their ticket first.
    The ticket is already locked (see the module's note); it is read again as it is now."""
    ticket = Ticket.objects.locked(clock.ticket_id)
    tier = clock.tier or ticket.tier
    higher = next_tier(ticket.brand, tier) if ticket.tier == tier else None
    if higher is None or ticket.assignee_id is not None:
        alert = staff_alert_build(
            directory,
            ticket,
            tier=ticket.tier,
            dedupe_key=f"breach:{clock.pk}:{clock.latest_at.isoformat()}",
            template="staff_breach",
            context={**_alert_context(clock), "escalated_to": higher},
        )
        if alert is not None:
            emails_queue_many([alert])
    if higher is not None:
        ticket_move_to_tier(ticket, higher, at=now, reason=f"{clock.get_kind_display()} breached")
