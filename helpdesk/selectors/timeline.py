"""A ticket's timeline: who changed what and when (the audit trail of `TicketEvent`) merged
with the warnings and breaches the sweep recorded (`SlaEvent`), oldest first.

The ticket page includes it (templates/admin/helpdesk/ticket/timeline.html) and the staff
API serves it; both find the ticket through the user's brands first.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from helpdesk.models import SlaEvent, Ticket, TicketEvent

STATUS_LABELS = dict(Ticket.Status.choices)


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    text: str
    actor_kind: str
    actor: str


def _actor_name(event: TicketEvent) -> str:
    if event.actor_kind == TicketEvent.ActorKind.AGENT:
        user = event.actor
        return (user.get_full_name() or user.get_username()) if user else "a former agent"
    if event.actor_kind == TicketEvent.ActorKind.API_KEY:
        return f"API key {event.api_key.name}" if event.api_key else "a revoked API key"
    return event.get_actor_kind_display().lower()


def _change(before: str, after: str, none: str = "none") -> str:
    return f"{before or none} → {after or none}"


def _due(stored: str) -> str:
    """A recorded instant in the zone the page or request shows times in."""
    return f"{timezone.localtime(datetime.fromisoformat(stored)):%Y-%m-%d %H:%M %Z}"


def _text(event: TicketEvent) -> str:
    kind, before, after, detail = event.kind, event.before, event.after, event.detail
    Kind = TicketEvent.Kind
    if kind == Kind.STATUS:
        text = "Status " + _change(STATUS_LABELS.get(before, before), STATUS_LABELS.get(after))
    elif kind == Kind.ASSIGNEE:
        text = f"Assigned to {after}" if after else "Unassigned"
        text += f" (was {before})" if before else ""
    elif kind == Kind.TIER:
        text = f"Escalated from tier {before} to tier {after}"
    elif kind in (Kind.CLOCK_START, Kind.CLOCK_PAUSE, Kind.CLOCK_RESUME, Kind.CLOCK_STOP):
        verb = event.get_kind_display().removeprefix("Clock ")
        return f"{detail} clock {verb}"
    elif kind == Kind.CLOCK_RECOMPUTE:
        moved = _change(_due(before), _due(after)) if before != after else "unchanged"
        return f"{detail} clock recomputed: due {moved}"
    elif kind == Kind.MERGE:
        return f"Merged into {after}" if detail == "into" else f"{after} merged into this ticket"
    else:
        text = f"{event.get_kind_display()} " + _change(before, after)
    return f"{text}: {detail}" if detail else text


def ticket_timeline(ticket: Ticket) -> list[TimelineEntry]:
    """Every recorded change and deadline event of the ticket, oldest first (two queries)."""
    entries = [
        TimelineEntry(
            event.created_at, event.kind, _text(event), event.actor_kind, _actor_name(event)
        )
        for event in TicketEvent.objects.filter(ticket=ticket).select_related("actor", "api_key")
    ]
    deadlines = SlaEvent.objects.filter(
        ticket=ticket, kind__in=[SlaEvent.Kind.WARNING, SlaEvent.Kind.BREACH]
    ).select_related("clock")
    for event in deadlines:
        passed = "target" if event.kind == SlaEvent.Kind.WARNING else "latest time"
        entries.append(
            TimelineEntry(
                event.created_at,
                event.kind,
                f"{event.get_kind_display()}: {event.clock.get_kind_display().lower()} "
                f"passed its {passed} (tier {event.tier})",
                TicketEvent.ActorKind.SYSTEM,
                "system",
            )
        )
    # Stable: events of one instant keep the order they were recorded in.
    return sorted(entries, key=lambda entry: entry.at)
