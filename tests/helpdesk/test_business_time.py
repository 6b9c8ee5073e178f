"""Tests for the pure-Python business-time engine (no Django needed).

The engine is checked against hand-worked cases and against two deliberately naive references
written here: one that lists every span occurrence day by day and walks them, and one that steps
minute by minute asking "is this instant open?".
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpdesk.business_time import (
    BusinessCalendar,
    OpeningSpan,
    add_business_days,
    add_business_time,
    add_calendar_time,
    business_time_between,
)

CHICAGO = "America/Chicago"
DENVER = "America/Denver"
MAJOR_HOLIDAYS = {
    "New Year's Day",
    "Memorial Day",
    "Independence Day",
    "Labor Day",
    "Thanksgiving Day",
    "Christmas Day",
}
WEEKDAYS = range(5)
HOURS = timedelta(hours=1)


def us_major_holidays(years: range = range(2024, 2029)) -> set[date]:
    return {
        day
        for day, name in holidays.country_holidays("US", years=years).items()
        if name.removesuffix(" (observed)") in MAJOR_HOLIDAYS
    }


US_HOLIDAYS = us_major_holidays()


def local(zone: str, *fields: int, fold: int = 0) -> datetime:
    return datetime(*fields, tzinfo=ZoneInfo(zone), fold=fold)


def iso(moment: datetime) -> str:
    """Wall clock and offset, which pins down the instant and how it is shown."""
    return moment.isoformat()


def all_day_weekdays(zone: str = CHICAGO, closed=US_HOLIDAYS) -> BusinessCalendar:
    return BusinessCalendar.from_weekday_hours(zone, dict.fromkeys(WEEKDAYS, "all_day"), closed)


def office_hours(zone: str = CHICAGO, closed=US_HOLIDAYS) -> BusinessCalendar:
    return BusinessCalendar.from_weekday_hours(
        zone, dict.fromkeys(WEEKDAYS, (time(9), time(17))), closed
    )


def all_week(zone: str) -> BusinessCalendar:
    return BusinessCalendar.from_weekday_hours(zone, dict.fromkeys(range(7), "all_day"))


def night_shift(closed=()) -> BusinessCalendar:
    """22:00-06:00 starting Monday to Friday evenings."""
    return BusinessCalendar(CHICAGO, {d: [OpeningSpan(1320, 360)] for d in WEEKDAYS}, closed)


# --- naive references -------------------------------------------------------------------------
# A spec is (zone, spans per weekday as (start_minute, end_minute) pairs, closed dates).


@cache
def ref_instant(zone: str, wall: datetime) -> datetime:
    """First instant showing ``wall`` (fold=0); inside a gap, the first valid time after it."""
    tz = ZoneInfo(zone)
    candidate = wall
    while True:
        utc = candidate.replace(tzinfo=tz).astimezone(UTC)
        if utc.astimezone(tz).replace(tzinfo=None) == candidate:
            return utc
        candidate += timedelta(minutes=1)


@cache
def ref_day_intervals(spec, day: date) -> tuple[tuple[datetime, datetime], ...]:
    zone, weekly, closed = spec
    if day in closed:
        return ()
    midnight = datetime.combine(day, time())
    found = []
    for start, end in weekly[day.weekday()]:
        wall_end = end + 1440 if end <= start else end
        found.append(
            (
                ref_instant(zone, midnight + timedelta(minutes=start)),
                ref_instant(zone, midnight + timedelta(minutes=wall_end)),
            )
        )
    return tuple(found)


def ref_intervals(spec, first: date, last: date) -> list[tuple[datetime, datetime]]:
    spans = []
    day = first
    while day <= last:
        spans.extend(ref_day_intervals(spec, day))
        day += timedelta(days=1)
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(spans):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def local_date(spec, moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(spec[0])).date()


def ref_add(spec, start: datetime, duration: timedelta) -> datetime:
    start = start.astimezone(UTC)
    if not duration:
        return start
    first = local_date(spec, start) - timedelta(days=2)
    days = 16
    while True:
        last = first + timedelta(days=days)
        # Instants before the last listed date's midnight are fully described by the listing.
        trusted_until = ref_instant(spec[0], datetime.combine(last, time()))
        remaining = duration
        for opens, closes in ref_intervals(spec, first, last):
            opens = max(opens, start)
            if closes <= opens:
                continue
            if closes - opens >= remaining:
                if opens + remaining < trusted_until:
                    return opens + remaining
                break
            remaining -= closes - opens
        days *= 2


def ref_between(spec, start: datetime, end: datetime) -> timedelta:
    # Same-zone aware datetimes subtract as wall clocks, so work in UTC.
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    total = timedelta(0)
    first = local_date(spec, start) - timedelta(days=2)
    last = local_date(spec, end) + timedelta(days=1)
    for opens, closes in ref_intervals(spec, first, last):
        overlap = min(closes, end) - max(opens, start)
        if overlap > timedelta(0):
            total += overlap
    return total


def ref_is_open(spec, moment: datetime) -> bool:
    today = local_date(spec, moment)
    return any(
        opens <= moment < closes
        for back in range(-1, 3)
        for opens, closes in ref_day_intervals(spec, today - timedelta(days=back))
    )


def ref_add_by_minutes(spec, start: datetime, minutes: int) -> datetime:
    moment, counted = start.astimezone(UTC), 0
    while counted < minutes:
        counted += ref_is_open(spec, moment)
        moment += timedelta(minutes=1)
    return moment


def ref_between_by_minutes(spec, start: datetime, end: datetime) -> timedelta:
    moment, counted = start.astimezone(UTC), 0
    end = end.astimezone(UTC)
    while moment < end:
        counted += ref_is_open(spec, moment)
        moment += timedelta(minutes=1)
    return timedelta(minutes=counted)


def weekly_spec(by_weekday: dict[int, list[tuple[int, int]]]):
    return tuple(tuple(by_weekday.get(d, ())) for d in range(7))


@cache
def engine(spec) -> BusinessCalendar:
    zone, weekly, closed = spec
    return BusinessCalendar(
        zone, {d: [OpeningSpan(*pair) for pair in spans] for d, spans in enumerate(weekly)}, closed
    )


def weekly_open_minutes(weekly) -> int:
    pieces = []
    for weekday, spans in enumerate(weekly):
        for start, end in spans:
            a = weekday * 1440 + start
            b = weekday * 1440 + (end + 1440 if end <= start else end)
            if b > 7 * 1440:
                pieces += [(a, 7 * 1440), (0, b - 7 * 1440)]
            else:
                pieces.append((a, b))
    total, reach = 0, 0
    for a, b in sorted(pieces):
        if b > reach:
            total += b - max(a, reach)
            reach = b
    return total


# --- random scenarios -------------------------------------------------------------------------


def transition_days(zone: str, first: date, last: date) -> list[date]:
    tz = ZoneInfo(zone)
    found = []
    day = first
    while day < last:
        noon = datetime.combine(day, time(12), UTC)
        if noon.astimezone(tz).utcoffset() != (noon + timedelta(days=1)).astimezone(tz).utcoffset():
            found.append(day)
        day += timedelta(days=1)
    return found


US_ZONES = [CHICAGO, DENVER]
EXOTIC_ZONES = ["America/Santiago", "America/Havana", "Australia/Lord_Howe", "Pacific/Apia"]
TRANSITIONS = {
    zone: transition_days(zone, date(2010, 1, 1), date(2028, 1, 1))
    for zone in US_ZONES + EXOTIC_ZONES
}

span_starts = st.one_of(st.integers(0, 1439), st.sampled_from([0, 60, 90, 120, 150, 180, 1320]))
span_ends = st.one_of(st.integers(1, 1440), st.sampled_from([60, 90, 120, 150, 180, 360, 1440]))
spans = st.one_of(st.just((0, 1440)), st.tuples(span_starts, span_ends))
weeks = (
    st.lists(st.lists(spans, max_size=2).map(tuple), min_size=7, max_size=7).map(tuple).filter(any)
)


@st.composite
def scenarios(draw, zones=US_ZONES, years=(2025, 2027), max_closed=12):
    zone = draw(st.sampled_from(zones))
    weekly = draw(weeks)
    tz = ZoneInfo(zone)
    if draw(st.booleans()):
        candidates = [d for d in TRANSITIONS[zone] if years[0] <= d.year <= years[1]]
        day = draw(st.sampled_from(candidates)) + timedelta(days=draw(st.integers(-3, 3)))
        wall = datetime.combine(day, time()) + timedelta(seconds=draw(st.integers(0, 86399)))
        start = wall.replace(tzinfo=tz, fold=draw(st.integers(0, 1)))
    else:
        first = datetime(years[0], 1, 1, tzinfo=UTC)
        span = (datetime(years[1] + 1, 1, 1, tzinfo=UTC) - first).total_seconds()
        start = (first + timedelta(seconds=draw(st.integers(0, int(span))))).astimezone(tz)
    start += timedelta(microseconds=draw(st.sampled_from([0, 0, 0, 1, 999_999, 123_456])))
    start_day = start.astimezone(tz).date()
    closed = frozenset(
        start_day + timedelta(days=offset)
        for offset in draw(st.lists(st.integers(-5, 60), max_size=max_closed))
    )
    return (zone, weekly, closed), start


PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


# --- holidays ---------------------------------------------------------------------------------


def test_the_holiday_list_holds_the_six_major_holidays_and_their_observed_dates():
    assert date(2026, 11, 26) in US_HOLIDAYS  # Thanksgiving
    assert date(2026, 7, 3) in US_HOLIDAYS  # Independence Day (observed)
    assert date(2027, 12, 24) in US_HOLIDAYS  # Christmas Day (observed)
    assert date(2026, 6, 19) not in US_HOLIDAYS  # Juneteenth
    assert date(2026, 1, 19) not in US_HOLIDAYS  # Martin Luther King Jr. Day
    names = holidays.country_holidays("US", years=2026)
    assert names[date(2026, 7, 3)] == "Independence Day (observed)"
    assert names[date(2026, 6, 19)] == "Juneteenth National Independence Day"


def test_it_skips_the_weekend():
    due = add_business_time(all_day_weekdays(), local(CHICAGO, 2026, 3, 13, 10), 24 * HOURS)
    assert iso(due) == "2026-03-16T10:00:00-05:00"


def test_it_skips_thanksgiving():
    due = add_business_time(all_day_weekdays(), local(CHICAGO, 2026, 11, 25, 10), 24 * HOURS)
    assert iso(due) == "2026-11-27T10:00:00-06:00"


def test_juneteenth_is_a_business_day():
    due = add_business_time(all_day_weekdays(), local(CHICAGO, 2026, 6, 18, 10), 24 * HOURS)
    assert iso(due) == "2026-06-19T10:00:00-05:00"


def test_the_observed_independence_day_is_closed():
    due = add_business_time(all_day_weekdays(), local(CHICAGO, 2026, 7, 2, 10), 24 * HOURS)
    assert iso(due) == "2026-07-06T10:00:00-05:00"


def test_it_skips_holidays_in_denver_too():
    due = add_business_time(office_hours(DENVER), local(DENVER, 2026, 12, 24, 16), 2 * HOURS)
    assert iso(due) == "2026-12-28T10:00:00-07:00"


def test_a_ticket_received_on_a_holiday_starts_counting_the_next_business_day():
    calendar = office_hours()
    received = local(CHICAGO, 2026, 11, 26, 14)  # Thanksgiving afternoon
    assert iso(add_business_time(calendar, received, HOURS)) == "2026-11-27T10:00:00-06:00"
    friday_opening = local(CHICAGO, 2026, 11, 27, 9)
    assert business_time_between(calendar, received, friday_opening) == timedelta(0)


# --- opening hours ----------------------------------------------------------------------------


def test_a_clock_can_end_exactly_at_closing_time():
    due = add_business_time(office_hours(), local(CHICAGO, 2026, 3, 2, 9), 8 * HOURS)
    assert iso(due) == "2026-03-02T17:00:00-06:00"


def test_the_remainder_carries_to_the_next_morning():
    due = add_business_time(office_hours(), local(CHICAGO, 2026, 3, 2, 16), 2 * HOURS)
    assert iso(due) == "2026-03-03T10:00:00-06:00"


def test_friday_afternoon_carries_to_monday_morning():
    due = add_business_time(office_hours(), local(CHICAGO, 2026, 3, 6, 16), 2 * HOURS)
    assert iso(due) == "2026-03-09T10:00:00-05:00"


def test_48_business_hours_are_six_office_days():
    due = add_business_time(office_hours(), local(CHICAGO, 2026, 3, 6, 12), 48 * HOURS)
    assert iso(due) == "2026-03-16T12:00:00-05:00"


def test_a_ticket_received_at_night_starts_at_the_next_opening():
    due = add_business_time(office_hours(), local(CHICAGO, 2026, 3, 3, 23), HOURS)
    assert iso(due) == "2026-03-04T10:00:00-06:00"


def test_a_ticket_received_exactly_at_closing_time_starts_the_next_morning():
    calendar = office_hours()
    closing = local(CHICAGO, 2026, 3, 3, 17)
    assert iso(add_business_time(calendar, closing, HOURS)) == "2026-03-04T10:00:00-06:00"
    assert business_time_between(calendar, closing, local(CHICAGO, 2026, 3, 4, 9)) == timedelta(0)


def test_a_ticket_received_exactly_at_opening_time_counts_from_then():
    calendar = office_hours()
    opening = local(CHICAGO, 2026, 3, 3, 9)
    assert iso(add_business_time(calendar, opening, HOURS)) == "2026-03-03T10:00:00-06:00"
    assert iso(add_business_time(calendar, opening, 8 * HOURS)) == "2026-03-03T17:00:00-06:00"


def test_a_zero_duration_is_the_start_itself_even_when_closed():
    saturday = local(CHICAGO, 2026, 3, 7, 3, 4, 5)
    assert iso(add_business_time(office_hours(), saturday, timedelta(0))) == iso(saturday)


def test_results_are_in_the_calendar_zone():
    start = datetime(2026, 3, 3, 15, tzinfo=UTC)  # 09:00 in Chicago
    due = add_business_time(office_hours(), start, HOURS)
    assert due.tzinfo == ZoneInfo(CHICAGO)
    assert iso(due) == "2026-03-03T10:00:00-06:00"


def test_between_counts_only_open_time():
    calendar = office_hours()
    friday_noon = local(CHICAGO, 2026, 3, 6, 12)
    tuesday_ten = local(CHICAGO, 2026, 3, 10, 10)
    assert business_time_between(calendar, friday_noon, tuesday_ten) == 14 * HOURS
    assert business_time_between(calendar, tuesday_ten, friday_noon) == timedelta(0)


def test_spans_of_one_day_may_overlap():
    calendar = BusinessCalendar(
        CHICAGO, {0: [OpeningSpan(540, 720), OpeningSpan(660, 1020), OpeningSpan(780, 840)]}
    )
    monday = local(CHICAGO, 2026, 3, 2)
    assert business_time_between(calendar, monday, monday + timedelta(days=1)) == 8 * HOURS


def test_a_lunch_break_splits_the_day():
    calendar = BusinessCalendar(
        CHICAGO, {d: [OpeningSpan(540, 720), OpeningSpan(780, 1020)] for d in WEEKDAYS}
    )
    due = add_business_time(calendar, local(CHICAGO, 2026, 3, 2, 11), 2 * HOURS)
    assert iso(due) == "2026-03-02T14:00:00-06:00"


# --- overnight spans --------------------------------------------------------------------------


def test_an_overnight_span_runs_past_midnight():
    due = add_business_time(night_shift(), local(CHICAGO, 2026, 3, 2, 23), 8 * HOURS)
    assert iso(due) == "2026-03-03T23:00:00-06:00"


def test_the_friday_night_shift_runs_into_saturday_then_waits_for_monday():
    due = add_business_time(night_shift(), local(CHICAGO, 2026, 3, 13, 23), 8 * HOURS)
    assert iso(due) == "2026-03-16T23:00:00-05:00"


def test_a_closed_date_closes_its_whole_overnight_span():
    calendar = night_shift(closed={date(2026, 3, 2)})  # Monday closed
    due = add_business_time(calendar, local(CHICAGO, 2026, 3, 2, 21), HOURS)
    assert iso(due) == "2026-03-03T23:00:00-06:00"
    tuesday_early = local(CHICAGO, 2026, 3, 3, 1)
    assert business_time_between(calendar, tuesday_early, tuesday_early + HOURS) == timedelta(0)


def test_the_tail_of_an_open_span_survives_a_closed_next_date():
    calendar = night_shift(closed={date(2026, 3, 3)})  # Tuesday closed
    start = local(CHICAGO, 2026, 3, 2, 23)
    assert iso(add_business_time(calendar, start, 7 * HOURS)) == "2026-03-03T06:00:00-06:00"
    assert iso(add_business_time(calendar, start, 8 * HOURS)) == "2026-03-04T23:00:00-06:00"


def test_an_overnight_span_overlapping_the_next_day_counts_once():
    calendar = BusinessCalendar(CHICAGO, {0: [OpeningSpan(1320, 360)], 1: [OpeningSpan(0, 1440)]})
    monday = local(CHICAGO, 2026, 3, 2)
    assert business_time_between(calendar, monday, monday + timedelta(days=3)) == 26 * HOURS


# --- daylight saving time ---------------------------------------------------------------------


@pytest.mark.parametrize("zone", US_ZONES)
def test_an_all_week_calendar_has_a_23_hour_day_in_spring_and_a_25_hour_day_in_autumn(zone):
    calendar = all_week(zone)
    spring, autumn = local(zone, 2026, 3, 8), local(zone, 2026, 11, 1)
    assert business_time_between(calendar, spring, spring + timedelta(days=1)) == 23 * HOURS
    assert business_time_between(calendar, autumn, autumn + timedelta(days=1)) == 25 * HOURS


@pytest.mark.parametrize(("zone", "offsets"), [(CHICAGO, ("-06", "-05")), (DENVER, ("-07", "-06"))])
def test_24_business_hours_across_spring_forward_show_one_hour_more_on_the_clock(zone, offsets):
    due = add_business_time(all_week(zone), local(zone, 2026, 3, 7, 12), 24 * HOURS)
    assert iso(due) == f"2026-03-08T13:00:00{offsets[1]}:00"


@pytest.mark.parametrize(("zone", "offsets"), [(CHICAGO, ("-05", "-06")), (DENVER, ("-06", "-07"))])
def test_24_business_hours_across_fall_back_show_one_hour_less_on_the_clock(zone, offsets):
    due = add_business_time(all_week(zone), local(zone, 2026, 10, 31, 12), 24 * HOURS)
    assert iso(due) == f"2026-11-01T11:00:00{offsets[1]}:00"


def test_a_clock_can_end_inside_the_repeated_hour():
    due = add_business_time(
        all_week(CHICAGO), local(CHICAGO, 2026, 11, 1, 0, 30), timedelta(minutes=90)
    )
    assert iso(due) == "2026-11-01T01:00:00-06:00"
    assert due.fold == 1


def test_a_weekday_calendar_is_untouched_by_weekend_dst_changes():
    calendar = all_day_weekdays()
    spring = add_business_time(calendar, local(CHICAGO, 2026, 3, 6, 12), 24 * HOURS)
    autumn = add_business_time(calendar, local(CHICAGO, 2026, 10, 30, 12), 24 * HOURS)
    assert iso(spring) == "2026-03-09T12:00:00-05:00"
    assert iso(autumn) == "2026-11-02T12:00:00-06:00"


def test_an_overnight_span_containing_the_dst_change_is_shorter_or_longer():
    calendar = BusinessCalendar(CHICAGO, {5: [OpeningSpan(1320, 360)]})  # Saturday night
    spring = local(CHICAGO, 2026, 3, 7, 22)
    autumn = local(CHICAGO, 2026, 10, 31, 22)
    assert business_time_between(calendar, spring, spring + timedelta(days=1)) == 7 * HOURS
    assert business_time_between(calendar, autumn, autumn + timedelta(days=1)) == 9 * HOURS
    assert iso(add_business_time(calendar, spring, 7 * HOURS)) == "2026-03-08T06:00:00-05:00"
    assert iso(add_business_time(calendar, autumn, 9 * HOURS)) == "2026-11-01T06:00:00-06:00"


def test_a_span_opening_in_the_spring_gap_opens_when_the_gap_ends():
    calendar = BusinessCalendar(CHICAGO, {6: [OpeningSpan(150, 240)]})  # Sunday 02:30-04:00
    sunday = local(CHICAGO, 2026, 3, 8)
    assert business_time_between(calendar, sunday, sunday + timedelta(days=1)) == HOURS
    assert iso(add_business_time(calendar, sunday, timedelta(minutes=1))) == (
        "2026-03-08T03:01:00-05:00"
    )


def test_ambiguous_boundaries_use_the_first_occurrence():
    sunday = local(CHICAGO, 2026, 11, 1)
    # 00:00-01:30 ends at the first 01:30 (CDT): 1.5 real hours, closed during the repeat.
    early = BusinessCalendar(CHICAGO, {6: [OpeningSpan(0, 90)]})
    assert business_time_between(early, sunday, sunday + timedelta(hours=12)) == 1.5 * HOURS
    assert iso(add_business_time(early, sunday, 1.5 * HOURS)) == "2026-11-01T01:30:00-05:00"
    # 01:30-03:00 opens at the first 01:30 (CDT): 2.5 real hours.
    late = BusinessCalendar(CHICAGO, {6: [OpeningSpan(90, 180)]})
    assert business_time_between(late, sunday, sunday + timedelta(hours=12)) == 2.5 * HOURS
    assert iso(add_business_time(late, sunday, timedelta(minutes=1))) == (
        "2026-11-01T01:31:00-05:00"
    )


# --- calendar time ----------------------------------------------------------------------------


def test_calendar_time_is_real_elapsed_time_across_spring_forward():
    start = local(CHICAGO, 2026, 3, 7, 12)
    due = add_calendar_time(start, 24 * HOURS)
    assert iso(due) == "2026-03-08T13:00:00-05:00"
    assert due.astimezone(UTC) - start.astimezone(UTC) == 24 * HOURS


def test_calendar_time_is_real_elapsed_time_across_fall_back():
    due = add_calendar_time(local(DENVER, 2026, 10, 31, 12), 24 * HOURS)
    assert iso(due) == "2026-11-01T11:00:00-07:00"


# --- properties against the naive references --------------------------------------------------


@PROPERTY_SETTINGS
@given(scenarios(), st.data())
def test_add_matches_the_naive_reference(scenario, data):
    spec, start = scenario
    limit = min(3 * weekly_open_minutes(spec[1]) * 60, 21 * 86400)
    duration = timedelta(
        seconds=data.draw(st.integers(0, limit)),
        microseconds=data.draw(st.sampled_from([0, 0, 1, 500_000])),
    )
    due = add_business_time(engine(spec), start, duration)
    assert due.tzinfo == ZoneInfo(spec[0])
    assert due.astimezone(UTC) == ref_add(spec, start, duration)


@PROPERTY_SETTINGS
@given(scenarios(), st.integers(0, 30 * 86400))
def test_between_matches_the_naive_reference(scenario, seconds):
    spec, start = scenario
    end = add_calendar_time(start, timedelta(seconds=seconds))
    assert business_time_between(engine(spec), start, end) == ref_between(spec, start, end)


@PROPERTY_SETTINGS
@given(scenarios(), st.data())
def test_between_is_the_inverse_of_add(scenario, data):
    spec, start = scenario
    calendar = engine(spec)
    limit = min(3 * weekly_open_minutes(spec[1]) * 60, 21 * 86400)
    duration = timedelta(seconds=data.draw(st.integers(0, limit)))
    assert business_time_between(calendar, start, add_business_time(calendar, start, duration)) == (
        duration
    )
    end = add_calendar_time(start, timedelta(seconds=data.draw(st.integers(0, 30 * 86400))))
    back = add_business_time(calendar, start, business_time_between(calendar, start, end))
    assert back.astimezone(UTC) <= end.astimezone(UTC)
    just_before = end.astimezone(UTC) - timedelta(microseconds=1)
    if just_before >= start.astimezone(UTC) and ref_is_open(spec, just_before):
        assert back.astimezone(UTC) == end.astimezone(UTC)


@settings(PROPERTY_SETTINGS, max_examples=60)
@given(scenarios(max_closed=5), st.data())
def test_add_and_between_match_minute_by_minute_stepping(scenario, data):
    spec, start = scenario
    start = start.astimezone(UTC).replace(second=0, microsecond=0)
    minutes = data.draw(st.integers(0, min(240, weekly_open_minutes(spec[1]) // 2)))
    due = add_business_time(engine(spec), start, timedelta(minutes=minutes))
    assert due.astimezone(UTC) == ref_add_by_minutes(spec, start, minutes)
    end = start + timedelta(minutes=data.draw(st.integers(0, 2 * 1440)))
    assert business_time_between(engine(spec), start, end) == ref_between_by_minutes(
        spec, start, end
    )


@settings(PROPERTY_SETTINGS, max_examples=100)
@given(scenarios(zones=EXOTIC_ZONES, years=(2010, 2027)), st.data())
def test_odd_time_zones_match_the_naive_reference(scenario, data):
    spec, start = scenario
    limit = min(3 * weekly_open_minutes(spec[1]) * 60, 14 * 86400)
    duration = timedelta(seconds=data.draw(st.integers(0, limit)))
    calendar = engine(spec)
    due = add_business_time(calendar, start, duration)
    assert due.astimezone(UTC) == ref_add(spec, start, duration)
    assert business_time_between(calendar, start, due) == duration


def test_a_skipped_calendar_date_has_no_business_time():
    # Samoa skipped 30 December 2011 when it moved across the date line.
    calendar = all_week("Pacific/Apia")
    start = local("Pacific/Apia", 2011, 12, 29, 12)
    due = add_business_time(calendar, start, 24 * HOURS)
    assert iso(due) == "2011-12-31T12:00:00+14:00"
    assert business_time_between(calendar, start, due) == 24 * HOURS


# --- long spans -------------------------------------------------------------------------------


def test_2000_business_hours_match_the_naive_reference():
    spec = (
        CHICAGO,
        weekly_spec({d: [(540, 1020)] for d in WEEKDAYS}),
        frozenset(us_major_holidays(range(2025, 2029))),
    )
    start = local(CHICAGO, 2026, 1, 5, 9, 30)
    due = add_business_time(engine(spec), start, 2000 * HOURS)
    assert due.astimezone(UTC) == ref_add(spec, start, 2000 * HOURS)
    assert business_time_between(engine(spec), start, due) == 2000 * HOURS


def test_years_of_business_time_match_the_naive_reference():
    weekly = weekly_spec({**{d: [(0, 1440)] for d in WEEKDAYS}, 5: [(1320, 360)]})
    spec = (DENVER, weekly, frozenset(us_major_holidays(range(2025, 2032))))
    start = local(DENVER, 2026, 2, 3, 4, 5)
    due = add_business_time(engine(spec), start, 20_000 * HOURS)
    assert due.astimezone(UTC) == ref_add(spec, start, 20_000 * HOURS)
    assert business_time_between(engine(spec), start, due) == 20_000 * HOURS


def test_thousands_of_closed_dates_are_handled_exactly():
    closed = frozenset(date(2000, 1, 3) + timedelta(days=n) for n in range(0, 40 * 365, 3))
    spec = (CHICAGO, weekly_spec({d: [(540, 1020)] for d in WEEKDAYS}), closed)
    start = local(CHICAGO, 2020, 6, 1, 12)
    due = add_business_time(engine(spec), start, 500 * HOURS)
    assert due.astimezone(UTC) == ref_add(spec, start, 500 * HOURS)


# --- business days ----------------------------------------------------------------------------


def test_one_business_day_later_is_the_same_time_next_open_date():
    due = add_business_days(office_hours(), local(CHICAGO, 2026, 3, 6, 15), 1)
    assert iso(due) == "2026-03-09T15:00:00-05:00"


def test_business_days_skip_holidays():
    due = add_business_days(office_hours(), local(CHICAGO, 2026, 11, 25, 10), 1)
    assert iso(due) == "2026-11-27T10:00:00-06:00"
    due = add_business_days(office_hours(), local(CHICAGO, 2026, 7, 2, 10), 2)
    assert iso(due) == "2026-07-07T10:00:00-05:00"


def test_business_days_from_a_closed_time_count_from_the_next_opening():
    calendar = office_hours()
    saturday = local(CHICAGO, 2026, 3, 7, 10)
    assert iso(add_business_days(calendar, saturday, 0)) == "2026-03-09T09:00:00-05:00"
    assert iso(add_business_days(calendar, saturday, 1)) == "2026-03-10T09:00:00-05:00"
    closing = local(CHICAGO, 2026, 3, 3, 17)
    assert iso(add_business_days(calendar, closing, 1)) == "2026-03-05T09:00:00-06:00"


def test_zero_business_days_is_the_start_when_open():
    start = local(CHICAGO, 2026, 3, 3, 11, 22, 33)
    assert iso(add_business_days(office_hours(), start, 0)) == iso(start)


def test_business_days_keep_the_wall_clock_time_across_dst():
    calendar = all_week(CHICAGO)
    assert iso(add_business_days(calendar, local(CHICAGO, 2026, 3, 7, 10), 1)) == (
        "2026-03-08T10:00:00-05:00"
    )
    assert iso(add_business_days(calendar, local(CHICAGO, 2026, 3, 7, 2, 30), 1)) == (
        "2026-03-08T03:00:00-05:00"
    )


def test_business_days_clamp_into_a_shorter_day():
    calendar = BusinessCalendar.from_weekday_hours(
        CHICAGO, {0: (time(9), time(17)), 4: (time(9), time(13))}
    )
    assert iso(add_business_days(calendar, local(CHICAGO, 2026, 3, 2, 15), 1)) == (
        "2026-03-06T13:00:00-06:00"
    )


def test_business_days_on_an_overnight_span_keep_the_position_past_midnight():
    due = add_business_days(night_shift(), local(CHICAGO, 2026, 3, 3, 2), 1)  # Monday's shift
    assert iso(due) == "2026-03-04T02:00:00-06:00"
    due = add_business_days(night_shift(), local(CHICAGO, 2026, 3, 7, 2), 1)  # Friday's shift
    assert iso(due) == "2026-03-10T02:00:00-05:00"


def test_many_business_days_skip_whole_years_with_their_holidays():
    calendar = office_hours(closed=us_major_holidays(range(2026, 2031)))
    due = add_business_days(calendar, local(CHICAGO, 2026, 1, 2, 10), 1000)
    expected = date(2026, 1, 2)
    counted = 0
    while counted < 1000:
        expected += timedelta(days=1)
        counted += expected.weekday() < 5 and expected not in calendar.closed_dates
    assert due.date() == expected
    assert due.time() == time(10)


# --- construction and validation --------------------------------------------------------------


def test_from_weekday_hours_reads_times():
    calendar = BusinessCalendar.from_weekday_hours(
        CHICAGO, {0: (time(9), time(0)), 1: (time(22), time(6)), 2: "all_day", 3: None}
    )
    assert calendar.weekly_hours == {
        0: (OpeningSpan(540, 1440),),
        1: (OpeningSpan(1320, 360),),
        2: (OpeningSpan(0, 1440),),
    }
    with pytest.raises(ValueError):
        BusinessCalendar.from_weekday_hours(CHICAGO, {0: (time(9, 0, 30), time(17))})


@pytest.mark.parametrize(("start", "end"), [(-1, 60), (1440, 60), (0, 0), (0, 1441)])
def test_opening_spans_reject_minutes_out_of_range(start, end):
    with pytest.raises(ValueError):
        OpeningSpan(start, end)


def test_naive_datetimes_are_rejected():
    calendar = office_hours()
    naive = datetime(2026, 3, 2, 10)
    aware = local(CHICAGO, 2026, 3, 2, 10)
    with pytest.raises(ValueError):
        add_business_time(calendar, naive, HOURS)
    with pytest.raises(ValueError):
        business_time_between(calendar, naive, aware)
    with pytest.raises(ValueError):
        business_time_between(calendar, aware, naive)
    with pytest.raises(ValueError):
        add_calendar_time(naive, HOURS)
    with pytest.raises(ValueError):
        add_business_days(calendar, naive, 1)


def test_negative_durations_and_days_are_rejected():
    start = local(CHICAGO, 2026, 3, 2, 10)
    with pytest.raises(ValueError):
        add_business_time(office_hours(), start, -HOURS)
    with pytest.raises(ValueError):
        add_business_days(office_hours(), start, -1)


def test_a_calendar_that_never_opens_cannot_reach_a_due_time():
    never = BusinessCalendar(CHICAGO, {})
    start = local(CHICAGO, 2026, 3, 2, 10)
    assert business_time_between(never, start, start + timedelta(days=30)) == timedelta(0)
    with pytest.raises(ValueError):
        add_business_time(never, start, HOURS)
    with pytest.raises(ValueError):
        add_business_days(never, start, 1)
