"""Policy drafts: an owner's change to a brand's policy, kept apart from the live one until it is
published as the next policy version (with a reason), and checked against sanity limits first.

A draft holds the whole policy as a version snapshot; publishing writes it through the brand
file's loader (brands.brand_file), so a draft is held to every check a brand file is.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from brands.brand_file import snapshot_brand_file
from brands.loader import BrandFileError, brand_data_read, brand_spec_apply
from brands.models import Brand, OpeningHours, PolicyDraft, PolicyVersion
from brands.policy_diff import Change, labelled_changes
from brands.policy_rules import snapshot_opening_hours, snapshot_peak_periods, snapshot_policy
from brands.services import (
    WEEKDAY_NAMES,
    policy_snapshot,
    policy_version_current,
    snapshot_diff,
)

# A peak period may add at most this much time to a clock: two business weeks.
MAX_PEAK_EXTENSION_HOURS = Decimal(80)
# The written rule of which tickets a published version governs, shown where owners publish.
GOVERNING_RULE = (
    "A promise already stated to a customer stands: clocks running when this version takes "
    "effect keep the due time their acknowledgement gave. Clocks started after it takes effect "
    "use this version."
)


class PolicyProblems(Exception):
    """A draft that cannot be published, with a message per setting (snapshot key)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))
        self.errors = errors


def policy_problems(slug: str, snapshot: dict[str, Any]) -> dict[str, str]:
    """Every sanity limit the snapshot breaks, by setting; empty when it may be published."""
    unreadable = snapshot_unreadable(slug, snapshot)
    if unreadable:
        return {"settings": unreadable}
    problems: dict[str, str] = {}
    policy = snapshot_policy(snapshot)
    hours = snapshot_opening_hours(snapshot)
    normal = policy.first_response_latest_hours
    urgent = policy.urgent_latest_hours
    if urgent is not None and normal is not None and urgent > normal:
        problems["policy.urgent_latest_hours"] = (
            f"Urgent matters must not wait longer than others: at most {normal} hours."
        )
    for row, name in zip(hours, WEEKDAY_NAMES, strict=True):
        if row.mode == OpeningHours.Mode.HOURS and row.opens_at >= row.closes_at:
            problems[f"calendar.opening_hours.{name}"] = (
                f"Opening ({row.opens_at:%H:%M}) must be before closing ({row.closes_at:%H:%M})."
            )
    if all(row.mode == OpeningHours.Mode.CLOSED for row in hours):
        problems["calendar.opening_hours.monday"] = "At least one business day a week."
    for peak in snapshot_peak_periods(snapshot):
        if not 0 < peak.extension_hours <= MAX_PEAK_EXTENSION_HOURS:
            problems[f"calendar.peak_periods.{peak.starts_on}"] = (
                f"A peak period adds more than 0 and at most {MAX_PEAK_EXTENSION_HOURS} "
                "business hours."
            )
    if not any(key.startswith("categories.") for key in snapshot):
        problems["categories"] = "At least one category."
    if "tiers.1.name" not in snapshot:
        problems["tiers"] = "Tier 1 (the agents) must exist."
    try:
        brand_data_read(snapshot_brand_file(slug, snapshot), Path("draft"))
    except BrandFileError as error:
        problems.setdefault(error.setting, error.detail)
    return problems


@contextmanager
def snapshot_in_force(brand: Brand, snapshot: dict[str, Any]) -> Iterator[Brand]:
    """The brand as it would be under `snapshot`, for rendering its page and mail with the very
    functions the live ones use: written inside a transaction that is always rolled back, so
    nothing of it outlives the block. Raises BrandFileError for a snapshot a file could not
    hold."""
    spec = brand_data_read(snapshot_brand_file(brand.slug, snapshot), Path("preview"))
    with transaction.atomic():
        brand_spec_apply(spec, source="preview")
        try:
            yield Brand.objects.select_related("policy").get(pk=brand.pk)
        finally:
            transaction.set_rollback(True)


def draft_start(brand: Brand, user: AbstractBaseUser | None) -> PolicyDraft:
    """A new draft holding the live policy, to be changed section by section."""
    now = timezone.now()
    return PolicyDraft.objects.create(
        brand=brand,
        started_by=user,
        created_at=now,
        updated_at=now,
        based_on=policy_version_current(brand),
        snapshot=policy_snapshot(brand),
    )


# What a snapshot value that cannot be read raises on its way to a model or a brand file.
UNREADABLE = (
    ValueError,
    TypeError,
    ArithmeticError,
    AttributeError,
    LookupError,
    ValidationError,
)


def snapshot_unreadable(slug: str, snapshot: dict[str, Any]) -> str | None:
    """Why the snapshot's values cannot even be read as settings (a number that is text, a
    date that is not one), or None: the sanity limits are checked on what can be read."""
    try:
        snapshot_policy(snapshot)
        snapshot_opening_hours(snapshot)
        snapshot_peak_periods(snapshot)
        snapshot_brand_file(slug, snapshot)
    except UNREADABLE as error:
        return f"Not a valid setting: {error}"
    return None


def draft_save(
    draft: PolicyDraft, values: dict[str, Any], *, replacing: tuple[str, ...] = ()
) -> PolicyDraft:
    """Set settings of the draft; settings under a prefix in `replacing` (a list such as the
    closures) are dropped first, so the values given are the whole list. Values that cannot
    be read as settings raise PolicyProblems and the draft is left as it was."""
    snapshot = {
        key: value
        for key, value in draft.snapshot.items()
        if not any(key.startswith(prefix) for prefix in replacing)
    } | values
    unreadable = snapshot_unreadable(draft.brand.slug, snapshot)
    if unreadable:
        raise PolicyProblems({"settings": unreadable})
    draft.snapshot = snapshot
    draft.updated_at = timezone.now()
    draft.save(update_fields=["snapshot", "updated_at"])
    return draft


def draft_changes(draft: PolicyDraft) -> list[Change]:
    """What publishing the draft would change in the live policy."""
    return labelled_changes(policy_snapshot(draft.brand), draft.snapshot)


def policy_publish(
    brand: Brand,
    snapshot: dict[str, Any],
    *,
    author: AbstractBaseUser | None,
    reason: str,
    source: str,
    effective_at: datetime | None = None,
) -> PolicyVersion:
    """Make `snapshot` the brand's next policy version, recorded with who and why: in force now,
    or from `effective_at` when that is later (the beat applies it then).

    Raises PolicyProblems for a missing reason, a broken sanity limit or a snapshot that
    changes nothing."""
    reason = reason.strip()
    problems = {} if reason else {"reason": "Say why the policy changes."}
    problems |= policy_problems(brand.slug, snapshot)
    if problems:
        raise PolicyProblems(problems)
    now = timezone.now()
    if effective_at is not None and effective_at > now:
        return _policy_schedule(brand, snapshot, author, reason, source, effective_at)
    spec = brand_data_read(snapshot_brand_file(brand.slug, snapshot), Path(source))
    with transaction.atomic():
        if brand_spec_apply(spec, source=source, author=author, reason=reason) == "unchanged":
            raise PolicyProblems({"snapshot": "This changes nothing in the live policy."})
        return policy_version_current(brand)


def _policy_schedule(
    brand: Brand,
    snapshot: dict[str, Any],
    author: AbstractBaseUser | None,
    reason: str,
    source: str,
    effective_at: datetime,
) -> PolicyVersion:
    with transaction.atomic():
        locked = Brand.objects.select_for_update().get(pk=brand.pk)
        highest = locked.policy_versions.order_by("-number").first()
        current = policy_version_current(locked)
        return PolicyVersion.objects.create(
            brand=locked,
            number=highest.number + 1 if highest else 1,
            created_at=timezone.now(),
            author=author if author is not None and author.is_authenticated else None,
            source=source,
            snapshot=snapshot,
            changes=snapshot_diff(current.snapshot if current else {}, snapshot),
            reason=reason,
            effective_at=effective_at,
            applied=False,
        )


def policy_versions_apply_due(now: datetime | None = None) -> int:
    """Put in force every version published for a time that has come, oldest first; safe to
    run twice (a version is applied once, under its brand's lock)."""
    now = now or timezone.now()
    due = PolicyVersion.objects.filter(applied=False, effective_at__lte=now)
    applied = 0
    for version_id in due.order_by("effective_at", "number").values_list("pk", flat=True):
        with transaction.atomic():
            version = (
                PolicyVersion.objects.select_for_update()
                .select_related("brand")
                .filter(pk=version_id, applied=False)
                .first()
            )
            if version is None:
                continue
            spec = brand_data_read(
                snapshot_brand_file(version.brand.slug, version.snapshot), Path(version.source)
            )
            brand_spec_apply(spec, source=version.source, applying=version)
            applied += 1
    return applied
