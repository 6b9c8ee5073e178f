"""The owner's policy form, one screen per section, each setting in the policy's words and with
its unit. A section's form reads and writes a draft's snapshot (brands.drafts), never the live
policy.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms

from brands.holiday_names import known_holiday_names
from brands.models import SlaPolicy
from brands.policy_rules import date_span, opening_hours_row
from brands.services import WEEKDAY_NAMES

HOURS_TEXT = re.compile(r"^(all day|closed|\d{1,2}:\d{2}\s*-\s*\d{1,2}:\d{2})$", re.IGNORECASE)
LINE = re.compile(
    r"^(?P<name>[^:]+):\s*(?P<start>\d{4}-\d{2}-\d{2})\s+to\s+(?P<end>\d{4}-\d{2}-\d{2})"
)
PEAK_LINE = re.compile(LINE.pattern + r"(?:\s*,\s*\+?(?P<hours>\d+(?:\.\d+)?))?\s*$")


@dataclass(frozen=True)
class Setting:
    key: str  # the snapshot key
    label: str
    kind: str  # hours, days, percent, choice, bool, text, phrases
    unit: str = ""
    help: str = ""
    optional: bool = False
    choices: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    intro: str
    settings: tuple[Setting, ...] = ()
    # Settings kept as a list under a prefix, edited as lines (closures, peak periods).
    lists: tuple[str, ...] = field(default=())


BH = "business hours"
SECTIONS = (
    Section(
        "hours",
        "Hours and holidays",
        "When the clock runs. The policy promises business hours: the clock counts only while "
        "the team is open, in the brand's time zone, and stops on the holidays picked here.",
        (
            *(
                Setting(
                    f"calendar.opening_hours.{day}",
                    day.capitalize(),
                    "opening",
                    help='"all day", "closed", or opening-closing such as 09:00-17:00.',
                )
                for day in WEEKDAY_NAMES
            ),
            Setting(
                "brand.time_zone", "Time zone", "text", help="Business hours are counted here."
            ),
            Setting(
                "calendar.holidays",
                "Holidays",
                "holidays",
                help="Closed on these days (and on the day they are observed).",
            ),
        ),
        lists=("calendar.closures.",),
    ),
    Section(
        "promises",
        "Response promises",
        'What the policy promises every email: "we respond within 24-48 business hours". '
        "The target is when the agent is warned; the latest is when the promise is broken.",
        (
            Setting(
                "policy.first_response_target_hours",
                "First response, target",
                "hours",
                BH,
                "The agent is warned when this much business time passed without an answer.",
            ),
            Setting(
                "policy.first_response_latest_hours",
                "First response, latest",
                "hours",
                BH,
                "The promise to the customer: the acknowledgement states this due time.",
            ),
            Setting(
                "policy.next_reply_target_hours",
                "A later message, target",
                "hours",
                BH,
                "Each message the customer writes after our answer. Empty: the first "
                "response's target.",
                optional=True,
            ),
            Setting(
                "policy.next_reply_latest_hours",
                "A later message, latest",
                "hours",
                BH,
                "Empty: the first response's latest time.",
                optional=True,
            ),
            Setting(
                "policy.warning_percent",
                "Warning for single-number promises",
                "percent",
                "% of the time",
                "Where the policy gives one number (urgent matters, the "
                "complaint proposal), warn when this share of it has passed.",
            ),
        ),
    ),
    Section(
        "urgent",
        "Urgent matters",
        'What the policy calls urgent ("a damaged item on delivery", "a lost package") is '
        "answered sooner. Urgent reasons are recognised in the customer's words.",
        (
            Setting(
                "policy.urgent_latest_hours",
                "Urgent first response, latest",
                "hours",
                "hours (counted as below)",
                "At most the first response's latest time.",
            ),
            Setting(
                "policy.urgent_clock",
                "Urgent hours are",
                "choice",
                choices=tuple(SlaPolicy.Clock.choices),
                help="Business hours pause on "
                "evenings, weekends and holidays; calendar hours never pause.",
            ),
            Setting(
                "policy.next_reply_urgent_latest_hours",
                "A later message on an urgent ticket, latest",
                "hours",
                "hours (counted as above)",
                "Empty: the urgent latest time.",
                optional=True,
            ),
        ),
    ),
    Section(
        "updates",
        "Updates on open issues",
        'How often the customer hears from us while an issue is open: "at least once every '
        '3-5 business days", or "at each step".',
        (
            Setting(
                "policy.update_reminder_business_days",
                "Remind the agent after",
                "days",
                "business days",
                "Empty: no reminder of its own (the latest below).",
                optional=True,
            ),
            Setting(
                "policy.update_latest_business_days",
                "Update latest after",
                "days",
                "business days",
                "Empty: no update cadence.",
                optional=True,
            ),
            Setting(
                "policy.notify_customer_on_status_change",
                "Tell the customer of every status change",
                "bool",
                help='The policy\'s "we keep you informed at each step".',
            ),
        ),
    ),
    Section(
        "complaints",
        "Complaints and tiers",
        "How a complaint is handled and when a senior team member reviews it.",
        (
            Setting(
                "policy.complaint_proposal_latest_hours",
                "Propose a resolution within",
                "hours",
                BH,
                "Empty: no such promise.",
                optional=True,
            ),
            Setting(
                "policy.customer_escalation_after",
                "The customer may ask for a senior review",
                "choice",
                choices=tuple(SlaPolicy.CustomerEscalation.choices),
            ),
            Setting(
                "tiers.2.response_target_hours",
                "Senior review, target",
                "hours",
                "hours (counted as the tier's clock)",
                optional=True,
            ),
            Setting(
                "tiers.2.response_latest_hours",
                "Senior review, latest",
                "hours",
                "hours (counted as the tier's clock)",
                'The policy\'s "a response within an additional 24-48 hours".',
                optional=True,
            ),
            Setting(
                "policy.escalation_phrases",
                "Words asking for a senior review",
                "phrases",
                help="One per line, matched as whole words; a trailing * matches any ending.",
            ),
        ),
    ),
    Section(
        "languages",
        "Languages",
        "Requests in other languages are answered with translation tools, and the policy says "
        "times may be slightly extended.",
        (
            Setting(
                "brand.default_language",
                "Language the team answers in",
                "text",
                help="A language code such as en.",
            ),
            Setting(
                "policy.language_extension_hours",
                "Extra time for other languages",
                "hours",
                BH,
                "Added to the target and the latest time.",
            ),
        ),
    ),
    Section(
        "peaks",
        "Peak periods",
        "Sales events and holidays may extend response times: clocks started inside a peak "
        "period get the extra time given.",
        lists=("calendar.peak_periods.",),
    ),
    Section(
        "categories",
        "Categories",
        "The areas of assistance the policy lists; an urgent category makes every ticket in it "
        "urgent, and a complaint category starts the complaint promise.",
    ),
    Section(
        "page",
        "Page text",
        "The public policy page's sections in the brand's own words. Placeholders in braces "
        "({first_response}, {urgent_response}, ...) are filled from the settings, so the page "
        "always states the promises the clocks keep.",
    ),
)
SECTION_BY_SLUG = {section.slug: section for section in SECTIONS}
CATEGORY_FLAGS = (
    ("is_urgent", "urgent"),
    ("requires_order_number", "order number required"),
    ("is_complaint", "a complaint"),
)


def _name(key: str) -> str:
    return key.replace(".", "__").replace(" ", "_")


def _plain_hours(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _field(setting: Setting, snapshot: dict[str, Any]) -> forms.Field:
    unit = f" ({setting.unit})" if setting.unit else ""
    common = {
        "label": setting.label + unit,
        "help_text": setting.help,
        "required": not setting.optional and setting.kind != "bool",
    }
    if setting.kind == "hours":
        return forms.DecimalField(min_value=0, max_value=10000, decimal_places=2, **common)
    if setting.kind in ("days", "percent"):
        top = 100 if setting.kind == "percent" else 365
        return forms.IntegerField(min_value=1, max_value=top, **common)
    if setting.kind == "choice":
        return forms.ChoiceField(choices=setting.choices, **common)
    if setting.kind == "bool":
        return forms.BooleanField(**common)
    if setting.kind == "phrases":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), **common)
    if setting.kind == "holidays":
        country = snapshot.get("brand.holiday_country", "US")
        names = sorted(known_holiday_names(country))
        return forms.MultipleChoiceField(
            choices=[(name, name) for name in names],
            widget=forms.CheckboxSelectMultiple,
            **common | {"required": False},
        )
    if setting.kind == "opening":
        return forms.RegexField(HOURS_TEXT, max_length=20, **common)
    return forms.CharField(max_length=120, **common)


def _initial(setting: Setting, value: Any) -> Any:
    if setting.kind == "phrases" and isinstance(value, list):
        return "\n".join(value)
    return value


def _stored(setting: Setting, value: Any) -> Any:
    """A cleaned form value as the snapshot holds it."""
    if setting.kind == "hours":
        return _plain_hours(value)
    if setting.kind == "phrases":
        return [line.strip() for line in value.splitlines() if line.strip()]
    if setting.kind == "holidays":
        return sorted(value)
    if setting.kind == "opening":
        return value.strip().lower().replace(" - ", "-")
    return value


class SectionForm(forms.Form):
    """One section of a draft: its settings, and for list sections their lines."""

    def __init__(self, section: Section, snapshot: dict[str, Any], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.section, self.snapshot = section, snapshot
        for setting in section.settings:
            if (
                setting.key.startswith("tiers.")
                and f"tiers.{setting.key.split('.')[1]}.name" not in snapshot
            ):
                continue
            self.fields[_name(setting.key)] = _field(setting, snapshot)
            self.initial[_name(setting.key)] = _initial(setting, snapshot.get(setting.key))
        for prefix in section.lists:
            self.fields[_name(prefix)] = forms.CharField(
                label="Closures" if "closures" in prefix else "Peak periods",
                required=False,
                widget=forms.Textarea(attrs={"rows": 5, "cols": 60}),
                help_text=(
                    "One a line: name: YYYY-MM-DD to YYYY-MM-DD (last day included)."
                    if "closures" in prefix
                    else "One a line: name: YYYY-MM-DD to YYYY-MM-DD, +24 (business hours "
                    "added to clocks started inside it)."
                ),
            )
            self.initial[_name(prefix)] = "\n".join(
                f"{key.removeprefix(prefix)}: {value}".replace(" business hours", "")
                for key, value in snapshot.items()
                if key.startswith(prefix)
            )
        if section.slug == "categories":
            self._category_fields()
        if section.slug == "page":
            self._page_fields()

    def _category_fields(self) -> None:
        slugs = sorted(
            {key.split(".")[1] for key in self.snapshot if key.startswith("categories.")},
            key=lambda slug: self.snapshot.get(f"categories.{slug}.position", 0),
        )
        for slug in slugs:
            name_key = f"categories.{slug}.name"
            self.fields[_name(name_key)] = forms.CharField(label=f"Category {slug}", max_length=120)
            self.initial[_name(name_key)] = self.snapshot.get(name_key)
            for flag, label in CATEGORY_FLAGS:
                key = f"categories.{slug}.{flag}"
                self.fields[_name(key)] = forms.BooleanField(label=label, required=False)
                self.initial[_name(key)] = self.snapshot.get(key, False)

    def _page_fields(self) -> None:
        keys = sorted(
            {key.split(".")[1] for key in self.snapshot if key.startswith("page_sections.")},
            key=lambda key: self.snapshot.get(f"page_sections.{key}.position", 0),
        )
        for key in keys:
            for part, widget in (("heading", forms.TextInput), ("body", forms.Textarea)):
                name = f"page_sections.{key}.{part}"
                self.fields[_name(name)] = forms.CharField(
                    label=f"{key.replace('_', ' ').capitalize()}: {part}",
                    required=False,
                    widget=widget(attrs={"rows": 6, "cols": 80}) if part == "body" else widget,
                )
                self.initial[_name(name)] = self.snapshot.get(name, "")

    def _lines(self, prefix: str, text: str) -> dict[str, str]:
        """A list section's lines as snapshot settings; ValueError names the line at fault."""
        values = {}
        peaks = "peak" in prefix
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            found = (PEAK_LINE if peaks else LINE).match(line.strip())
            if not found:
                raise ValueError(f"Line {number} is not understood.")
            try:
                start, end = date_span(f"{found['start']} to {found['end']}")
            except ValueError:
                raise ValueError(f"Line {number}: no such date.") from None
            if end < start:
                raise ValueError(f"Line {number}: the last day is before the first.")
            text = f"{start.isoformat()} to {end.isoformat()}"
            if peaks:
                text += f", +{found['hours'] or '24'} business hours"
            values[f"{prefix}{found['name'].strip()}"] = text
        return values

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for setting in self.section.settings:
            name = _name(setting.key)
            if setting.kind == "opening" and data.get(name):
                try:
                    opening_hours_row(0, data[name])
                except ValueError:
                    self.add_error(name, "Use times such as 09:00-17:00.")
        self.list_values: dict[str, str] = {}
        for prefix in self.section.lists:
            try:
                self.list_values |= self._lines(prefix, data.get(_name(prefix)) or "")
            except ValueError as error:
                self.add_error(_name(prefix), str(error))
        return data

    def draft_values(self) -> tuple[dict[str, Any], tuple[str, ...]]:
        """The settings to write into the draft, and the list prefixes they replace."""
        values = {}
        for setting in self.section.settings:
            name = _name(setting.key)
            if name in self.fields:
                values[setting.key] = _stored(setting, self.cleaned_data.get(name))
        values |= self.list_values
        for name, value in self.cleaned_data.items():
            key = name.replace("__", ".")
            if key.startswith(("categories.", "page_sections.")):
                values[key] = value
        return values, self.section.lists
