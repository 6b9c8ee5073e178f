"""The holiday names a brand may choose from, as the `holidays` package gives them."""

import functools
from datetime import date

import holidays

OBSERVED_SUFFIX = " (observed)"
# Names are checked against this span of years, wide enough to see every named holiday.
NAME_CHECK_YEARS = range(2020, 2036)


def _base_names(raw_name: str) -> list[str]:
    # The package joins two holidays on one date with "; " and marks moved dates "(observed)".
    return [part.removesuffix(OBSERVED_SUFFIX).strip() for part in raw_name.split(";")]


@functools.lru_cache(maxsize=32)
def known_holiday_names(country: str) -> frozenset[str]:
    """Every holiday name the `holidays` package gives for `country` (empty if unknown)."""
    try:
        calendar = holidays.country_holidays(country, years=NAME_CHECK_YEARS)
    except NotImplementedError:
        return frozenset()
    return frozenset(name for raw in calendar.values() for name in _base_names(raw))


def holiday_dates(country: str, names: frozenset[str], years: range) -> set[date]:
    """The dates, observed ones included, on which any of the named holidays falls."""
    calendar = holidays.country_holidays(country, years=years)
    return {day for day, raw in calendar.items() if names.intersection(_base_names(raw))}
