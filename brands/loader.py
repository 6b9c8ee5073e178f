"""Load brand configuration files (TOML) into the database.

A file is checked whole before anything is written, and every file of a run is written in one
transaction, so a bad value leaves the database exactly as it was. Loading the same files twice
writes nothing the second time.
"""

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models, transaction

from brands.holiday_names import known_holiday_names
from brands.models import (
    Brand,
    BrandHoliday,
    Category,
    Closure,
    EscalationTier,
    OpeningHours,
    PeakPeriod,
    PolicySection,
    PolicyVersion,
    SlaPolicy,
    SupportAddress,
    UrgentReason,
)
from brands.policy_page import placeholder_errors
from brands.services import WEEKDAY_NAMES, policy_version_record


class BrandFileError(Exception):
    """A brand file that cannot be loaded, naming the file and the setting at fault."""

    def __init__(self, path: Path, setting: str, message: str) -> None:
        super().__init__(f"{path}: {setting}: {message}")
        self.setting, self.detail = setting, message


@dataclass
class Children:
    """The rows of one related model as the file wants them, keyed by their natural key."""

    model: type[models.Model]
    key_fields: tuple[str, ...]
    rows: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class BrandSpec:
    path: Path
    brand: dict[str, Any]
    policy: dict[str, Any]
    children: dict[str, Children]


BRAND_KEYS = {
    "name",
    "slug",
    "reference_prefix",
    "time_zone",
    "default_language",
    "from_email",
    "from_name",
    "colour",
    "accent_colour",
    "support_addresses",
    "reopen_window_days",
    "acknowledgements_per_hour",
    "auto_assign",
}
SECTIONS = {
    "brand",
    "calendar",
    "policy",
    "retention",
    "categories",
    "urgent_reasons",
    "tiers",
    "page_sections",
}
# The optional [retention] section: each a number of days after a ticket closes, or false (off).
RETENTION_KEYS = {
    "raw_mail_days": "raw_mail_retention_days",
    "attachments_days": "attachment_retention_days",
    "anonymise_days": "anonymise_after_days",
}


class _Reader:
    """Reads typed values out of one parsed file, raising BrandFileError with the setting path."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, setting: str, message: str) -> BrandFileError:
        return BrandFileError(self.path, setting, message)

    def table(self, data: dict, key: str, setting: str, *, allowed: set[str] | None = None) -> dict:
        value = data.get(key)
        if not isinstance(value, dict):
            raise self.fail(setting, "missing table")
        unknown = set(value) - allowed if allowed is not None else set()
        if unknown:
            raise self.fail(f"{setting}.{sorted(unknown)[0]}", "unknown setting")
        return value

    def array(self, data: dict, key: str, setting: str) -> list:
        value = data.get(key, [])
        if not isinstance(value, list):
            raise self.fail(setting, "must be a list")
        return value

    def check(self, instance: models.Model, prefix: str, exclude: list[str]) -> None:
        """Run the model's own validation so the file and admin accept the same values."""
        try:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            setting, messages = next(iter(error.message_dict.items()))
            name = prefix if setting == "__all__" else f"{prefix}.{setting}"
            raise self.fail(name, " ".join(messages)) from None


def _model_values(
    reader: _Reader,
    model: type[models.Model],
    values: dict,
    prefix: str,
    extra: set[str] = frozenset(),
) -> dict[str, Any]:
    names = {f.name for f in model._meta.concrete_fields} - {"id", "brand"}
    result = {}
    for key, value in values.items():
        if key in extra:
            continue
        if key not in names:
            raise reader.fail(f"{prefix}.{key}", "unknown setting")
        model_field = model._meta.get_field(key)
        # TOML has no null: `false` switches an optional number off.
        if value is False and model_field.null and not isinstance(model_field, models.BooleanField):
            value = None
        result[key] = value
    return result


def _opening_hours(reader: _Reader, calendar: dict) -> list[dict[str, Any]]:
    table = reader.table(
        calendar, "opening_hours", "calendar.opening_hours", allowed=set(WEEKDAY_NAMES)
    )
    rows = []
    for weekday, name in enumerate(WEEKDAY_NAMES):
        setting = f"calendar.opening_hours.{name}"
        text = str(table.get(name, "closed")).strip().lower()
        row = {
            "weekday": weekday,
            "mode": OpeningHours.Mode.CLOSED,
            "opens_at": None,
            "closes_at": None,
        }
        if text == "all day":
            row["mode"] = OpeningHours.Mode.ALL_DAY
        elif text != "closed":
            try:
                opens, closes = (time.fromisoformat(part.strip()) for part in text.split("-"))
            except ValueError:
                raise reader.fail(setting, 'use "all day", "closed" or "HH:MM-HH:MM"') from None
            row.update(mode=OpeningHours.Mode.HOURS, opens_at=opens, closes_at=closes)
        reader.check(OpeningHours(**row), setting, exclude=["brand"])
        rows.append(row)
    return rows


def _dated_rows(reader: _Reader, calendar: dict, key: str, model: type[models.Model]) -> list[dict]:
    rows = []
    for index, item in enumerate(reader.array(calendar, key, f"calendar.{key}")):
        setting = f"calendar.{key}[{index}]"
        if not isinstance(item, dict):
            raise reader.fail(setting, "must be a table")
        values = _model_values(reader, model, item, setting)
        for day_field in ("starts_on", "ends_on"):
            if isinstance(values.get(day_field), datetime) or not isinstance(
                values.get(day_field), date
            ):
                raise reader.fail(f"{setting}.{day_field}", "must be a date (YYYY-MM-DD)")
        reader.check(model(**values), setting, exclude=["brand"])
        rows.append(values)
    return rows


def _listed_rows(
    reader: _Reader, data: dict, key: str, model: type[models.Model], extra: set[str] = frozenset()
) -> list[tuple[str, dict, dict]]:
    rows = []
    for index, item in enumerate(reader.array(data, key, key)):
        setting = f"{key}[{index}]"
        if not isinstance(item, dict):
            raise reader.fail(setting, "must be a table")
        rows.append((setting, item, _model_values(reader, model, item, setting, extra)))
    return rows


def _phrases_text(reader: _Reader, phrases: Any, setting: str) -> str:
    """A list of phrases from the file, stored one per line."""
    if not isinstance(phrases, list) or not all(isinstance(p, str) and p.strip() for p in phrases):
        raise reader.fail(setting, "must be a list of phrases")
    return "\n".join(p.strip() for p in phrases)


def brand_file_read(path: Path) -> BrandSpec:
    """Parse and validate one brand file; raises BrandFileError naming the file and setting."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise BrandFileError(path, "file", str(error)) from None
    return brand_data_read(data, path)


def brand_data_read(data: dict[str, Any], path: Path) -> BrandSpec:
    """Validate a brand file's parsed data (`path` names it in errors): a file's, or a
    published draft's (brands.brand_file)."""
    reader = _Reader(path)
    unknown = set(data) - SECTIONS
    if unknown:
        raise reader.fail(sorted(unknown)[0], "unknown section")

    brand_table = reader.table(data, "brand", "brand", allowed=BRAND_KEYS)
    calendar = reader.table(
        data,
        "calendar",
        "calendar",
        allowed={"holiday_country", "holidays", "opening_hours", "closures", "peak_periods"},
    )
    brand_values = _model_values(reader, Brand, brand_table, "brand", extra={"support_addresses"})
    brand_values["holiday_country"] = calendar.get("holiday_country", "US")
    retention = data.get("retention", {})
    if not isinstance(retention, dict):
        raise reader.fail("retention", "must be a table")
    for key in retention.keys() - RETENTION_KEYS.keys():
        raise reader.fail(f"retention.{key}", "unknown setting")
    for key, name in RETENTION_KEYS.items():
        value = retention.get(key, False)
        if value is not False and (isinstance(value, bool) or not isinstance(value, int)):
            raise reader.fail(f"retention.{key}", "a number of days, or false for off")
        brand_values[name] = None if value is False else value
    reader.check(Brand(**brand_values), "brand", exclude=["ticket_sequence", "policy_updated_at"])

    addresses = reader.array(brand_table, "support_addresses", "brand.support_addresses")
    if not addresses:
        raise reader.fail("brand.support_addresses", "at least one address is required")
    address_rows = []
    for index, email in enumerate(addresses):
        row = {"email": str(email).lower(), "is_primary": index == 0}
        reader.check(SupportAddress(**row), f"brand.support_addresses[{index}]", exclude=["brand"])
        address_rows.append(row)

    known = known_holiday_names(brand_values["holiday_country"])
    if not known:
        raise reader.fail("calendar.holiday_country", "no holidays known for this country")
    holiday_rows = []
    for index, name in enumerate(reader.array(calendar, "holidays", "calendar.holidays")):
        if name not in known:
            raise reader.fail(f"calendar.holidays[{index}]", f"unknown holiday name {name!r}")
        holiday_rows.append({"name": name})

    policy_values = _model_values(
        reader, SlaPolicy, reader.table(data, "policy", "policy"), "policy"
    )
    if "escalation_phrases" in policy_values:
        policy_values["escalation_phrases"] = _phrases_text(
            reader, policy_values["escalation_phrases"], "policy.escalation_phrases"
        )
    reader.check(SlaPolicy(**policy_values), "policy", exclude=["brand"])

    category_rows = []
    for position, (setting, _, values) in enumerate(
        _listed_rows(reader, data, "categories", Category)
    ):
        values.setdefault("position", position)
        reader.check(Category(**values), setting, exclude=["brand"])
        category_rows.append(values)

    reason_rows = []
    for setting, item, values in _listed_rows(reader, data, "urgent_reasons", UrgentReason):
        values["phrases"] = _phrases_text(reader, item.get("phrases"), f"{setting}.phrases")
        reader.check(UrgentReason(**values), setting, exclude=["brand"])
        reason_rows.append(values)

    tier_rows = []
    for setting, _, values in _listed_rows(reader, data, "tiers", EscalationTier):
        reader.check(EscalationTier(**values), setting, exclude=["brand"])
        tier_rows.append(values)
    if sorted(row["level"] for row in tier_rows) != list(range(1, len(tier_rows) + 1)):
        raise reader.fail("tiers", "levels must run 1, 2, ... without gaps")

    section_rows = []
    for position, (setting, _, values) in enumerate(
        _listed_rows(reader, data, "page_sections", PolicySection)
    ):
        values.setdefault("position", position)
        # Stored as a form saves it, so an unchanged admin save is no new version.
        for part in ("heading", "body"):
            values[part] = str(values.get(part, "")).strip()
        reader.check(PolicySection(**values), setting, exclude=["brand"])
        for part in ("heading", "body"):
            unknown = placeholder_errors(values.get(part, ""))
            if unknown:
                raise reader.fail(f"{setting}.{part}", f"unknown placeholder {{{unknown[0]}}}")
        section_rows.append(values)

    return BrandSpec(
        path=path,
        brand=brand_values,
        policy=policy_values,
        children={
            "addresses": Children(SupportAddress, ("email",), address_rows),
            "opening_hours": Children(OpeningHours, ("weekday",), _opening_hours(reader, calendar)),
            "holidays": Children(BrandHoliday, ("name",), holiday_rows),
            "closures": Children(
                Closure, ("name", "starts_on"), _dated_rows(reader, calendar, "closures", Closure)
            ),
            "peak_periods": Children(
                PeakPeriod,
                ("name", "starts_on"),
                _dated_rows(reader, calendar, "peak_periods", PeakPeriod),
            ),
            "categories": Children(Category, ("slug",), category_rows),
            "urgent_reasons": Children(UrgentReason, ("name",), reason_rows),
            "tiers": Children(EscalationTier, ("level",), tier_rows),
            "page_sections": Children(PolicySection, ("key",), section_rows),
        },
    )


def _update_if_changed(instance: models.Model, values: dict[str, Any]) -> bool:
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    if changed:
        for name in changed:
            setattr(instance, name, values[name])
        instance.save(update_fields=changed)
    return bool(changed)


def _sync_children(brand: Brand, children: Children) -> bool:
    existing = {
        tuple(getattr(obj, key) for key in children.key_fields): obj
        for obj in children.model.objects.filter(brand=brand)
    }
    changed = False
    for row in children.rows:
        key = tuple(row[k] for k in children.key_fields)
        instance = existing.pop(key, None)
        if instance is None:
            children.model.objects.create(brand=brand, **row)
            changed = True
        else:
            changed |= _update_if_changed(instance, row)
    for stale in existing.values():
        stale.delete()
        changed = True
    return changed


def brand_spec_apply(
    spec: BrandSpec,
    *,
    source: str,
    author: AbstractBaseUser | None = None,
    reason: str = "",
    applying: PolicyVersion | None = None,
) -> str:
    """Make the database match one file; returns "created", "updated" or "unchanged"."""
    slug = spec.brand["slug"]
    brand = Brand.objects.filter(slug=slug).first()
    created = brand is None
    if created:
        brand = Brand.objects.create(**spec.brand)
    else:
        _update_if_changed(brand, spec.brand)
    policy = SlaPolicy.objects.filter(brand=brand).first()
    if policy is None:
        SlaPolicy.objects.create(brand=brand, **spec.policy)
    else:
        _update_if_changed(policy, spec.policy)
    for children in spec.children.values():
        _sync_children(brand, children)
    version = policy_version_record(
        brand, source=source, author=author, reason=reason, applying=applying
    )
    if created:
        return "created"
    return "updated" if version else "unchanged"


def brand_files_load(paths: list[Path], *, skip_existing: bool = False) -> list[tuple[str, str]]:
    """Validate every file, then apply them all in one transaction: all or nothing."""
    specs = [brand_file_read(path) for path in paths]
    seen: dict[str, Path] = {}
    for spec in specs:
        for key in ("slug", "reference_prefix"):
            value = spec.brand[key]
            if (key, value) in seen:
                raise BrandFileError(
                    spec.path, f"brand.{key}", f"{value!r} is also used by {seen[(key, value)]}"
                )
            seen[(key, value)] = spec.path
    results = []
    with transaction.atomic():
        for spec in specs:
            if skip_existing and Brand.objects.filter(slug=spec.brand["slug"]).exists():
                results.append((spec.brand["slug"], "skipped"))
                continue
            results.append(
                (spec.brand["slug"], brand_spec_apply(spec, source=f"file {spec.path.name}"))
            )
    return results
