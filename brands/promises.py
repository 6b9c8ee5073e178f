"""The brand's promises in words: one home for how a due time and a policy's response promises
are written, for mail, pages, the API and admin alike. Every figure comes from the policy."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import dateformat, translation

from brands.models import Brand, OpeningHours, SlaPolicy

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


# A due time as each language writes one; day and month names come from Django's catalogues.
PROMISE_FORMATS = {
    "en": "l j F, g:i A T",
    "fr": "l j F, H:i T",
    "es": r"l j \d\e F, H:i T",
    "de": "l, j. F, H:i T",
}


def promise_text(moment: datetime, time_zone: str, language: str = "en") -> str:
    """A due time in the customer's words: "Monday 30 November, 3:00 PM CST", "lundi 30
    novembre, 15:00 CST". A language without a format here reads the English one."""
    local = moment.astimezone(ZoneInfo(time_zone))
    language = language if language in PROMISE_FORMATS else "en"
    with translation.override(language):
        return dateformat.format(local, PROMISE_FORMATS[language])


@dataclass(frozen=True)
class Promises:
    numbers: dict[str, Any]
    sentence: str


def hours_text(value: Decimal | None) -> str:
    return "" if value is None else format(Decimal(value).normalize(), "f")


def plural(value: Decimal | int, unit: str) -> str:
    text = hours_text(Decimal(value))
    return f"{text} {unit}" if text == "1" else f"{text} {unit}s"


def span(target: Decimal, latest: Decimal, *, unit: str = "business hour") -> str:
    """ "24 to 48 business hours", or one number when target and latest are the same."""
    if target != latest:
        return f"{hours_text(target)} to {plural(latest, unit)}"
    return plural(latest, unit)


def _open_days(brand: Brand) -> str:
    days = sorted(
        row.weekday for row in brand.opening_hours.all() if row.mode != OpeningHours.Mode.CLOSED
    )
    if not days:
        return ""
    if days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        return f"{WEEKDAYS[days[0]]} to {WEEKDAYS[days[-1]]}"
    return ", ".join(WEEKDAYS[day] for day in days)


def brand_promises(brand: Brand) -> Promises:
    """The brand's current response promises, as numbers and as one paragraph a storefront can
    show; every figure comes from the brand's policy. `brand` comes from `brand_profile`."""
    policy: SlaPolicy = brand.policy
    tiers = [tier for tier in brand.tiers.all() if tier.level > 1]
    numbers = {
        "first_response_target_hours": policy.first_response_target_hours,
        "first_response_latest_hours": policy.first_response_latest_hours,
        "urgent_latest_hours": policy.urgent_latest_hours,
        "urgent_hours_are_business_hours": policy.urgent_clock == SlaPolicy.Clock.BUSINESS,
        "other_language_extra_hours": policy.language_extension_hours,
        "complaint_proposal_latest_hours": policy.complaint_proposal_latest_hours,
        "update_every_business_days": policy.update_latest_business_days,
        "escalation_tiers": [
            {
                "level": tier.level,
                "name": tier.name,
                "response_latest_hours": tier.response_latest_hours,
            }
            for tier in brand.tiers.all()
        ],
    }
    urgent_unit = "business hour" if numbers["urgent_hours_are_business_hours"] else "hour"
    target, latest = policy.first_response_target_hours, policy.first_response_latest_hours
    parts = [
        f"We answer within {span(target, latest)}, and within "
        f"{plural(policy.urgent_latest_hours, urgent_unit)} for urgent matters."
    ]
    next_target, next_latest = policy.next_reply_hours()
    next_urgent = policy.next_reply_urgent_hours()
    if (next_target, next_latest, next_urgent) != (target, latest, policy.urgent_latest_hours):
        parts.append(
            f"Every later message is answered within {span(next_target, next_latest)}, and within "
            f"{plural(next_urgent, urgent_unit)} for urgent matters."
        )
    days = _open_days(brand)
    if days:
        parts.append(f"Business hours count {days}, except holidays.")
    if policy.language_extension_hours:
        extra = plural(policy.language_extension_hours, "business hour")
        parts.append(f"Requests in other languages may take up to {extra} more.")
    if policy.complaint_proposal_latest_hours is not None:
        hours = plural(policy.complaint_proposal_latest_hours, "business hour")
        parts.append(f"We propose a resolution to a complaint within {hours}.")
    if policy.update_latest_business_days:
        low = policy.update_reminder_business_days or policy.update_latest_business_days
        high = policy.update_latest_business_days
        days_span = f"{low} to {high}" if low != high else f"{high}"
        parts.append(
            f"While we work on an issue, you hear from us every {days_span} business days."
        )
    elif policy.notify_customer_on_status_change:
        parts.append("We keep you informed at each step.")
    for tier in tiers:
        if tier.response_latest_hours is not None:
            unit = "business hour" if tier.clock == SlaPolicy.Clock.BUSINESS else "hour"
            hours = plural(tier.response_latest_hours, unit)
            parts.append(f"An escalation to our {tier.name.lower()} is answered within {hours}.")
    return Promises(numbers=numbers, sentence=" ".join(parts))
