"""A policy snapshot as a brand file: what `export_brand` writes and `load_brands` reads back.

Publishing a draft goes the same way (snapshot, then the file's data, then the loader's checks
and writes), so a published draft, a loaded file and an exported file agree on every setting.
"""

from collections import defaultdict
from decimal import Decimal
from typing import Any

import tomli_w

from brands.policy_rules import date_span
from brands.services import BRAND_FIELDS, WEEKDAY_NAMES

# The brand settings of [retention], by the brand file's names (see the loader).
RETENTION_NAMES = {
    "raw_mail_retention_days": "raw_mail_days",
    "attachment_retention_days": "attachments_days",
    "anonymise_after_days": "anonymise_days",
}
PEAK_SUFFIX = " business hours"


def _value(field: str, value: Any) -> Any:
    """A snapshot's value as the file writes it: hours (kept as decimal text) as numbers, and
    false for an empty setting, TOML having no null."""
    if value is None:
        return False
    if field.endswith("_hours") and isinstance(value, str):
        number = Decimal(value)
        return int(number) if number == number.to_integral_value() else float(number)
    return value


def _rows(snapshot: dict[str, Any], section: str) -> dict[str, dict[str, Any]]:
    """`section.<name>.<field>` settings grouped by name, in the snapshot's order."""
    rows: dict[str, dict[str, Any]] = defaultdict(dict)
    for key, value in snapshot.items():
        head, _, rest = key.partition(".")
        if head == section:
            name, _, field = rest.rpartition(".")
            rows[name][field] = value
    return rows


def snapshot_brand_file(slug: str, snapshot: dict[str, Any]) -> dict[str, Any]:
    """The brand file's data for a policy snapshot (the email wording is not part of a file)."""
    brand = {"slug": slug}
    retention = {}
    for field in BRAND_FIELDS:
        value = snapshot.get(f"brand.{field}")
        if field in RETENTION_NAMES:
            retention[RETENTION_NAMES[field]] = False if value is None else value
        elif field != "holiday_country":
            brand[field] = value
    brand["support_addresses"] = list(snapshot.get("brand.support_addresses") or [])
    calendar = {
        "holiday_country": snapshot.get("brand.holiday_country", "US"),
        "holidays": list(snapshot.get("calendar.holidays") or []),
        "opening_hours": {
            name: snapshot.get(f"calendar.opening_hours.{name}", "closed") for name in WEEKDAY_NAMES
        },
        "closures": [],
        "peak_periods": [],
    }
    for key, text in snapshot.items():
        kind, _, name = key.removeprefix("calendar.").partition(".")
        if not key.startswith("calendar.") or kind not in ("closures", "peak_periods"):
            continue
        starts_on, ends_on = date_span(text)
        row = {"name": name, "starts_on": starts_on, "ends_on": ends_on}
        if kind == "peak_periods":
            extension = text.split("+", 1)[1].removesuffix(PEAK_SUFFIX)
            row["extension_hours"] = _value("extension_hours", extension)
        calendar[kind].append(row)
    policy = {
        key.removeprefix("policy."): _value(key, value)
        for key, value in snapshot.items()
        if key.startswith("policy.")
    }
    categories = [
        {"slug": slug_, **{field: _value(field, value) for field, value in fields.items()}}
        for slug_, fields in sorted(
            _rows(snapshot, "categories").items(), key=lambda item: item[1].get("position", 0)
        )
    ]
    reasons = [
        {"name": key.removeprefix("urgent_reasons."), "phrases": list(value)}
        for key, value in snapshot.items()
        if key.startswith("urgent_reasons.")
    ]
    tiers = [
        {"level": int(level), **{field: _value(field, value) for field, value in fields.items()}}
        for level, fields in sorted(_rows(snapshot, "tiers").items(), key=lambda i: int(i[0]))
    ]
    data = {
        "brand": brand,
        "calendar": calendar,
        "policy": policy,
        "retention": retention,
        "categories": categories,
        "urgent_reasons": reasons,
        "tiers": tiers,
    }
    sections = _rows(snapshot, "page_sections")
    if sections:
        data["page_sections"] = [
            {"key": key, **fields}
            for key, fields in sorted(sections.items(), key=lambda i: i[1].get("position", 0))
        ]
    return data


def brand_file_text(slug: str, snapshot: dict[str, Any]) -> str:
    """The snapshot as a brand file's TOML text."""
    header = (
        f"# {snapshot.get('brand.name', slug)}: the policy as exported from the helpdesk.\n"
        "# Hours are business hours unless a clock says otherwise; false switches a number off.\n\n"
    )
    return header + tomli_w.dumps(snapshot_brand_file(slug, snapshot))
