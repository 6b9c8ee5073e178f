"""SLA clocks: what each promise gives a ticket, and how clocks start, pause, resume and stop."""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery

from brands.calendars import clock_deadline, clock_open_seconds
from brands.models import Brand, Category, SlaPolicy
from brands.policy_rules import PolicyRules, policy_rules
from brands.services import policy_version_current
from helpdesk.business_time import (
    add_business_days,
    business_time_between,
)
from helpdesk.models import SlaClock, Ticket, TicketEvent
from helpdesk.services.audit import SYSTEM, Actor, ticket_event_record


@dataclass(frozen=True)
class ClockTerms:
    """A clock as it would start: its durations, with every extension, and its due instants."""

    kind: str
    mode: str
    started_at: datetime
    target_seconds: int
    latest_seconds: int
    target_at: datetime | None  # None only in a replay (PolicyRules.with_targets)
    latest_at: datetime
    is_urgent: bool
    language_extension_hours: Decimal
    peak_extension_hours: Decimal


def hours_to_seconds(hours: Decimal) -> int:
    return int(Decimal(hours) * 3600)


# A brand's live settings, or the rules of a policy snapshot (a draft's replay).
Rules = Brand | PolicyRules


def _rules(brand: Rules) -> PolicyRules:
    return brand if isinstance(brand, PolicyRules) else policy_rules(brand)


def language_is_foreign(brand: Rules, language: str) -> bool:
    """True when `language` differs from the one the brand answers in ("en-US" counts as "en")."""
    primary = language.strip().lower().split("-")[0].split("_")[0]
    return bool(primary) and primary != brand.default_language.lower().split("-")[0]


def peak_extension_hours(brand: Rules, at: datetime) -> Decimal:
    """The extension of the peak period `at` falls in, by the brand's local date (0 if none).

    Overlapping periods do not stack: the largest extension applies.
    """
    local_day = at.astimezone(ZoneInfo(brand.time_zone)).date()
    peaks = _rules(brand).peak_periods
    extensions = [
        peak.extension_hours for peak in peaks if peak.starts_on <= local_day <= peak.ends_on
    ]
    return max(extensions, default=Decimal(0))


def _terms(
    rules: PolicyRules,
    *,
    kind: str,
    mode: str,
    start: datetime,
    target_hours: Decimal,
    latest_hours: Decimal,
    is_urgent: bool = False,
    language: str = "",
) -> ClockTerms:
    language_extension = (
        rules.policy.language_extension_hours
        if language_is_foreign(rules, language)
        else Decimal(0)
    )
    peak_extension = peak_extension_hours(rules, start)
    extension = language_extension + peak_extension
    target_seconds = hours_to_seconds(target_hours + extension)
    latest_seconds = hours_to_seconds(latest_hours + extension)
    return ClockTerms(
        kind=kind,
        mode=mode,
        started_at=start,
        target_seconds=target_seconds,
        latest_seconds=latest_seconds,
        target_at=rules.deadline(mode, start, target_seconds) if rules.with_targets else None,
        latest_at=rules.deadline(mode, start, latest_seconds),
        is_urgent=is_urgent,
        language_extension_hours=language_extension,
        peak_extension_hours=peak_extension,
    )


def warning_hours(policy: SlaPolicy, latest_hours: Decimal) -> Decimal:
    """Where a promise gives one number, the warning fires at a share of it."""
    return latest_hours * policy.warning_percent / 100


def first_response_terms(
    brand: Rules,
    *,
    received_at: datetime,
    is_urgent: bool = False,
    language: str = "",
    category: Category | None = None,
) -> ClockTerms:
    """The first-response clock a ticket received at `received_at` gets under the brand's policy.

    Ticket creation and `sla_preview` both call this, so a preview is what a ticket would get.
    """
    rules = _rules(brand)
    policy = rules.policy
    return _answer_terms(
        rules,
        kind=SlaClock.Kind.FIRST_RESPONSE,
        start=received_at,
        hours=(policy.first_response_target_hours, policy.first_response_latest_hours),
        urgent_latest_hours=policy.urgent_latest_hours,
        is_urgent=is_urgent or bool(category and rules.category_urgent(category)),
        language=language,
    )


def next_reply_terms(
    brand: Rules,
    *,
    received_at: datetime,
    is_urgent: bool = False,
    language: str = "",
    category: Category | None = None,
) -> ClockTerms:
    """The clock a customer's later message starts once we have answered: the brand's reply
    targets (by default the first-response numbers), urgent and language rules alike."""
    rules = _rules(brand)
    policy = rules.policy
    return _answer_terms(
        rules,
        kind=SlaClock.Kind.NEXT_REPLY,
        start=received_at,
        hours=policy.next_reply_hours(),
        urgent_latest_hours=policy.next_reply_urgent_hours(),
        is_urgent=is_urgent or bool(category and rules.category_urgent(category)),
        language=language,
    )


def _answer_terms(
    rules: PolicyRules,
    *,
    kind: str,
    start: datetime,
    hours: tuple[Decimal, Decimal],
    urgent_latest_hours: Decimal,
    is_urgent: bool,
    language: str,
) -> ClockTerms:
    """A promise to answer the customer: `hours` (target, latest) in business hours, or, on an
    urgent ticket, one latest number counted as the policy's urgent clock says."""
    policy = rules.policy
    if is_urgent:
        latest = urgent_latest_hours
        target, mode = warning_hours(policy, latest), policy.urgent_clock
    else:
        (target, latest), mode = hours, SlaClock.Mode.BUSINESS
    return _terms(
        rules,
        kind=kind,
        mode=mode,
        start=start,
        target_hours=target,
        latest_hours=latest,
        is_urgent=is_urgent,
        language=language,
    )


def complaint_proposal_terms(
    brand: Rules, *, start: datetime, language: str = ""
) -> ClockTerms | None:
    """Propose a resolution to a complaint within the policy's time (None: no such promise)."""
    rules = _rules(brand)
    policy = rules.policy
    latest = policy.complaint_proposal_latest_hours
    if latest is None:
        return None
    return _terms(
        rules,
        kind=SlaClock.Kind.COMPLAINT_PROPOSAL,
        mode=SlaClock.Mode.BUSINESS,
        start=start,
        target_hours=warning_hours(policy, latest),
        latest_hours=latest,
        language=language,
    )


def tier_response_terms(
    brand: Rules, *, tier: int, start: datetime, language: str = ""
) -> ClockTerms | None:
    """The response window of escalation tier `tier` (None when the tier has none)."""
    rules = _rules(brand)
    found = rules.tier_for(tier)
    if found is None or found.response_latest_hours is None:
        return None
    latest = found.response_latest_hours
    target = found.response_target_hours
    if target is None:
        target = warning_hours(rules.policy, latest)
    return _terms(
        rules,
        kind=SlaClock.Kind.TIER_RESPONSE,
        mode=found.clock,
        start=start,
        target_hours=target,
        latest_hours=latest,
        language=language,
    )


def periodic_update_terms(brand: Rules, *, start: datetime) -> ClockTerms | None:
    """Remind after the policy's minimum business days without an update; breach after the
    maximum. Counted in whole business days (same time of day), then held as business time
    so a pause works as for every other clock. None when the brand has no cadence."""
    rules = _rules(brand)
    policy = rules.policy
    latest_days = policy.update_latest_business_days
    if latest_days is None:
        return None
    reminder_days = policy.update_reminder_business_days or latest_days
    calendar = rules.calendar_for(start)
    target_at = add_business_days(calendar, start, reminder_days)
    latest_at = add_business_days(calendar, start, latest_days)
    return ClockTerms(
        kind=SlaClock.Kind.PERIODIC_UPDATE,
        mode=SlaClock.Mode.BUSINESS,
        started_at=start,
        target_seconds=int(business_time_between(calendar, start, target_at).total_seconds()),
        latest_seconds=int(business_time_between(calendar, start, latest_at).total_seconds()),
        target_at=target_at,
        latest_at=latest_at,
        is_urgent=False,
        language_extension_hours=Decimal(0),
        peak_extension_hours=Decimal(0),
    )


def next_check_at(clock: SlaClock) -> datetime | None:
    """The earliest deadline of a running clock that has not fired yet."""
    if clock.state != SlaClock.State.RUNNING:
        return None
    pending = []
    if clock.warned_at is None:
        pending.append(clock.target_at)
    if clock.breached_at is None:
        pending.append(clock.latest_at)
    return min(pending, default=None)


def clock_start(ticket: Ticket, terms: ClockTerms, *, tier: int | None = None) -> SlaClock:
    clock = SlaClock(
        ticket=ticket,
        kind=terms.kind,
        tier=tier,
        mode=terms.mode,
        started_at=terms.started_at,
        running_since=terms.started_at,
        target_seconds=terms.target_seconds,
        latest_seconds=terms.latest_seconds,
        target_at=terms.target_at,
        latest_at=terms.latest_at,
    )
    clock.next_check_at = next_check_at(clock)
    clock.save()
    _clock_event(clock, TicketEvent.Kind.CLOCK_START, terms.started_at, SYSTEM)
    ticket_next_due_refresh(clock.ticket_id)
    return clock


def ticket_next_due_refresh(ticket_id: int) -> None:
    """Store the ticket's next due instant: the earliest latest time of its running clocks
    (breached ones included), None when none runs. Every change of a clock calls this."""
    running = SlaClock.objects.filter(ticket=OuterRef("pk"), state=SlaClock.State.RUNNING)
    earliest = running.order_by("latest_at").values("latest_at")[:1]
    Ticket.objects.filter(pk=ticket_id).update(next_due_at=Subquery(earliest))


def clock_restart(ticket: Ticket, terms: ClockTerms | None, *, tier: int | None = None) -> None:
    """Stop the live clock of this kind, if any, and start a new one from `terms`."""
    if terms is None:
        return
    for clock in live_clocks(ticket).filter(kind=terms.kind):
        _clock_stopped(clock, terms.started_at, SYSTEM)
    clock_start(ticket, terms, tier=tier)  # refreshes the ticket's next due instant, once


# The clocks that say the customer is owed an answer to what they wrote.
ANSWER_OWED = (SlaClock.Kind.FIRST_RESPONSE, SlaClock.Kind.NEXT_REPLY)


def next_reply_start(ticket: Ticket, at: datetime, *, was_waiting: bool) -> SlaClock | None:
    """Start the next-reply clock for a customer's message at `at`, when it needs one.

    It does when we had answered (an agent replied) or the ticket was waiting on the
    customer, and no answer is owed yet: several messages before our answer are one clock,
    started by the first, and a first-response clock still live already measures the answer.
    """
    if not was_waiting and ticket.first_responded_at is None:
        return None
    if live_clocks(ticket).filter(kind__in=ANSWER_OWED).exists():
        return None
    terms = next_reply_terms(
        ticket.brand,
        received_at=at,
        is_urgent=ticket.is_urgent,
        language=ticket.language,
        category=ticket.category,
    )
    return clock_start(ticket, terms)


def _clock_event(clock: SlaClock, kind: str, at: datetime, actor: Actor) -> None:
    ticket_event_record(
        clock.ticket_id,
        kind,
        actor=actor,
        detail=clock.get_kind_display(),
        after=clock.state,
        at=at,
    )


def clock_pause(clock: SlaClock, at: datetime, actor: Actor = SYSTEM) -> None:
    """Stop counting: bank the open time used so far; the sweep ignores the clock meanwhile."""
    if clock.state != SlaClock.State.RUNNING:
        return
    brand = clock.ticket.brand
    clock.elapsed_seconds += clock_open_seconds(brand, clock.mode, clock.running_since, at)
    clock.state = SlaClock.State.PAUSED
    clock.running_since = None
    clock.next_check_at = None
    clock.save(update_fields=["elapsed_seconds", "state", "running_since", "next_check_at"])
    _clock_event(clock, TicketEvent.Kind.CLOCK_PAUSE, at, actor)
    ticket_next_due_refresh(clock.ticket_id)


def _deadlines_from(clock: SlaClock, at: datetime) -> None:
    """Set the due instants that have time left, counting from `at`.

    A deadline already used up keeps its instant: its warning or breach has happened or is due.
    """
    brand = clock.ticket.brand
    for seconds_field, at_field in (
        ("target_seconds", "target_at"),
        ("latest_seconds", "latest_at"),
    ):
        left = getattr(clock, seconds_field) - clock.elapsed_seconds
        if left > 0:
            setattr(clock, at_field, clock_deadline(brand, clock.mode, at, left))


def clock_resume(clock: SlaClock, at: datetime, actor: Actor = SYSTEM) -> None:
    """Count again from `at` with the open time that was left before each deadline."""
    if clock.state != SlaClock.State.PAUSED:
        return
    _deadlines_from(clock, at)
    clock.state = SlaClock.State.RUNNING
    clock.running_since = at
    clock.next_check_at = next_check_at(clock)
    clock.save(update_fields=["target_at", "latest_at", "state", "running_since", "next_check_at"])
    _clock_event(clock, TicketEvent.Kind.CLOCK_RESUME, at, actor)
    ticket_next_due_refresh(clock.ticket_id)


def _current_terms(clock: SlaClock) -> ClockTerms | None:
    """The terms the brand's current policy gives a clock of this kind started when it did."""
    return clock_terms(clock.ticket, clock.kind, clock.started_at, tier=clock.tier)


def clock_terms(
    ticket: Ticket,
    kind: str,
    start: datetime,
    *,
    tier: int | None = None,
    rules: PolicyRules | None = None,
) -> ClockTerms | None:
    """The terms the brand's current policy gives a clock of `kind` on `ticket` from `start`
    (None where the policy sets no such promise); under `rules` instead, a draft's replay."""
    brand = rules or ticket.brand
    reply_terms = {
        SlaClock.Kind.FIRST_RESPONSE: first_response_terms,
        SlaClock.Kind.NEXT_REPLY: next_reply_terms,
    }.get(kind)
    if reply_terms is not None:
        return reply_terms(
            brand,
            received_at=start,
            is_urgent=ticket.is_urgent,
            language=ticket.language,
            category=ticket.category,
        )
    if kind == SlaClock.Kind.COMPLAINT_PROPOSAL:
        return complaint_proposal_terms(brand, start=start, language=ticket.language)
    if kind == SlaClock.Kind.TIER_RESPONSE:
        return tier_response_terms(
            brand, tier=tier or ticket.tier, start=start, language=ticket.language
        )
    return periodic_update_terms(brand, start=start)


def ticket_recompute_clocks(ticket: Ticket, now: datetime, *, actor: Actor = SYSTEM) -> int:
    """Recompute a ticket's live clocks under the brand's current policy.

    Policy changes apply to clocks started afterwards; this is the deliberate exception an
    agent or owner asks for (or a change of urgency, category or language brings). Each clock
    keeps its start and the time it has used; a deadline moved past `now` may warn or breach
    again at its new instant. Each clock's recompute is recorded with its due time before and
    after, by `actor`. Returns clocks changed.
    """
    changed = 0
    with transaction.atomic():
        # The ticket's lock before its clocks', as every writer takes them (see the sweep).
        ticket = Ticket.objects.locked(ticket.pk)
        for clock in live_clocks(ticket).select_related("ticket__category"):
            terms = _current_terms(clock)
            if terms is None:
                continue
            due_before = clock.latest_at
            clock.mode = terms.mode
            clock.target_seconds = terms.target_seconds
            clock.latest_seconds = terms.latest_seconds
            clock.target_at, clock.latest_at = terms.target_at, terms.latest_at
            if clock.state == SlaClock.State.RUNNING:
                _deadlines_from(clock, clock.running_since)
            if clock.target_at > now:
                clock.warned_at = None
            if clock.latest_at > now:
                clock.breached_at = None
            clock.next_check_at = next_check_at(clock)
            clock.save()
            ticket_event_record(
                ticket.pk,
                TicketEvent.Kind.CLOCK_RECOMPUTE,
                actor=actor,
                detail=clock.get_kind_display(),
                before=due_before.astimezone(UTC).isoformat(),
                after=clock.latest_at.astimezone(UTC).isoformat(),
                at=now,
            )
            changed += 1
        ticket.policy_version = policy_version_current(ticket.brand)
        ticket.save(update_fields=["policy_version", "updated_at"])
        ticket_next_due_refresh(ticket.pk)
    return changed


def clock_stop(clock: SlaClock, at: datetime, actor: Actor = SYSTEM) -> None:
    if clock.state == SlaClock.State.STOPPED:
        return
    _clock_stopped(clock, at, actor)
    ticket_next_due_refresh(clock.ticket_id)


def _clock_stopped(clock: SlaClock, at: datetime, actor: Actor) -> None:
    """The clock stopped at `at` and its event recorded; the ticket's next due instant is
    the caller's to refresh."""
    clock.state = SlaClock.State.STOPPED
    clock.stopped_at = at
    clock.running_since = None
    clock.next_check_at = None
    clock.save(update_fields=["state", "stopped_at", "running_since", "next_check_at"])
    _clock_event(clock, TicketEvent.Kind.CLOCK_STOP, at, actor)


def live_clocks(ticket: Ticket) -> QuerySet[SlaClock]:
    return ticket.clocks.live().select_related("ticket__brand")
