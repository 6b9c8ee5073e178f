"""What the ticket page's side panel shows: each clock as a badge, and the choices of the
properties an agent changes in place."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from brands.selectors import brand_staff
from helpdesk.models import BREACHED, IN_WARNING, SlaClock, Ticket


def relative(moment: datetime, now: datetime) -> str:
    """ "in 3 h 20 min", "2 d 4 h ago": how far a due time is, to the nearest minute."""
    seconds = int((moment - now).total_seconds())
    minutes = abs(seconds) // 60
    if minutes == 0:
        return "now"
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days} d"] if days else []
    if hours:
        parts.append(f"{hours} h")
    if minutes and not days:
        parts.append(f"{minutes} min")
    span = " ".join(parts)
    return f"in {span}" if seconds > 0 else f"{span} ago"


def local(moment: datetime, time_zone: str) -> str:
    return f"{moment.astimezone(ZoneInfo(time_zone)):%a %d %b %H:%M %Z}"


@dataclass(frozen=True)
class ClockBadge:
    label: str
    state: str  # breached, warning, paused, on_track or done: the badge's colour
    word: str
    due_relative: str
    due_exact: str
    target_exact: str


def clock_badges(ticket: Ticket, now: datetime) -> tuple[list[ClockBadge], list[ClockBadge]]:
    """The ticket's live clocks (most pressing first), and those that are done. Red is
    breached, amber in warning, grey paused: `deadline_state`, the rule everything uses."""
    live, done = [], []
    zone = ticket.brand.time_zone
    for clock in ticket.clocks.all():
        label = clock.get_kind_display() + (f" (tier {clock.tier})" if clock.tier else "")
        exact = {
            "due_exact": local(clock.latest_at, zone),
            "target_exact": local(clock.target_at, zone),
        }
        if clock.state == SlaClock.State.STOPPED:
            met = clock.breached_at is None
            done.append(
                ClockBadge(
                    label,
                    "done",
                    "met" if met else "breached",
                    f"stopped {relative(clock.stopped_at, now)}" if clock.stopped_at else "",
                    **exact,
                )
            )
            continue
        state = clock.deadline_state(now)
        if state == BREACHED:
            kind, word = "breached", "breached"
        elif clock.state == SlaClock.State.PAUSED:
            kind, word = "paused", "paused (waiting on the customer)"
        elif state == IN_WARNING:
            kind, word = "warning", "warning: past target"
        else:
            kind, word = "on_track", "on track"
        live.append(ClockBadge(label, kind, word, relative(clock.latest_at, now), **exact))
    order = {"breached": 0, "warning": 1, "on_track": 2, "paused": 3}
    live.sort(key=lambda badge: order[badge.state])
    return live, done


def property_choices(ticket: Ticket) -> dict:
    """What each property in the side panel may be set to, for this ticket's brand."""
    brand = ticket.brand
    return {
        "statuses": Ticket.Status.choices,
        "categories": list(brand.categories.all()),
        "assignees": list(brand_staff([brand.pk])),
        "tiers": [tier for tier in brand.tiers.all() if tier.level >= ticket.tier],
    }
