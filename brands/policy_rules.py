"""The settings a clock's terms are computed from, read either from a brand's live settings or
from a policy snapshot (a version's, or an owner's draft's).

Both give the same `PolicyRules`, so the SLA service computes a live ticket's clock and a draft's
replay of it with the same functions: a draft equal to the live policy gives the same due times.
"""

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from brands.calendars import (
    CALENDAR_YEARS_AFTER,
    CALENDAR_YEARS_BEFORE,
    BusinessCalendar,
    brand_calendar,
    business_calendar,
    clock_deadline_in,
)
from brands.holiday_names import holiday_dates
from brands.models import Brand, Category, EscalationTier, OpeningHours, SlaPolicy
from brands.services import WEEKDAY_NAMES, PeakRule, brand_rules

POLICY_FIELDS = [f for f in SlaPolicy._meta.concrete_fields if f.name not in ("id", "brand")]
_PEAK = re.compile(
    r"^(?P<start>\d{4}-\d{2}-\d{2}) to (?P<end>\d{4}-\d{2}-\d{2}), \+(?P<hours>[\d.]+) business"
)


@dataclass(frozen=True)
class PolicyRules:
    """What a clock needs of a brand's policy; `calendar_for(moment)` is the business calendar
    of clocks starting around that moment."""

    time_zone: str
    default_language: str
    policy: SlaPolicy
    peak_periods: tuple[PeakRule, ...]
    calendar_for: Callable[[datetime], BusinessCalendar]
    tier_for: Callable[[int], EscalationTier | None]
    category_urgent: Callable[[Category], bool]
    # A replay reads only when a promise is broken; skipping the warning instant saves a third
    # of its time. Live clocks always have both.
    with_targets: bool = True

    def deadline(self, mode: str, start: datetime, seconds: int) -> datetime:
        return clock_deadline_in(self.calendar_for, mode, start, seconds)


def policy_rules(brand: Brand) -> PolicyRules:
    """The brand's live settings (its calendar and rules cached per policy version)."""
    return PolicyRules(
        time_zone=brand.time_zone,
        default_language=brand.default_language,
        policy=brand.policy,
        peak_periods=brand_rules(brand).peak_periods,
        calendar_for=functools.partial(brand_calendar, brand),
        tier_for=lambda level: brand.tiers.filter(level=level).first(),
        category_urgent=lambda category: category.is_urgent,
    )


def snapshot_policy(snapshot: dict[str, Any]) -> SlaPolicy:
    """The snapshot's promises as an unsaved SlaPolicy, so its own methods and validation apply."""
    values = {}
    for model_field in POLICY_FIELDS:
        value = snapshot.get(f"policy.{model_field.name}")
        if isinstance(value, list):  # phrases, one per line in the model
            value = "\n".join(value)
        if value is None and model_field.has_default():
            value = model_field.get_default()
        values[model_field.name] = model_field.to_python(value)
    return SlaPolicy(**values)


def snapshot_tiers(snapshot: dict[str, Any]) -> dict[int, EscalationTier]:
    """The snapshot's escalation tiers as unsaved rows, every setting it records converted."""
    tiers: dict[int, EscalationTier] = {}
    for key, value in snapshot.items():
        parts = key.split(".")
        if parts[0] != "tiers" or len(parts) != 3:
            continue
        tier = tiers.setdefault(int(parts[1]), EscalationTier(level=int(parts[1])))
        setattr(tier, parts[2], EscalationTier._meta.get_field(parts[2]).to_python(value))
    return tiers


def opening_hours_row(weekday: int, text: str) -> OpeningHours:
    """A weekday's opening hours from their words ("all day", "closed" or "HH:MM-HH:MM")."""
    text = text.strip().lower()
    if text == "all day":
        return OpeningHours(weekday=weekday, mode=OpeningHours.Mode.ALL_DAY)
    if text == "closed":
        return OpeningHours(weekday=weekday, mode=OpeningHours.Mode.CLOSED)
    opens, closes = (time.fromisoformat(part.strip()) for part in text.split("-"))
    return OpeningHours(
        weekday=weekday, mode=OpeningHours.Mode.HOURS, opens_at=opens, closes_at=closes
    )


def snapshot_opening_hours(snapshot: dict[str, Any]) -> list[OpeningHours]:
    return [
        opening_hours_row(weekday, snapshot.get(f"calendar.opening_hours.{name}", "closed"))
        for weekday, name in enumerate(WEEKDAY_NAMES)
    ]


def date_span(text: str) -> tuple[date, date]:
    """ "2026-11-27 to 2026-11-30" (a closure's or a peak period's days, inclusive)."""
    start, end = text.split(",")[0].split(" to ")
    return date.fromisoformat(start.strip()), date.fromisoformat(end.strip())


def snapshot_peak_periods(snapshot: dict[str, Any]) -> tuple[PeakRule, ...]:
    rules = []
    for key, text in snapshot.items():
        if key.startswith("calendar.peak_periods."):
            found = _PEAK.match(text)
            if found:
                rules.append(
                    PeakRule(
                        date.fromisoformat(found["start"]),
                        date.fromisoformat(found["end"]),
                        Decimal(found["hours"]),
                    )
                )
    return tuple(rules)


@dataclass
class _SnapshotCalendars:
    """The snapshot's business calendar per year, built once (holidays are slow to list)."""

    snapshot: dict[str, Any]
    built: dict[int, BusinessCalendar] = field(default_factory=dict)

    def __call__(self, around: datetime) -> BusinessCalendar:
        if around.year not in self.built:
            self.built[around.year] = self._build(around.year)
        return self.built[around.year]

    def _build(self, year: int) -> BusinessCalendar:
        closed: set[date] = set()
        names = frozenset(self.snapshot.get("calendar.holidays") or [])
        if names:
            country = self.snapshot.get("brand.holiday_country", "US")
            closed = holiday_dates(country, names, _calendar_years(year))
        for key, text in self.snapshot.items():
            if key.startswith("calendar.closures."):
                start, end = date_span(text)
                closed.update(start + timedelta(days=n) for n in range((end - start).days + 1))
        return business_calendar(
            self.snapshot["brand.time_zone"], snapshot_opening_hours(self.snapshot), closed
        )


def _calendar_years(year: int) -> range:
    return range(year - CALENDAR_YEARS_BEFORE, year + CALENDAR_YEARS_AFTER + 1)


def snapshot_rules(snapshot: dict[str, Any], *, with_targets: bool = True) -> PolicyRules:
    """The rules a policy snapshot gives, computed as the live brand's are."""
    tiers = snapshot_tiers(snapshot)
    return PolicyRules(
        time_zone=snapshot["brand.time_zone"],
        default_language=snapshot.get("brand.default_language") or "en",
        policy=snapshot_policy(snapshot),
        peak_periods=snapshot_peak_periods(snapshot),
        calendar_for=_SnapshotCalendars(snapshot),
        tier_for=tiers.get,
        category_urgent=lambda category: bool(
            snapshot.get(f"categories.{category.slug}.is_urgent", False)
        ),
        with_targets=with_targets,
    )
