"""Business-time arithmetic for SLA due times.

Pure standard library (no Django, no ORM) so it can be used and tested anywhere.

Model
-----
A :class:`BusinessCalendar` is a weekly pattern of local wall-clock opening spans plus a set of
closed local dates (holidays, one-off closures). Every instant is either open or closed, and
*business time* is the real elapsed time (not wall-clock time) during which the calendar is open.

Internally the timeline is cut into *day windows*: the window of local date D runs from the instant
of D 00:00 to the instant of D+1 00:00. Spans are clipped into these windows, so the open time of a
window depends only on its weekday, on whether D is closed (its own spans) and on whether D-1 is
closed (the after-midnight tails of D-1's overnight spans). That gives 28 possible wall-clock
*patterns*, precomputed once.

The cumulative open time up to the start of window D is then

    weeks * open_time_of_a_standard_week + open_time_of_the_leading_weekdays
    + sum of (pattern - standard) over exceptional dates before D      (closed dates, day after)
    + sum of (real - pattern) over DST-affected dates before D

The last two sums are prefix sums over sorted lists, read with bisect, so evaluating it costs the
same whatever the distance and however many holidays the calendar has. Adding business time is the
inverse: a guess from week arithmetic, verified (and if needed corrected by galloping + bisection)
against that cumulative function.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

__all__ = [
    "BusinessCalendar",
    "OpeningSpan",
    "add_business_days",
    "add_business_time",
    "add_calendar_time",
    "business_time_between",
]

_MINUTE_US = 60_000_000
_DAY_MINUTES = 1440
_DAY_US = _DAY_MINUTES * _MINUTE_US
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_MIN_YEAR, _MAX_YEAR = 2, 9997  # keep the DST probing margins inside datetime's range

# Offsets are probed every 6 hours; tz databases never hold two opposite transitions that close.
_PROBE_STEP_S = 6 * 3600
# Probing runs past the year's ends by more than the marking radius below, so a date near New
# Year is marked even when the transition that disturbs it belongs to the neighbouring year.
_PROBE_MARGIN_S = 7 * 86400
# Dates this close (in UTC days) to a transition take the exact, per-instant path. Only the
# local dates touching the transition need it; the slack costs nothing but a few cached windows.
_AFFECTED_RADIUS_DAYS = 4


@dataclass(frozen=True)
class OpeningSpan:
    """A local wall-clock opening span on a weekday, in minutes from local midnight.

    ``end_minute <= start_minute`` means an overnight span that runs into the next day
    (22:00-06:00 is ``OpeningSpan(1320, 360)``); ``OpeningSpan(0, 1440)`` is all day.
    """

    start_minute: int  # 0..1439
    end_minute: int  # 1..1440

    def __post_init__(self) -> None:
        for name in ("start_minute", "end_minute"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{name} must be an int, got {value!r}")
        if not 0 <= self.start_minute < _DAY_MINUTES:
            raise ValueError(f"start_minute must be in 0..1439, got {self.start_minute}")
        if not 1 <= self.end_minute <= _DAY_MINUTES:
            raise ValueError(f"end_minute must be in 1..1440, got {self.end_minute}")

    @property
    def overnight(self) -> bool:
        return self.end_minute <= self.start_minute

    @property
    def wall_end_minute(self) -> int:
        """End in minutes from the midnight of the day the span starts on (> 1440 if overnight)."""
        return self.end_minute + _DAY_MINUTES if self.overnight else self.end_minute


def _merge(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


class _Segments:
    """Sorted disjoint open intervals (integer microseconds) with running totals."""

    __slots__ = ("cum_before", "cum_end", "ends", "starts", "total")

    def __init__(self, intervals: Iterable[tuple[int, int]]) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.cum_before: list[int] = []
        self.cum_end: list[int] = []
        total = 0
        for start, end in _merge(intervals):
            self.starts.append(start)
            self.ends.append(end)
            self.cum_before.append(total)
            total += end - start
            self.cum_end.append(total)
        self.total = total

    def elapsed(self, position: int) -> int:
        """Open time before ``position``."""
        i = bisect_right(self.starts, position) - 1
        if i < 0:
            return 0
        end = self.ends[i]
        return self.cum_before[i] + (position if position < end else end) - self.starts[i]

    def position(self, need: int) -> int:
        """Earliest position where the open time reaches ``need`` (0 < need <= total)."""
        i = bisect_left(self.cum_end, need)
        return self.starts[i] + need - self.cum_before[i]


class _Window(_Segments):
    """Exact open intervals of one day window, as UTC microseconds since the epoch."""

    __slots__ = ("end", "start")

    def __init__(self, start: int, end: int, intervals: Iterable[tuple[int, int]]) -> None:
        super().__init__(intervals)
        self.start = start
        self.end = end


class _DstState:
    """Immutable snapshot of the lazily grown DST data; replaced whole, so readers never lock."""

    __slots__ = (
        "anchor",
        "anchor_value",
        "first_year",
        "hi",
        "last_year",
        "lo",
        "ordinals",
        "prefix",
        "windows",
    )

    def __init__(
        self,
        first_year: int,
        last_year: int,
        windows: dict[int, _Window],
        ordinals: list[int],
        prefix: list[int],
        anchor: int,
        anchor_value: int,
    ) -> None:
        self.first_year = first_year
        self.last_year = last_year
        # An empty range (lo > hi) until the first query.
        self.lo = date(first_year, 1, 1).toordinal() if first_year <= last_year else 1
        self.hi = date(last_year, 12, 31).toordinal() if first_year <= last_year else 0
        self.windows = windows
        self.ordinals = ordinals
        self.prefix = prefix
        self.anchor = anchor
        self.anchor_value = anchor_value


def _to_us(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def _timedelta_us(delta: timedelta) -> int:
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def _offset_at(zone: ZoneInfo, seconds: int) -> timedelta:
    return (_EPOCH + timedelta(seconds=seconds)).astimezone(zone).utcoffset()  # type: ignore[return-value]


@lru_cache(maxsize=4096)
def _transitions(zone: ZoneInfo, year: int) -> tuple[int, ...]:
    """UTC seconds of every offset change in ``year`` (plus a week's margin on both sides).

    zoneinfo has no public transition API, so offsets are probed and each change is bisected to
    the second.
    """
    year = min(max(year, _MIN_YEAR), _MAX_YEAR)
    first = _to_us(datetime(year, 1, 1, tzinfo=UTC)) // 1_000_000 - _PROBE_MARGIN_S
    last = _to_us(datetime(year + 1, 1, 1, tzinfo=UTC)) // 1_000_000 + _PROBE_MARGIN_S
    found = []
    previous = _offset_at(zone, first)
    for probe in range(first + _PROBE_STEP_S, last + _PROBE_STEP_S, _PROBE_STEP_S):
        offset = _offset_at(zone, probe)
        if offset != previous:
            lo, hi = probe - _PROBE_STEP_S, probe
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if _offset_at(zone, mid) == previous:
                    lo = mid
                else:
                    hi = mid
            found.append(hi)
            previous = offset
    return tuple(found)


def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")


def _last_below(
    f: Callable[[int], int], target: int, lo: int, f_lo: int, guess: int
) -> tuple[int, int]:
    """Largest n >= lo with f(n) < target, and f(n); f is non-decreasing and f(lo) = f_lo < target.

    ``guess`` is usually exact, which costs two evaluations; otherwise galloping from it keeps the
    number of evaluations logarithmic in the size of the error.
    """
    hi = None
    if guess > lo:
        f_guess = f(guess)
        if f_guess < target:
            lo, f_lo = guess, f_guess
        else:
            hi = guess
    step = 1
    if hi is None:
        while True:
            candidate = lo + step
            f_candidate = f(candidate)
            if f_candidate >= target:
                hi = candidate
                break
            lo, f_lo = candidate, f_candidate
            step *= 2
    else:
        while hi - lo > 1:
            candidate = hi - step
            if candidate <= lo:
                break
            f_candidate = f(candidate)
            if f_candidate < target:
                lo, f_lo = candidate, f_candidate
                break
            hi = candidate
            step *= 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        f_mid = f(mid)
        if f_mid < target:
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    return lo, f_lo


def _weekly_inverse(prefix: list[int], per_week: int, value: int) -> int:
    """Ordinal n with S(n) < value <= S(n + 1), where S sums a weekly pattern from 0001-01-01."""
    if value <= 0:
        return 0
    weeks = (value - 1) // per_week
    rest = value - weeks * per_week
    return weeks * 7 + bisect_left(prefix, rest)  # == 7w + k + 1 with k the weekday index


class BusinessCalendar:
    """Weekly opening hours in a time zone, minus closed dates.

    ``weekly_hours`` maps weekday (0=Monday .. 6=Sunday) to opening spans; a weekday that is
    missing or has no spans is closed. Spans of one weekday may overlap each other and the
    previous day's overnight tail; the open time is their union. ``closed_dates`` are local dates.
    A span belongs to the date it starts on: when that date is closed the whole span is closed,
    including the part after midnight.
    """

    def __init__(
        self,
        time_zone: str,
        weekly_hours: Mapping[int, Sequence[OpeningSpan]],
        closed_dates: Iterable[date] = (),
    ) -> None:
        self._time_zone = time_zone
        self._zone = ZoneInfo(time_zone)
        spans: list[tuple[OpeningSpan, ...]] = [()] * 7
        for weekday, day_spans in weekly_hours.items():
            if not isinstance(weekday, int) or isinstance(weekday, bool) or not 0 <= weekday <= 6:
                raise ValueError(f"weekday must be 0 (Monday)..6 (Sunday), got {weekday!r}")
            checked = []
            for span in day_spans:
                if not isinstance(span, OpeningSpan):
                    raise TypeError(f"expected OpeningSpan, got {span!r}")
                checked.append(span)
            spans[weekday] = tuple(
                sorted(set(checked), key=lambda s: (s.start_minute, s.wall_end_minute))
            )
        self._spans = tuple(spans)

        closed: set[int] = set()
        for day in closed_dates:
            if isinstance(day, datetime) or not isinstance(day, date):
                raise TypeError(f"closed dates must be dates, got {day!r}")
            closed.add(day.toordinal())
        self._closed = frozenset(closed)

        # Pattern index: weekday * 4 + previous_date_closed * 2 + date_closed.
        self._patterns: list[_Segments] = []
        for weekday in range(7):
            yesterday = self._spans[(weekday - 1) % 7]
            for previous_closed in (False, True):
                for date_closed in (False, True):
                    minutes = []
                    if not date_closed:
                        minutes += [
                            (s.start_minute, min(s.wall_end_minute, _DAY_MINUTES))
                            for s in self._spans[weekday]
                        ]
                    if not previous_closed:
                        minutes += [
                            (0, s.wall_end_minute - _DAY_MINUTES)
                            for s in yesterday
                            if s.wall_end_minute > _DAY_MINUTES
                        ]
                    self._patterns.append(
                        _Segments((a * _MINUTE_US, b * _MINUTE_US) for a, b in minutes)
                    )

        standard = [self._patterns[weekday * 4].total for weekday in range(7)]
        self._week_prefix = [sum(standard[:k]) for k in range(8)]
        self._week_us = self._week_prefix[7]

        exceptional = sorted(closed | {ordinal + 1 for ordinal in closed})
        self._exc_ordinals = exceptional
        self._exc_prefix = [0]
        for ordinal in exceptional:
            delta = self._pattern(ordinal).total - standard[(ordinal - 1) % 7]
            self._exc_prefix.append(self._exc_prefix[-1] + delta)

        open_weekdays = [1 if day_spans else 0 for day_spans in self._spans]
        self._open_day_prefix = [sum(open_weekdays[:k]) for k in range(8)]
        self._open_days_per_week = self._open_day_prefix[7]
        self._closed_open_days = sorted(o for o in closed if open_weekdays[(o - 1) % 7])

        self._lock = threading.Lock()
        self._dst = _DstState(1, 0, {}, [], [0], 0, 0)

    @classmethod
    def from_weekday_hours(
        cls,
        time_zone: str,
        hours: Mapping[int, tuple[time, time] | Literal["all_day"] | None],
        closed_dates: Iterable[date] = (),
    ) -> BusinessCalendar:
        """Build a calendar with at most one span per weekday.

        ``(time(9), time(17))`` is 09:00-17:00, ``(time(22), time(6))`` runs overnight,
        an end of ``time(0)`` means midnight at the end of the day, ``"all_day"`` is 00:00-24:00
        and ``None`` (or a missing weekday) is closed. Times must be whole minutes.
        """
        weekly: dict[int, list[OpeningSpan]] = {}
        for weekday, value in hours.items():
            if value is None:
                weekly[weekday] = []
            elif value == "all_day":
                weekly[weekday] = [OpeningSpan(0, _DAY_MINUTES)]
            else:
                opens, closes = value
                start = _whole_minutes(opens)
                end = _whole_minutes(closes) or _DAY_MINUTES
                weekly[weekday] = [OpeningSpan(start, end)]
        return cls(time_zone, weekly, closed_dates)

    @property
    def time_zone(self) -> str:
        return self._time_zone

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    @property
    def weekly_hours(self) -> dict[int, tuple[OpeningSpan, ...]]:
        return {weekday: spans for weekday, spans in enumerate(self._spans) if spans}

    @property
    def closed_dates(self) -> frozenset[date]:
        return frozenset(date.fromordinal(o) for o in self._closed)

    def __repr__(self) -> str:
        return (
            f"BusinessCalendar({self._time_zone!r}, {self.weekly_hours!r}, "
            f"<{len(self._closed)} closed dates>)"
        )

    # -- wall clock -> instants --------------------------------------------------------------

    def _wall_us(self, wall: datetime) -> int:
        """UTC microseconds of a naive local wall time.

        Ambiguous (fall-back) times take fold=0, the first occurrence, so a span ending at 01:30
        on that night ends the first time the clock shows 01:30 and never reopens for the repeat.
        Times in a spring-forward gap do not exist; zoneinfo maps them (fold=0) with the pre-gap
        offset, i.e. into the hour after the gap, so the first valid instant after the gap is the
        transition itself: the latest offset change at or before that mapping.
        """
        moment = wall.replace(tzinfo=self._zone)
        us = _to_us(moment)
        back = (_EPOCH + timedelta(microseconds=us)).astimezone(self._zone)
        if back.replace(tzinfo=None) == wall:
            return us
        seconds = us // 1_000_000
        changes = sorted(
            {
                t
                for year in (wall.year - 1, wall.year, wall.year + 1)
                for t in _transitions(self._zone, year)
            }
        )
        return changes[bisect_right(changes, seconds) - 1] * 1_000_000

    def _from_us(self, us: int) -> datetime:
        return (_EPOCH + timedelta(microseconds=us)).astimezone(self._zone)

    # -- cumulative open time ----------------------------------------------------------------

    def _pattern(self, ordinal: int) -> _Segments:
        closed = self._closed
        return self._patterns[
            ((ordinal - 1) % 7) * 4 + ((ordinal - 1) in closed) * 2 + (ordinal in closed)
        ]

    def _build_window(self, ordinal: int) -> _Window:
        pattern = self._pattern(ordinal)
        midnight = datetime.fromordinal(ordinal)
        return _Window(
            self._wall_us(midnight),
            self._wall_us(midnight + timedelta(days=1)),
            [
                (
                    self._wall_us(midnight + timedelta(microseconds=a)),
                    self._wall_us(midnight + timedelta(microseconds=b)),
                )
                for a, b in zip(pattern.starts, pattern.ends, strict=True)
            ],
        )

    def _extend(self, ordinal: int) -> _DstState:
        """Cover the year of ``ordinal`` (and its neighbours) with exact DST windows.

        Coverage only ever grows contiguously and the DST sum is measured from a fixed anchor
        date, so values already handed out stay valid while a computation is under way.
        """
        with self._lock:
            state = self._dst
            if state.lo <= ordinal <= state.hi:
                return state
            year = date.fromordinal(min(max(ordinal, 1), date.max.toordinal())).year
            first, last = max(year - 1, 1), min(year + 1, 9999)
            empty = state.first_year > state.last_year
            if not empty:
                first, last = min(first, state.first_year), max(last, state.last_year)
            windows = dict(state.windows)
            for probe_year in range(first, last + 1):
                if not empty and state.first_year <= probe_year <= state.last_year:
                    continue
                for change in _transitions(self._zone, probe_year):
                    centre = _EPOCH_ORDINAL + change // 86400
                    for day in range(
                        centre - _AFFECTED_RADIUS_DAYS, centre + _AFFECTED_RADIUS_DAYS + 1
                    ):
                        if day not in windows:
                            windows[day] = self._build_window(day)
            ordinals = sorted(windows)
            prefix = [0]
            for day in ordinals:
                prefix.append(prefix[-1] + windows[day].total - self._pattern(day).total)
            anchor = ordinal if empty else state.anchor
            new_state = _DstState(
                first,
                last,
                windows,
                ordinals,
                prefix,
                anchor,
                prefix[bisect_left(ordinals, anchor)],
            )
            self._dst = new_state
            return new_state

    def _cum(self, ordinal: int) -> int:
        """Open microseconds from a fixed origin up to the start of the window of ``ordinal``."""
        state = self._dst
        if not state.lo <= ordinal <= state.hi:
            state = self._extend(ordinal)
        weeks, weekday = divmod(ordinal - 1, 7)
        return (
            weeks * self._week_us
            + self._week_prefix[weekday]
            + self._exc_prefix[bisect_left(self._exc_ordinals, ordinal)]
            + state.prefix[bisect_left(state.ordinals, ordinal)]
            - state.anchor_value
        )

    def _window(self, ordinal: int) -> _Window:
        window = self._dst.windows.get(ordinal)
        return window if window is not None else self._build_window(ordinal)

    def _locate(self, moment: datetime) -> tuple[int, int, int, int]:
        """(window ordinal, cum at the window start, open time into the window, window total)."""
        local = moment.astimezone(self._zone)
        ordinal = local.toordinal()
        state = self._dst
        if not state.lo <= ordinal <= state.hi:
            state = self._extend(ordinal)
        if ordinal in state.windows:
            us = _to_us(moment)
            window = state.windows[ordinal]
            while us < window.start:
                ordinal -= 1
                window = self._window(ordinal)
            while us >= window.end:
                ordinal += 1
                window = self._window(ordinal)
            return ordinal, self._cum(ordinal), window.elapsed(us), window.total
        pattern = self._pattern(ordinal)
        position = (
            (local.hour * 60 + local.minute) * 60 + local.second
        ) * 1_000_000 + local.microsecond
        return ordinal, self._cum(ordinal), pattern.elapsed(position), pattern.total

    def _instant(self, ordinal: int, need: int) -> datetime:
        """Earliest instant where window ``ordinal`` has accumulated ``need`` (> 0) open time."""
        window = self._dst.windows.get(ordinal)
        if window is not None:
            return self._from_us(window.position(need))
        position = self._pattern(ordinal).position(need)
        # No offset change near this date, so plain wall-clock arithmetic is exact.
        return datetime.fromordinal(ordinal).replace(tzinfo=self._zone) + timedelta(
            microseconds=position
        )

    def _add(self, start: datetime, duration_us: int) -> datetime:
        if not self._week_us:
            raise ValueError("the calendar has no opening hours, business time never passes")
        ordinal, cum, elapsed, total = self._locate(start)
        target = cum + elapsed + duration_us
        if target <= cum + total:
            return self._instant(ordinal, target - cum)
        first = ordinal + 1
        cum_first = cum + total
        weeks, weekday = divmod(first - 1, 7)
        # Assume no exceptional or DST-affected date lies ahead: then week arithmetic is exact.
        corrections = cum_first - weeks * self._week_us - self._week_prefix[weekday]
        guess = _weekly_inverse(self._week_prefix, self._week_us, target - corrections)
        day, cum_day = _last_below(self._cum, target, first, cum_first, guess)
        return self._instant(day, target - cum_day)

    # -- business days -----------------------------------------------------------------------

    def _open_days_before(self, ordinal: int) -> int:
        weeks, weekday = divmod(ordinal - 1, 7)
        return (
            weeks * self._open_days_per_week
            + self._open_day_prefix[weekday]
            - bisect_left(self._closed_open_days, ordinal)
        )

    def _owner_at(self, us: int) -> tuple[int, int] | None:
        """(start date ordinal, wall offset from its midnight) of a span containing ``us``."""
        local = self._from_us(us)
        today = local.toordinal()
        time_of_day = (
            (local.hour * 60 + local.minute) * 60 + local.second
        ) * 1_000_000 + local.microsecond
        for owner in (today, today - 1, today + 1):
            if owner in self._closed:
                continue
            midnight = datetime.fromordinal(owner)
            for span in self._spans[(owner - 1) % 7]:
                opens = self._wall_us(midnight + timedelta(minutes=span.start_minute))
                closes = self._wall_us(midnight + timedelta(minutes=span.wall_end_minute))
                if opens <= us < closes:
                    return owner, (today - owner) * _DAY_US + time_of_day
        return None

    def _business_days(self, start: datetime, days: int) -> datetime:
        if not self._open_days_per_week:
            raise ValueError("the calendar has no opening hours, business days never pass")
        us = _to_us(start)
        found = self._owner_at(us)
        if found is None:
            # The earliest instant holding 1 us of business time is 1 us after the next opening.
            us = _to_us(self._add(start, 1)) - 1
            found = self._owner_at(us)
            if found is None:  # pragma: no cover - would mean _add and the spans disagree
                raise AssertionError("next opening is not inside any span")
        owner, position = found
        if days == 0:
            return self._from_us(us)
        target = self._open_days_before(owner + 1) + days
        first = owner + 1
        count_first = self._open_days_before(first)
        corrections = count_first - self._open_days_before_standard(first)
        guess = _weekly_inverse(
            self._open_day_prefix, self._open_days_per_week, target - corrections
        )
        day, _ = _last_below(self._open_days_before, target, first, count_first, guess)
        spans = [
            (s.start_minute * _MINUTE_US, s.wall_end_minute * _MINUTE_US)
            for s in self._spans[(day - 1) % 7]
        ]
        if not any(opens <= position < closes for opens, closes in spans):
            later = [opens for opens, _ in spans if opens > position]
            position = min(later) if later else max(closes for _, closes in spans)
        return self._from_us(
            self._wall_us(datetime.fromordinal(day) + timedelta(microseconds=position))
        )

    def _open_days_before_standard(self, ordinal: int) -> int:
        weeks, weekday = divmod(ordinal - 1, 7)
        return weeks * self._open_days_per_week + self._open_day_prefix[weekday]


def _whole_minutes(value: time) -> int:
    if value.second or value.microsecond or value.tzinfo is not None:
        raise ValueError(f"opening times must be naive whole minutes, got {value!r}")
    return value.hour * 60 + value.minute


def add_business_time(calendar: BusinessCalendar, start: datetime, duration: timedelta) -> datetime:
    """The earliest instant at which the calendar has been open for ``duration`` since ``start``.

    A clock can therefore stop exactly at a closing time (Mon 09:00 + 8h on a 09-17 calendar is
    Mon 17:00). A zero duration returns ``start`` itself, even when closed. The result is in the
    calendar's time zone; negative durations raise ValueError.
    """
    _require_aware(start, "start")
    duration_us = _timedelta_us(duration)
    if duration_us < 0:
        raise ValueError(f"duration must not be negative, got {duration!r}")
    if duration_us == 0:
        return start.astimezone(calendar.zone)
    return calendar._add(start, duration_us)


def business_time_between(calendar: BusinessCalendar, start: datetime, end: datetime) -> timedelta:
    """Open time of the calendar in [start, end); zero when ``end`` is not after ``start``."""
    _require_aware(start, "start")
    _require_aware(end, "end")
    _, cum_start, elapsed_start, _ = calendar._locate(start)
    _, cum_end, elapsed_end, _ = calendar._locate(end)
    difference = cum_end + elapsed_end - cum_start - elapsed_start
    return timedelta(microseconds=difference) if difference > 0 else timedelta(0)


def add_calendar_time(start: datetime, duration: timedelta) -> datetime:
    """Plain elapsed time ("calendar hours"), in ``start``'s time zone.

    The sum is taken in UTC, so 24 hours across a spring-forward night shows 01:00 later on the
    wall clock.
    """
    _require_aware(start, "start")
    return (start.astimezone(UTC) + duration).astimezone(start.tzinfo)


def add_business_days(calendar: BusinessCalendar, start: datetime, days: int) -> datetime:
    """The same local time of day, ``days`` open dates later.

    An *open date* is a local date whose weekday has at least one span and that is not closed.

    1. Anchor: if ``start`` is inside a span (opening instant included, closing instant
       excluded), the anchor date is the date that span started on and the anchor position is
       ``start``'s wall-clock offset from that date's midnight (beyond 24:00 in the
       after-midnight part of an overnight span). Otherwise ``start`` first moves to the next
       opening instant and is anchored there, so a ticket received on Friday evening counts from
       Monday's opening.
    2. ``days == 0`` returns the anchor instant itself.
    3. Otherwise take the ``days``-th open date after the anchor date and the same wall-clock
       position on it. If that position is not inside one of that date's own spans (a shorter
       day), it moves to the next opening of that date, or to the closing of its last span when
       none opens later.

    Wall-clock positions are turned into instants like span boundaries are (fold=0, a time in a
    spring-forward gap becomes the end of the gap), so 10:00 stays 10:00 across DST changes.
    """
    _require_aware(start, "start")
    if not isinstance(days, int) or isinstance(days, bool):
        raise TypeError(f"days must be an int, got {days!r}")
    if days < 0:
        raise ValueError(f"days must not be negative, got {days}")
    return calendar._business_days(start, days)
