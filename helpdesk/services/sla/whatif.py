"""What a policy draft would have done to a brand's recent tickets.

Every answer clock of the last N days (first response, next reply, the complaint proposal; urgent
ones counted apart) is replayed under the draft with the same term functions live clocks use, over
the clock's stored start and stop. Only reads: no ticket, clock or event is written.

A clock's stored due time already holds its pauses (waiting on the customer): the open time
between its start and that due time, less the time it was given, is the time it stood paused.
The replay gives the draft's due time the same paused time from the same start, so a draft equal
to the live policy gives every clock exactly its live due time.
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone

from brands.calendars import clock_open_seconds
from brands.models import Brand, Category, PolicyDraft, WhatIfRun
from brands.policy_rules import PolicyRules, snapshot_rules
from helpdesk import jobs
from helpdesk.models import SlaClock, Ticket
from helpdesk.selectors.reports import percentile
from helpdesk.services.sla.clocks import clock_terms

DEFAULT_DAYS, MAX_DAYS = 90, 730
REPLAYED_KINDS = (
    SlaClock.Kind.FIRST_RESPONSE,
    SlaClock.Kind.NEXT_REPLY,
    SlaClock.Kind.COMPLAINT_PROPOSAL,
)
# How many clocks are read and replayed between two progress reports.
BATCH = 5000
# Tickets listed by name in a result (the counts cover all of them).
LISTED = 200
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
CLOCK_FIELDS = (
    "id",
    "ticket_id",
    "kind",
    "tier",
    "mode",
    "state",
    "started_at",
    "stopped_at",
    "latest_seconds",
    "latest_at",
    "ticket__reference",
    "ticket__is_urgent",
    "ticket__language",
    "ticket__category_id",
    "ticket__tier",
)


@dataclass(frozen=True)
class Replayed:
    """One clock, live and under the draft."""

    clock_id: int
    ticket_id: int
    reference: str
    group: str
    category: str
    language: str
    started_at: datetime
    live_due: datetime
    draft_due: datetime
    live_breached: bool
    draft_breached: bool


def _group(kind: str, urgent: bool) -> str:
    if kind == SlaClock.Kind.COMPLAINT_PROPOSAL:
        return "complaint"
    if urgent:
        return "urgent"
    return kind


def _breached(row: dict, due: datetime, now: datetime) -> bool:
    """Answered after the due time, or running past it now (a paused clock is not counting)."""
    if row["stopped_at"] is not None:
        return row["stopped_at"] > due
    return row["state"] == SlaClock.State.RUNNING and now >= due


def _ticket(
    brand: Brand, row: dict, category: Category | None, tickets: dict[tuple, Ticket]
) -> Ticket:
    """An unsaved ticket with what the terms read of it; shared by every row alike (a replay
    meets few combinations, and a model instance per clock would be a third of its time)."""
    key = (
        row["ticket__is_urgent"],
        row["ticket__language"],
        row["ticket__tier"],
        row["ticket__category_id"],
    )
    if key not in tickets:
        tickets[key] = Ticket(
            brand=brand,
            is_urgent=key[0],
            language=key[1],
            tier=key[2],
            category=category,
        )
    return tickets[key]


def clock_replay(
    brand: Brand,
    rules: PolicyRules,
    row: dict,
    category: Category | None,
    now: datetime,
    tickets: dict[tuple, Ticket],
) -> Replayed | None:
    """The clock of `row` (values of CLOCK_FIELDS) under `rules`; None where the draft makes no
    such promise. `tickets` holds the unsaved tickets of earlier rows (see `_ticket`)."""
    ticket = _ticket(brand, row, category, tickets)
    start = row["started_at"]
    terms = clock_terms(ticket, row["kind"], start, tier=row["tier"], rules=rules)
    if terms is None:
        return None
    live_due = row["latest_at"]
    open_to_due = clock_open_seconds(brand, row["mode"], start, live_due)
    paused = max(open_to_due - row["latest_seconds"], 0)
    draft_due = (
        rules.deadline(terms.mode, start, terms.latest_seconds + paused)
        if paused
        else terms.latest_at
    )
    return Replayed(
        clock_id=row["id"],
        ticket_id=row["ticket_id"],
        reference=row["ticket__reference"],
        group=_group(row["kind"], terms.is_urgent),
        category=category.name if category else "(none)",
        language=(row["ticket__language"] or brand.default_language).split("-")[0].lower(),
        started_at=start,
        live_due=live_due,
        draft_due=draft_due,
        live_breached=_breached(row, live_due, now),
        draft_breached=_breached(row, draft_due, now),
    )


def recent_clocks(brand: Brand, *, days: int, now: datetime) -> QuerySet[SlaClock]:
    """The answer clocks of the brand's tickets received in the last `days`."""
    return SlaClock.objects.filter(
        ticket__brand=brand,
        ticket__received_at__gte=now - timedelta(days=days),
        kind__in=REPLAYED_KINDS,
    )


def replay_clocks(
    brand: Brand,
    snapshot: dict[str, Any],
    clocks: QuerySet[SlaClock],
    *,
    now: datetime,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> Iterator[Replayed]:
    """Replay `clocks` (the brand's, of REPLAYED_KINDS) under `snapshot`."""
    rules = snapshot_rules(snapshot, with_targets=False)
    categories = {category.pk: category for category in brand.categories.all()}
    tickets: dict[tuple, Ticket] = {}
    total = clocks.count()
    progress(0, total)
    rows = clocks.order_by().values(*CLOCK_FIELDS).iterator(chunk_size=BATCH)
    for done, row in enumerate(rows, start=1):
        category = categories.get(row["ticket__category_id"])
        replayed = clock_replay(brand, rules, row, category, now, tickets)
        if replayed is not None:
            yield replayed
        if done % BATCH == 0:
            progress(done, total)
    progress(total, total)


def breaching_at_once(brand: Brand, snapshot: dict[str, Any], *, now: datetime) -> int:
    """Open tickets whose running answer clocks would be past due at once under `snapshot`,
    and are not under the live policy."""
    running = SlaClock.objects.filter(
        ticket__brand=brand, kind__in=REPLAYED_KINDS, state=SlaClock.State.RUNNING
    )
    replayed = replay_clocks(brand, snapshot, running, now=now)
    return len({c.ticket_id for c in replayed if c.draft_breached and not c.live_breached})


def _hours(seconds: list[float]) -> dict[str, float | None]:
    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value / 3600, 1)

    return {"median": rounded(percentile(seconds, 0.5)), "p90": rounded(percentile(seconds, 0.9))}


def _met(counts: Counter, key: str) -> list[int]:
    return [counts[(key, "met")], counts[(key, "met")] + counts[(key, "breached")]]


def whatif_summary(
    brand: Brand, replayed: Iterator[Replayed], *, days: int, now: datetime
) -> dict[str, Any]:
    """Live against draft: compliance per promise, category and language; the tickets that
    would newly breach or no longer breach; due times; when clocks fall due in the week."""
    zone = ZoneInfo(brand.time_zone)
    counts = {"live": Counter(), "draft": Counter()}
    due_seconds = {"live": defaultdict(list), "draft": defaultdict(list)}
    week_hours = {"live": Counter(), "draft": Counter()}
    live_tickets, draft_tickets, references = set(), set(), {}
    clocks = 0
    for clock in replayed:
        clocks += 1
        references[clock.ticket_id] = clock.reference
        for side, due, breached in (
            ("live", clock.live_due, clock.live_breached),
            ("draft", clock.draft_due, clock.draft_breached),
        ):
            outcome = "breached" if breached else "met"
            for key in (clock.group, f"category:{clock.category}", f"language:{clock.language}"):
                counts[side][(key, outcome)] += 1
            due_seconds[side][clock.group].append((due - clock.started_at).total_seconds())
            if side == "live" or due != clock.live_due:
                local = due.astimezone(zone)
            week_hours[side][(local.weekday(), local.hour)] += 1
            if breached:
                (live_tickets if side == "live" else draft_tickets).add(clock.ticket_id)

    def listed(ids: set[int]) -> list[dict[str, Any]]:
        ordered = sorted(ids, key=lambda pk: references[pk])
        return [{"id": pk, "reference": references[pk]} for pk in ordered[:LISTED]]

    keys = sorted({key for side in counts.values() for key, _ in side})
    newly, no_longer = draft_tickets - live_tickets, live_tickets - draft_tickets
    return {
        "days": days,
        "since": (now - timedelta(days=days)).isoformat(),
        "until": now.isoformat(),
        "clocks": clocks,
        "tickets": len(references),
        "breaching_tickets": {"live": len(live_tickets), "draft": len(draft_tickets)},
        "newly_breaching_count": len(newly),
        "newly_breaching": listed(newly),
        "no_longer_breaching_count": len(no_longer),
        "no_longer_breaching": listed(no_longer),
        "compliance": {
            key: {"live": _met(counts["live"], key), "draft": _met(counts["draft"], key)}
            for key in keys
        },
        "due_hours": {
            group: {side: _hours(due_seconds[side][group]) for side in ("live", "draft")}
            for group in sorted(due_seconds["live"].keys() | due_seconds["draft"].keys())
        },
        "due_by_week_hour": {
            side: {
                f"{WEEKDAYS[day]} {hour:02d}:00": count
                for (day, hour), count in sorted(week_hours[side].items())
            }
            for side in ("live", "draft")
        },
    }


def whatif_replay(
    draft: PolicyDraft,
    *,
    days: int = DEFAULT_DAYS,
    now: datetime | None = None,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> dict[str, Any]:
    now = now or timezone.now()
    brand = draft.brand
    clocks = replay_clocks(
        brand, draft.snapshot, recent_clocks(brand, days=days, now=now), now=now, progress=progress
    )
    return whatif_summary(brand, clocks, days=days, now=now)


def whatif_run_start(draft: PolicyDraft, *, days: int, user: AbstractBaseUser | None) -> WhatIfRun:
    """A run row for the task to fill in; the page polls it for progress."""
    run = WhatIfRun.objects.create(
        draft=draft, started_by=user, days=days, created_at=timezone.now()
    )
    jobs.enqueue_on_commit("whatif_run", run.pk)
    return run


def whatif_run_execute(run_id: int) -> str:
    """Replay a run's draft and store the result on the run; a run already done is left."""
    run = WhatIfRun.objects.select_related("draft__brand").filter(pk=run_id).first()
    if run is None or run.status == WhatIfRun.Status.DONE:
        return "skipped"
    WhatIfRun.objects.filter(pk=run.pk).update(status=WhatIfRun.Status.RUNNING)

    def progress(done: int, total: int) -> None:
        WhatIfRun.objects.filter(pk=run.pk).update(done_count=done, total_count=total)

    try:
        result = whatif_replay(run.draft, days=run.days, progress=progress)
    except Exception:
        WhatIfRun.objects.filter(pk=run.pk).update(
            status=WhatIfRun.Status.FAILED, finished_at=timezone.now()
        )
        raise
    WhatIfRun.objects.filter(pk=run.pk).update(
        status=WhatIfRun.Status.DONE, result=result, finished_at=timezone.now()
    )
    return "done"
