"""Policy versions: every saved change to a brand's settings, who made it and what changed."""

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from brands.models import (
    Brand,
    OpeningHours,
    PolicyVersion,
    SlaPolicy,
    StaffPreference,
    phrase_lines,
)

WEEKDAY_NAMES = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
POLICY_FIELDS = [f.name for f in SlaPolicy._meta.concrete_fields if f.name not in ("id", "brand")]
BRAND_FIELDS = [
    "name",
    "colour",
    "accent_colour",
    "reference_prefix",
    "time_zone",
    "default_language",
    "from_email",
    "from_name",
    "holiday_country",
    "reopen_window_days",
    "acknowledgements_per_hour",
    "auto_assign",
    "raw_mail_retention_days",
    "attachment_retention_days",
    "anonymise_after_days",
]


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def opening_hours_text(row: OpeningHours) -> str:
    if row.mode == OpeningHours.Mode.HOURS:
        return f"{row.opens_at:%H:%M}-{row.closes_at:%H:%M}"
    return "all day" if row.mode == OpeningHours.Mode.ALL_DAY else "closed"


def policy_snapshot(brand: Brand) -> dict[str, Any]:
    """Every policy setting of the brand as plain JSON values, keyed by a readable path."""
    snapshot: dict[str, Any] = {f"brand.{f}": _plain(getattr(brand, f)) for f in BRAND_FIELDS}
    snapshot["brand.support_addresses"] = [a.email for a in brand.addresses.all()]
    snapshot["calendar.holidays"] = sorted(h.name for h in brand.holidays.all())
    hours = {row.weekday: opening_hours_text(row) for row in brand.opening_hours.all()}
    for weekday, name in enumerate(WEEKDAY_NAMES):
        snapshot[f"calendar.opening_hours.{name}"] = hours.get(weekday, "closed")
    for closure in brand.closures.all():
        snapshot[f"calendar.closures.{closure.name}"] = (
            f"{closure.starts_on.isoformat()} to {closure.ends_on.isoformat()}"
        )
    for peak in brand.peak_periods.all():
        snapshot[f"calendar.peak_periods.{peak.name}"] = (
            f"{peak.starts_on.isoformat()} to {peak.ends_on.isoformat()}, "
            f"+{_plain(peak.extension_hours)} business hours"
        )
    policy = SlaPolicy.objects.filter(brand=brand).first()
    for field in POLICY_FIELDS:
        snapshot[f"policy.{field}"] = _plain(getattr(policy, field)) if policy else None
    if policy:  # a list, as in the brand file, so a version shows which phrase changed
        snapshot["policy.escalation_phrases"] = phrase_lines(policy.escalation_phrases)
    for category in brand.categories.all():
        for field in (
            "name",
            "description",
            "position",
            "is_urgent",
            "requires_order_number",
            "is_complaint",
        ):
            snapshot[f"categories.{category.slug}.{field}"] = getattr(category, field)
    for reason in brand.urgent_reasons.all():
        snapshot[f"urgent_reasons.{reason.name}"] = reason.phrase_list()
    for tier in brand.tiers.all():
        for field in ("name", "response_target_hours", "response_latest_hours", "clock"):
            snapshot[f"tiers.{tier.level}.{field}"] = _plain(getattr(tier, field))
    # The page's own words are policy too: an owner's edit of a sentence is a version.
    for section in brand.policy_sections.all():
        for field in ("heading", "body", "position"):
            snapshot[f"page_sections.{section.key}.{field}"] = getattr(section, field)
    # The brand's own wording of its emails: part of what it promises, and a new version is
    # what tells every process to stop using the wording it has cached.
    for template in brand.email_templates.all():
        name = f"{template.name}.{template.language}" if template.language else template.name
        for field in ("subject", "body_text", "body_html"):
            snapshot[f"email_templates.{name}.{field}"] = getattr(template, field)
    return snapshot


def snapshot_diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Setting path: [value before, value after] for each setting that differs."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(before.keys() | after.keys())
        if before.get(key) != after.get(key)
    }


def policy_version_record(
    brand: Brand,
    *,
    source: str,
    author: AbstractBaseUser | None = None,
    reason: str = "",
    applying: PolicyVersion | None = None,
) -> PolicyVersion | None:
    """Store a new version if the brand's settings differ from its latest version in force.

    Comparing snapshots, rather than trusting callers to say what they changed, means a save
    that changes nothing records nothing and every path (file, admin, shell) is covered alike.
    `applying`: a version published for later whose settings were just written; it becomes
    the version in force instead of a new one being recorded.
    """
    with transaction.atomic():
        # The row lock serialises concurrent saves so version numbers never collide.
        locked = Brand.objects.select_for_update().get(pk=brand.pk)
        latest = policy_version_current(locked)
        snapshot = policy_snapshot(locked)
        before = latest.snapshot if latest else {}
        if snapshot == before and applying is None:
            return None
        now = timezone.now()
        if applying is not None:
            applying.snapshot, applying.changes = snapshot, snapshot_diff(before, snapshot)
            applying.applied = True
            applying.save(update_fields=["snapshot", "changes", "applied"])
            version = applying
        else:
            highest = locked.policy_versions.order_by("-number").first()
            version = PolicyVersion.objects.create(
                brand=locked,
                number=highest.number + 1 if highest else 1,
                created_at=now,
                author=author if author is not None and author.is_authenticated else None,
                source=source,
                snapshot=snapshot,
                changes=snapshot_diff(before, snapshot),
                reason=reason,
            )
        Brand.objects.filter(pk=locked.pk).update(policy_updated_at=now)
        brand.policy_updated_at = now
        return version


def policy_version_current(brand: Brand) -> PolicyVersion | None:
    """The version in force (not one published to take effect later)."""
    return brand.policy_versions.filter(applied=True).order_by("-number").first()


@dataclass(frozen=True)
class PeakRule:
    starts_on: date
    ends_on: date
    extension_hours: Decimal


def phrase_pattern(phrases: Iterable[str]) -> re.Pattern | None:
    """One pattern finding any of the phrases as whole words, in any case and spacing; a
    trailing * matches any ending of the last word. None when there are no phrases."""
    alternatives = []
    for phrase in phrases:
        stem = phrase.strip().endswith("*")
        words = phrase.strip().rstrip("*").split()
        if words:
            alternatives.append(r"\s+".join(map(re.escape, words)) + (r"\w*" if stem else ""))
    if not alternatives:
        return None
    # Not \b: a phrase may begin or end with punctuation ("help!"), where \b needs a letter.
    return re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class BrandRules:
    """The parts of a brand's policy that every new ticket reads, loaded once per version."""

    policy_version_id: int | None
    peak_periods: tuple[PeakRule, ...]
    # The brand's urgent reasons, and a customer's request for the next tier, in a message.
    urgent_pattern: re.Pattern | None
    escalation_pattern: re.Pattern | None
    # The brand's order numbers in a customer's words (None: none are looked for).
    order_number_pattern: re.Pattern | None


@functools.lru_cache(maxsize=64)
def _cached_rules(brand_id: int, version_key: object) -> BrandRules:
    brand = Brand.objects.select_related("policy").get(pk=brand_id)
    version = policy_version_current(brand)
    return BrandRules(
        policy_version_id=version.pk if version else None,
        peak_periods=tuple(
            PeakRule(peak.starts_on, peak.ends_on, peak.extension_hours)
            for peak in brand.peak_periods.all()
        ),
        urgent_pattern=phrase_pattern(
            phrase for reason in brand.urgent_reasons.all() for phrase in reason.phrase_list()
        ),
        escalation_pattern=phrase_pattern(phrase_lines(brand.policy.escalation_phrases)),
        order_number_pattern=(
            re.compile(brand.policy.order_number_pattern)
            if brand.policy.order_number_pattern
            else None
        ),
    )


def brand_rules(brand: Brand) -> BrandRules:
    """Cached per process and keyed by the policy's last-updated time: peak periods, urgent
    reasons, escalation phrases and versions all change only through a recorded policy
    version."""
    return _cached_rules(brand.pk, brand.policy_updated_at)


def staff_alerts_set(
    user: AbstractBaseUser, *, alert_delivery: str, is_available: bool
) -> StaffPreference:
    """Save how a staff user gets alerts, and whether automatic assignment may give them
    tickets (their availability). Switching it off takes none of their tickets away: it only
    stops new ones coming; the tickets they have stay theirs until someone reassigns them."""
    preference = StaffPreference.objects.filter(user=user).first() or StaffPreference(user=user)
    preference.alert_delivery = alert_delivery
    preference.is_available = is_available
    preference.full_clean()
    preference.save()
    return preference


def staff_time_zone_set(user: AbstractBaseUser, time_zone: str) -> StaffPreference:
    """Save the zone a staff user wants admin's times in ("" for their brands' zone)."""
    preference = StaffPreference.objects.filter(user=user).first() or StaffPreference(user=user)
    preference.time_zone = time_zone.strip()
    preference.full_clean()
    preference.save()
    return preference
