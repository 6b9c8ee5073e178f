"""The public policy page in the brand's own words.

Each section's text lives in the brand file (and in admin, versioned like every setting) with
placeholders for the figures: `{first_response}` becomes "24 to 48 business hours" from the
settings that drive the clocks. A paragraph or list item whose figure is switched off is left
out, so the page never states a promise the helpdesk does not keep.

The text is plain: blank lines separate paragraphs, lines starting "- " are list items, and a
paragraph that is only a list placeholder (`{categories}`) becomes that list.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from brands.models import Brand, SlaPolicy
from brands.promises import plural, span
from brands.services import WEEKDAY_NAMES, opening_hours_text

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")

# What each placeholder says, for the brand file's readers and admin's help text.
INLINE_PLACEHOLDERS = {
    "brand_name": "the brand's name",
    "support_email": "the primary support address, as a mail link",
    "contact_form": 'a link to the contact form, reading "contact form"',
    "time_zone": "the time zone business hours are counted in",
    "first_response": 'the first-response promise, e.g. "24 to 48 business hours"',
    "next_reply": "the promise for a later message, when it differs from the first",
    "urgent_response": 'the urgent promise, e.g. "12 business hours" or "24 hours"',
    "urgent_examples": "the urgent reasons, in lower case, separated by commas",
    "update_interval": 'the update cadence, e.g. "3 to 5 business days"',
    "complaint_proposal": "the time to propose a resolution to a complaint",
    "senior_name": "the name of the second tier, in lower case",
    "senior_response": "the second tier's response window, in its own unit",
    "language_extension": "the extra time for other languages",
    "holidays": "the holidays the brand closes for, separated by commas",
}
LIST_PLACEHOLDERS = {
    "opening_hours": "the opening hours, one line per group of days",
    "categories": "the areas of assistance, each with its description",
    "closures": "the coming closures, with their dates (nothing when there are none)",
    "peak_periods": "the coming busy periods and their extension (nothing when none)",
}


def page_placeholders() -> set[str]:
    return INLINE_PLACEHOLDERS.keys() | LIST_PLACEHOLDERS.keys()


def placeholder_errors(text: str) -> list[str]:
    """The placeholders of `text` that the page does not know."""
    return sorted({name for name in PLACEHOLDER.findall(text) if name not in page_placeholders()})


@dataclass(frozen=True)
class RenderedSection:
    key: str
    heading: str
    html: SafeString


def opening_lines(brand: Brand) -> list[str]:
    """Weekdays grouped by their hours: ["Monday to Friday: all day", "Saturday, Sunday: ..."]."""
    texts = {row.weekday: opening_hours_text(row) for row in brand.opening_hours.all()}
    by_text: dict[str, list[int]] = {}
    for weekday in range(7):
        by_text.setdefault(texts.get(weekday, "closed"), []).append(weekday)
    lines = []
    for text, days in by_text.items():
        names = [WEEKDAY_NAMES[day].capitalize() for day in days]
        consecutive = days == list(range(days[0], days[-1] + 1))
        label = f"{names[0]} to {names[-1]}" if consecutive and len(days) > 2 else ", ".join(names)
        lines.append(f"{label}: {text}")
    return lines


def _day(value: date) -> str:
    return f"{value:%B} {value.day}, {value.year}"


def page_values(brand: Brand, *, contact_url: str, today: date) -> dict[str, SafeString | None]:
    """Every placeholder's HTML for this brand now; None where the setting is switched off."""
    policy: SlaPolicy = brand.policy
    addresses = [address.email for address in brand.addresses.all()]
    tiers = [tier for tier in brand.tiers.all() if tier.level == 2]
    senior = tiers[0] if tiers else None
    urgent_unit = "business hour" if policy.urgent_clock == SlaPolicy.Clock.BUSINESS else "hour"
    first = (policy.first_response_target_hours, policy.first_response_latest_hours)
    next_reply = policy.next_reply_hours()
    update_low = policy.update_reminder_business_days or policy.update_latest_business_days
    update_high = policy.update_latest_business_days

    def text(value: str | None) -> SafeString | None:
        return None if not value else escape(value)

    inline = {
        "brand_name": text(brand.name),
        "support_email": format_html('<a href="mailto:{0}">{0}</a>', addresses[0])
        if addresses
        else None,
        "contact_form": format_html('<a href="{}">contact form</a>', contact_url),
        "time_zone": text(brand.time_zone),
        "first_response": text(span(*first)),
        "next_reply": text(span(*next_reply)) if next_reply != first else None,
        "urgent_response": text(plural(policy.urgent_latest_hours, urgent_unit)),
        "urgent_examples": text(", ".join(r.name.lower() for r in brand.urgent_reasons.all())),
        "update_interval": text(
            (f"{update_low} to {update_high}" if update_low != update_high else f"{update_high}")
            + " business days"
        )
        if update_high
        else None,
        "complaint_proposal": text(
            plural(policy.complaint_proposal_latest_hours, "business hour")
            if policy.complaint_proposal_latest_hours is not None
            else None
        ),
        "senior_name": text(senior.name.lower()) if senior else None,
        "senior_response": text(
            span(
                senior.response_target_hours or senior.response_latest_hours,
                senior.response_latest_hours,
                unit="business hour" if senior.clock == SlaPolicy.Clock.BUSINESS else "hour",
            )
        )
        if senior and senior.response_latest_hours is not None
        else None,
        "language_extension": text(plural(policy.language_extension_hours, "business hour"))
        if policy.language_extension_hours
        else None,
        "holidays": text(", ".join(sorted(h.name for h in brand.holidays.all()))),
    }
    closures = [c for c in brand.closures.all() if c.ends_on >= today]
    peaks = [p for p in brand.peak_periods.all() if p.ends_on >= today]
    lists = {
        "opening_hours": _list(opening_lines(brand), escape),
        "categories": _list(
            list(brand.categories.all()),
            lambda c: (
                format_html("<strong>{}</strong>: {}", c.name, c.description)
                if c.description
                else escape(c.name)
            ),
        ),
        "closures": _list(
            closures,
            lambda c: escape(f"{c.name}: closed {_day(c.starts_on)} to {_day(c.ends_on)}"),
        ),
        "peak_periods": _list(
            peaks,
            lambda p: escape(
                f"{p.name} ({_day(p.starts_on)} to {_day(p.ends_on)}): replies may take up to "
                f"{plural(p.extension_hours, 'business hour')} longer"
            ),
        ),
    }
    return inline | lists


def _bullets(items_html: list[SafeString]) -> SafeString:
    return format_html(
        "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((i,) for i in items_html))
    )


def _list(items: list, item_html: Callable) -> SafeString | None:
    if not items:
        return None
    return format_html(
        "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((item_html(i),) for i in items))
    )


def _fill(text: str, values: dict[str, SafeString | None]) -> SafeString | None:
    """`text` escaped, its placeholders replaced; None when a figure it needs is off."""
    parts: list[str] = []
    position = 0
    for match in PLACEHOLDER.finditer(text):
        value = values.get(match.group(1))
        if value is None:
            return None
        parts += [escape(text[position : match.start()]), value]
        position = match.end()
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))


def section_html(body: str, values: dict[str, SafeString | None]) -> SafeString:
    """One section's text as HTML: paragraphs, lists, and list placeholders."""
    blocks: list[str] = []
    for paragraph in re.split(r"\n\s*\n", body.strip()):
        lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
        whole = PLACEHOLDER.fullmatch(lines[0]) if len(lines) == 1 else None
        if whole and whole.group(1) in LIST_PLACEHOLDERS:
            blocks.append(values.get(whole.group(1)) or "")
            continue
        text_lines = [line for line in lines if not line.startswith("- ")]
        items = [_fill(line[2:], values) for line in lines if line.startswith("- ")]
        if text_lines:
            filled = _fill(" ".join(text_lines), values)
            if filled is not None:
                blocks.append(format_html("<p>{}</p>", filled))
        shown = [item for item in items if item is not None]
        if shown:
            blocks.append(
                format_html(
                    "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((i,) for i in shown))
                )
            )
    return mark_safe("".join(blocks))


def policy_page_sections(brand: Brand, *, contact_url: str, today: date) -> list[RenderedSection]:
    """The brand's policy page, section by section, with every figure from its settings."""
    values = page_values(brand, contact_url=contact_url, today=today)
    return [
        RenderedSection(
            key=section.key,
            heading=_fill(section.heading, values) or "",
            html=section_html(section.body, values),
        )
        for section in brand.policy_sections.all()
    ]
