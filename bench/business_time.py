"""Benchmark: add 48 business hours, our engine against the `businesstimedelta` package.

Run with ``python bench/business_time.py``. The calendar is 09:00-17:00 Monday to Friday in
America/Chicago, closed on the six major US holidays (and their observed dates) of 2020-2035.

businesstimedelta is not a project dependency; when missing, this script installs
``businesstimedelta==1.0.1`` (which pulls in pytz) into the running interpreter.

Before timing, both libraries must agree on 1,000 seeded random start instants over 2026-2030
(most of them outside business hours, some exactly at an opening or closing time). The script
exits with status 1 and prints the first mismatches if they do not.
"""

from __future__ import annotations

import importlib
import random
import statistics
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from time import perf_counter
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import holidays

from helpdesk.business_time import (
    BusinessCalendar,
    add_business_time,
    business_time_between,
)

TIME_ZONE = "America/Chicago"
MAJOR_HOLIDAYS = {
    "New Year's Day",
    "Memorial Day",
    "Independence Day",
    "Labor Day",
    "Thanksgiving Day",
    "Christmas Day",
}
DURATION = timedelta(hours=48)
SAMPLES = 1_000
SEED = 20260308
ENGINE_REPEATS = 50
REFERENCE_REPEATS = 3
TARGET_SPEEDUP = 20


def load_businesstimedelta():
    try:
        return importlib.import_module("businesstimedelta")
    except ImportError:
        print("businesstimedelta is not installed; installing it for this benchmark with")
        print(f"  {sys.executable} -m pip install businesstimedelta==1.0.1")
        subprocess.check_call([sys.executable, "-m", "pip", "install", "businesstimedelta==1.0.1"])
        importlib.invalidate_caches()
        return importlib.import_module("businesstimedelta")


def closed_dates() -> frozenset[date]:
    return frozenset(
        day
        for day, name in holidays.country_holidays("US", years=range(2020, 2036)).items()
        if name.removesuffix(" (observed)") in MAJOR_HOLIDAYS
    )


def sample_instants(rng: random.Random) -> list[datetime]:
    """Uniform instants, plus exact 09:00 openings and 17:00 closings on random dates."""
    zone = ZoneInfo(TIME_ZONE)
    first = datetime(2026, 1, 1, tzinfo=UTC)
    seconds = int((datetime(2031, 1, 1, tzinfo=UTC) - first).total_seconds())
    instants = []
    for _ in range(SAMPLES):
        kind = rng.random()
        if kind < 0.7:
            moment = first + timedelta(seconds=rng.randrange(seconds))
            instants.append(moment.astimezone(zone))
        else:
            day = date(2026, 1, 1) + timedelta(days=rng.randrange(5 * 365))
            hour = 9 if kind < 0.85 else 17
            instants.append(datetime.combine(day, time(hour), zone))
    return instants


def median_us(function, instants: list[datetime], repeats: int) -> float:
    per_call = []
    for instant in instants:
        started = perf_counter()
        for _ in range(repeats):
            function(instant)
        per_call.append((perf_counter() - started) / repeats * 1e6)
    return statistics.median(per_call)


def main() -> int:
    businesstimedelta = load_businesstimedelta()
    import pytz

    closed = closed_dates()
    calendar = BusinessCalendar.from_weekday_hours(
        TIME_ZONE, dict.fromkeys(range(5), (time(9), time(17))), closed
    )

    pytz_zone = pytz.timezone(TIME_ZONE)
    # businesstimedelta localizes with pytz itself; it needs the pytz zone on every rule.
    # HolidayRule only tests `day in holidays`, so a frozenset is its fastest valid input.
    rules = businesstimedelta.Rules(
        [
            businesstimedelta.WorkDayRule(
                start_time=time(9), end_time=time(17), working_days=[0, 1, 2, 3, 4], tz=pytz_zone
            ),
            businesstimedelta.HolidayRule(closed, tz=pytz_zone),
        ]
    )
    delta = businesstimedelta.BusinessTimeDelta(rules, hours=48)

    def engine(instant: datetime) -> datetime:
        return add_business_time(calendar, instant, DURATION)

    def reference(instant: datetime) -> datetime:
        # A pytz-localized start, as businesstimedelta expects (astimezone normalizes it).
        return instant.astimezone(pytz_zone) + delta

    instants = sample_instants(random.Random(SEED))
    mismatches, equivalent = [], 0
    for instant in instants:
        ours = engine(instant).astimezone(UTC)
        theirs = reference(instant).astimezone(UTC)
        if ours == theirs:
            continue
        # Both libraries stop at the earliest instant (a closing time, not the next opening), so
        # no difference is expected. Should one ever return the next opening instead, that is
        # the same business position: no business time lies between the two instants.
        earlier, later = sorted((ours, theirs))
        if business_time_between(calendar, earlier, later) == timedelta(0):
            equivalent += 1
        else:
            mismatches.append((instant, ours, theirs))
    if mismatches:
        print(f"{len(mismatches)} of {len(instants)} due times differ; first ones:")
        for instant, ours, theirs in mismatches[:10]:
            zone = ZoneInfo(TIME_ZONE)
            print(
                f"  start {instant.isoformat()}: engine {ours.astimezone(zone).isoformat()}"
                f"  businesstimedelta {theirs.astimezone(zone).isoformat()}"
            )
        return 1
    print(
        f"checked {len(instants)} start instants (2026-2030, {len(closed)} closed dates): "
        f"{len(instants) - equivalent} identical due times, {equivalent} same business position"
    )

    for instant in instants[:50]:  # warm caches on both sides
        engine(instant)
        reference(instant)
    ours_us = median_us(engine, instants, ENGINE_REPEATS)
    theirs_us = median_us(reference, instants, REFERENCE_REPEATS)
    speedup = theirs_us / ours_us
    print(f"engine              median {ours_us:6.1f} us per add(48 business hours)")
    print(f"businesstimedelta   median {theirs_us:6.1f} us per add(48 business hours)")
    print(f"speedup             {speedup:.1f}x (target >= {TARGET_SPEEDUP}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
