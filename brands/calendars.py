"""The bridge from a brand's stored calendar settings to the pure business-time engine."""

import functools
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

from brands.holiday_names import holiday_dates
from brands.models import Brand, OpeningHours, SlaPolicy
from helpdesk.business_time import (
    BusinessCalendar,
    OpeningSpan,
    add_business_time,
    add_calendar_time,
    business_time_between,
)

# A clock runs for days or weeks, so holidays a few years either side of its start suffice.
CALENDAR_YEARS_BEFORE, CALENDAR_YEARS_AFTER = 1, 5


def _opening_spans(row: OpeningHours) -> list[OpeningSpan]:
    if row.mode == OpeningHours.Mode.ALL_DAY:
        return [OpeningSpan(0, 1440)]
    if row.mode == OpeningHours.Mode.CLOSED:
        return []
    opens = row.opens_at.hour * 60 + row.opens_at.minute
    closes = row.closes_at.hour * 60 + row.closes_at.minute
    return [OpeningSpan(opens, closes)]


def business_calendar(
    time_zone: str, opening_hours: Iterable[OpeningHours], closed: set[date]
) -> BusinessCalendar:
    """The engine's calendar of a week of opening hours and a set of closed local dates."""
    weekly = {row.weekday: _opening_spans(row) for row in opening_hours}
    return BusinessCalendar(time_zone, weekly, closed)


@functools.lru_cache(maxsize=64)
def _cached_calendar(brand_id: int, version_key: object, year: int) -> BusinessCalendar:
    brand = Brand.objects.get(pk=brand_id)
    years = range(year - CALENDAR_YEARS_BEFORE, year + CALENDAR_YEARS_AFTER + 1)
    names = frozenset(brand.holidays.values_list("name", flat=True))
    closed = holiday_dates(brand.holiday_country, names, years) if names else set()
    for closure in brand.closures.all():
        closed.update(
            date.fromordinal(n)
            for n in range(closure.starts_on.toordinal(), closure.ends_on.toordinal() + 1)
        )
    return business_calendar(brand.time_zone, brand.opening_hours.all(), closed)


def brand_calendar(brand: Brand, around: datetime) -> BusinessCalendar:
    """The brand's business calendar for clocks starting at `around`.

    Cached per process and keyed by the policy's last-updated time: every calendar change is a
    new policy version, so a stale calendar is never served after a change is recorded.
    """
    return _cached_calendar(brand.pk, brand.policy_updated_at, around.year)


def clock_deadline(brand: Brand, mode: str, start: datetime, seconds: int) -> datetime:
    """When `seconds` of a clock counted in `mode` (business or calendar) have passed."""
    return clock_deadline_in(functools.partial(brand_calendar, brand), mode, start, seconds)


def clock_deadline_in(
    calendar_for: Callable[[datetime], BusinessCalendar], mode: str, start: datetime, seconds: int
) -> datetime:
    """`clock_deadline` on the calendar `calendar_for(start)` gives (a brand's, or a draft's)."""
    duration = timedelta(seconds=seconds)
    if mode == SlaPolicy.Clock.CALENDAR:
        return add_calendar_time(start, duration)
    return add_business_time(calendar_for(start), start, duration)


def clock_open_seconds(brand: Brand, mode: str, start: datetime, end: datetime) -> int:
    """The time that counts towards a clock between two instants."""
    if end <= start:
        return 0
    if mode == SlaPolicy.Clock.CALENDAR:
        return int((end - start).total_seconds())
    elapsed = business_time_between(brand_calendar(brand, start), start, end)
    return int(elapsed.total_seconds())
