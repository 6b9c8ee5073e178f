"""What changed between two policy snapshots, in the settings' own names and units.

One function for every place that shows a change: a draft against the live policy, a version
against the one before, any two versions compared ("First response, latest: 48 -> 36 business
hours").
"""

from dataclasses import dataclass
from typing import Any

# A setting's label and unit by its snapshot key; {unit} is filled from the snapshot where the
# unit depends on another setting (the urgent clock).
POLICY_LABELS: dict[str, tuple[str, str]] = {
    "first_response_target_hours": ("First response, target", "business hours"),
    "first_response_latest_hours": ("First response, latest", "business hours"),
    "urgent_latest_hours": ("Urgent first response, latest", "{urgent_unit}"),
    "urgent_clock": ("Urgent matters are counted in", ""),
    "next_reply_target_hours": ("Later message, reply target", "business hours"),
    "next_reply_latest_hours": ("Later message, reply latest", "business hours"),
    "next_reply_urgent_latest_hours": (
        "Later message on an urgent ticket, latest",
        "{urgent_unit}",
    ),
    "warning_percent": ("Warning at share of a single-number promise", "%"),
    "update_reminder_business_days": ("Update reminder after", "business days"),
    "update_latest_business_days": ("Update latest after", "business days"),
    "notify_customer_on_status_change": ("Tell the customer of each status change", ""),
    "complaint_proposal_latest_hours": ("Complaint resolution proposal, latest", "business hours"),
    "language_extension_hours": ("Extra time for other languages", "business hours"),
    "customer_escalation_after": ("Customer may ask for a senior review", ""),
    "escalation_phrases": ("Phrases asking for escalation", ""),
}
BRAND_LABELS: dict[str, tuple[str, str]] = {
    "name": ("Brand name", ""),
    "reference_prefix": ("Reference prefix", ""),
    "time_zone": ("Time zone", ""),
    "default_language": ("Language we answer in", ""),
    "from_email": ("Sender address", ""),
    "from_name": ("Sender name", ""),
    "holiday_country": ("Holiday country", ""),
    "reopen_window_days": ("A reply reopens a resolved ticket within", "days"),
    "acknowledgements_per_hour": ("Acknowledgements per sender per hour", ""),
    "auto_assign": ("Automatic assignment of new tickets", ""),
    "raw_mail_retention_days": ("Raw mail kept after closing", "days"),
    "attachment_retention_days": ("Attachments kept after closing", "days"),
    "anonymise_after_days": ("Anonymise closed tickets after", "days"),
    "support_addresses": ("Support addresses", ""),
}
CATEGORY_LABELS = {
    "name": ("name", ""),
    "description": ("description", ""),
    "position": ("position", ""),
    "is_urgent": ("urgent", ""),
    "requires_order_number": ("order number required", ""),
    "is_complaint": ("handled as a complaint", ""),
}
TIER_LABELS = {
    "name": ("name", ""),
    "response_target_hours": ("response target", "business hours"),
    "response_latest_hours": ("response latest", "business hours"),
    "clock": ("counted in", ""),
}


@dataclass(frozen=True)
class Change:
    key: str
    label: str
    before: str
    after: str
    unit: str
    # The value before may be in another unit (urgent hours turned from business to calendar).
    before_unit: str

    def __str__(self) -> str:
        before = (
            f"{self.before} {self.before_unit}" if self.before_unit != self.unit else self.before
        )
        before = before.strip()
        return f"{self.label}: {before} -> {self.after} {self.unit}".strip()


def _unit(unit: str, snapshot: dict[str, Any]) -> str:
    calendar = snapshot.get("policy.urgent_clock") == "calendar"
    return unit.format(urgent_unit="hours" if calendar else "business hours")


def setting_label(key: str, snapshot: dict[str, Any]) -> tuple[str, str]:
    """The owner's name of a snapshot key and the unit its value is in."""
    section, _, rest = key.partition(".")
    if section == "policy" and rest in POLICY_LABELS:
        label, unit = POLICY_LABELS[rest]
        return label, _unit(unit, snapshot)
    if section == "brand" and rest in BRAND_LABELS:
        return BRAND_LABELS[rest]
    if section == "calendar":
        kind, _, name = rest.partition(".")
        if kind == "opening_hours":
            return f"Opening hours, {name.capitalize()}", ""
        if kind == "holidays":
            return "Holidays", ""
        if kind == "closures":
            return f"Closure: {name}", ""
        if kind == "peak_periods":
            return f"Peak period: {name}", ""
    if section == "categories":
        slug, _, field = rest.rpartition(".")
        label, unit = CATEGORY_LABELS.get(field, (field, ""))
        name = snapshot.get(f"categories.{slug}.name") or slug
        return f"Category {name}, {label}", unit
    if section == "tiers":
        level, _, field = rest.partition(".")
        label, unit = TIER_LABELS.get(field, (field.replace("_", " "), ""))
        if field.endswith("_hours") and snapshot.get(f"tiers.{level}.clock") == "calendar":
            unit = "hours"
        return f"Tier {level}, {label}", unit
    if section == "urgent_reasons":
        return f"Urgent reason: {rest}, phrases", ""
    if section == "page_sections":
        name, _, field = rest.rpartition(".")
        return f"Page section {name}, {field}", ""
    if section == "email_templates":
        name, _, field = rest.rpartition(".")
        return f"Email {name.replace('_', ' ')}, {field.replace('_', ' ')}", ""
    return key, ""


def value_text(value: Any) -> str:
    """A setting's value as an owner reads it."""
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "(none)"
    text = str(value)
    if text == "business":
        return "business hours"
    if text == "calendar":
        return "calendar hours"
    return text


def labelled_changes(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    """Every setting that differs, labelled and with units, in the order of the settings."""
    changes = []
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        label, unit = setting_label(key, after if key in after else before)
        _, before_unit = setting_label(key, before if key in before else after)
        changes.append(Change(key, label, value_text(old), value_text(new), unit, before_unit))
    return changes
