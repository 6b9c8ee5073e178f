"""Drafts: the owner's change kept apart from the live policy, checked, then published."""

import pytest
from django.contrib.auth import get_user_model

from brands.drafts import PolicyProblems, draft_changes, draft_save, draft_start, policy_publish
from brands.models import Brand
from brands.policy_diff import labelled_changes
from brands.services import policy_snapshot, policy_version_current

User = get_user_model()


@pytest.fixture
def owner(db):
    return User.objects.create_user("owner")


def test_a_draft_changes_nothing_live_until_published(kendrascottes, owner):
    live = policy_snapshot(kendrascottes)
    draft = draft_start(kendrascottes, owner)

    draft_save(draft, {"policy.first_response_latest_hours": "36"})

    assert policy_snapshot(kendrascottes) == live
    assert [str(change) for change in draft_changes(draft)] == [
        "First response, latest: 48 -> 36 business hours"
    ]


def test_publishing_makes_the_next_version_with_who_and_why(kendrascottes, owner):
    before = policy_version_current(kendrascottes)
    draft = draft_start(kendrascottes, owner)
    draft_save(draft, {"policy.urgent_latest_hours": "8"})

    version = policy_publish(
        kendrascottes, draft.snapshot, author=owner, reason="Faster for damage", source="draft"
    )

    kendrascottes.refresh_from_db()
    assert version.number == before.number + 1
    assert (version.author, version.reason) == (owner, "Faster for damage")
    assert kendrascottes.policy.urgent_latest_hours == 8
    assert kendrascottes.policy_updated_at == version.created_at
    assert [str(c) for c in labelled_changes(before.snapshot, version.snapshot)] == [
        "Urgent first response, latest: 12 -> 8 business hours"
    ]


def test_publishing_an_old_version_again_reverts_to_it(kendrascottes, owner):
    first = policy_version_current(kendrascottes)
    draft = draft_start(kendrascottes, owner)
    draft_save(draft, {"policy.urgent_latest_hours": "8"})
    policy_publish(kendrascottes, draft.snapshot, author=owner, reason="Try", source="draft")

    reverted = policy_publish(
        kendrascottes,
        first.snapshot,
        author=owner,
        reason="Back",
        source=f"revert to v{first.number}",
    )

    assert reverted.number == first.number + 2
    assert reverted.snapshot == first.snapshot


@pytest.mark.parametrize(
    ("changes", "setting", "message"),
    [
        (
            {"policy.first_response_target_hours": "60"},
            "policy.first_response_target_hours",
            "Must not exceed the latest time.",
        ),
        (
            {"policy.urgent_latest_hours": "72"},
            "policy.urgent_latest_hours",
            "Urgent matters must not wait longer than others: at most 48 hours.",
        ),
        (
            {"calendar.opening_hours.monday": "17:00-09:00"},
            "calendar.opening_hours.monday",
            "Opening (17:00) must be before closing (09:00).",
        ),
        (
            {
                f"calendar.opening_hours.{day}": "closed"
                for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
            },
            "calendar.opening_hours.monday",
            "At least one business day a week.",
        ),
        (
            {"calendar.holidays": ["Founders Day of Nowhere"]},
            "calendar.holidays[0]",
            "unknown holiday name 'Founders Day of Nowhere'",
        ),
        (
            {"calendar.peak_periods.Sale": "2026-11-27 to 2026-11-30, +500 business hours"},
            "calendar.peak_periods.2026-11-27",
            "A peak period adds more than 0 and at most 80 business hours.",
        ),
    ],
)
def test_a_draft_beyond_the_sanity_limits_is_refused_with_the_setting_named(
    kendrascottes, owner, changes, setting, message
):
    draft = draft_start(kendrascottes, owner)
    draft_save(draft, changes)

    with pytest.raises(PolicyProblems) as refused:
        policy_publish(kendrascottes, draft.snapshot, author=owner, reason="x", source="draft")

    assert refused.value.errors[setting] == message
    assert Brand.objects.get(pk=kendrascottes.pk).policy_versions.count() == 1


def test_a_publish_needs_a_reason_and_a_change(kendrascottes, owner):
    draft = draft_start(kendrascottes, owner)

    with pytest.raises(PolicyProblems) as refused:
        policy_publish(kendrascottes, draft.snapshot, author=owner, reason=" ", source="draft")
    assert refused.value.errors == {"reason": "Say why the policy changes."}

    with pytest.raises(PolicyProblems) as unchanged:
        policy_publish(kendrascottes, draft.snapshot, author=owner, reason="x", source="draft")
    assert unchanged.value.errors == {"snapshot": "This changes nothing in the live policy."}
