"""Publishing a draft: the governing rule, open tickets past due at once, revert."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from brands.drafts import draft_save, draft_start, policy_versions_apply_due
from brands.models import Brand
from brands.services import policy_version_current
from helpdesk.errors import ApplicationError
from helpdesk.models import SlaClock
from helpdesk.services.sla.publish import draft_publish, publish_impact, version_revert
from tests.factories import TicketFactory, first_response

User = get_user_model()


@pytest.fixture
def owner(db):
    return User.objects.create_user("owner")


def test_a_publish_that_puts_open_tickets_past_due_at_once_asks_for_confirmation(crocso, owner):
    # Crocso counts urgent matters in calendar hours: 10 hours ago is 10 of its 24.
    ticket = TicketFactory(
        brand=crocso, is_urgent=True, received_at=timezone.now() - timedelta(hours=10)
    )
    due = first_response(ticket).latest_at
    draft = draft_start(crocso, owner)
    draft_save(draft, {"policy.urgent_latest_hours": "8"})

    impact = publish_impact(draft)
    assert (impact.open_tickets_keeping_due_times, impact.breaching_at_once) == (1, 1)
    with pytest.raises(ApplicationError) as refused:
        draft_publish(draft, author=owner, reason="Faster", confirmed=False)
    assert "1 open tickets would be past the draft's due time at once" in refused.value.message
    assert policy_version_current(crocso).number == 1

    version = draft_publish(draft, author=owner, reason="Faster", confirmed=True)

    assert version.number == 2
    # The promise stated stands: the running clock keeps its due time.
    assert first_response(ticket).latest_at == due
    later = TicketFactory(brand=Brand.objects.get(pk=crocso.pk), is_urgent=True)
    assert first_response(later).latest_seconds == 8 * 3600


def test_a_draft_that_breaches_nothing_publishes_without_confirmation(kendrascottes, owner):
    TicketFactory(brand=kendrascottes)
    draft = draft_start(kendrascottes, owner)
    draft_save(draft, {"policy.first_response_latest_hours": "72"})

    version = draft_publish(draft, author=owner, reason="Longer")

    draft.refresh_from_db()
    assert draft.published_as == version
    with pytest.raises(ApplicationError):
        draft_publish(draft, author=owner, reason="Again", confirmed=True)


def test_reverting_publishes_a_version_equal_to_the_old_one(kendrascottes, owner):
    first = policy_version_current(kendrascottes)
    draft = draft_start(kendrascottes, owner)
    draft_save(draft, {"policy.urgent_latest_hours": "6"})
    draft_publish(draft, author=owner, reason="Faster")

    reverted = version_revert(first, author=owner, reason="Too fast")

    assert (reverted.number, reverted.snapshot, reverted.reason) == (3, first.snapshot, "Too fast")
    assert reverted.source == "revert to v1"
    assert SlaClock.objects.count() == 0


def test_a_version_published_for_later_takes_effect_when_due_and_not_before(kendrascottes, owner):
    draft = draft_start(kendrascottes, owner)
    draft_save(draft, {"policy.urgent_latest_hours": "6"})
    sale = timezone.now() + timedelta(days=2)

    version = draft_publish(draft, author=owner, reason="Sale", effective_at=sale)

    assert (version.number, version.applied, version.effective_at) == (2, False, sale)
    assert policy_version_current(kendrascottes).number == 1
    assert policy_versions_apply_due(now=sale - timedelta(minutes=1)) == 0
    before = TicketFactory(brand=Brand.objects.get(pk=kendrascottes.pk), is_urgent=True)
    assert first_response(before).latest_seconds == 12 * 3600

    assert policy_versions_apply_due(now=sale) == 1
    assert policy_versions_apply_due(now=sale) == 0  # once

    brand = Brand.objects.get(pk=kendrascottes.pk)
    current = policy_version_current(brand)
    assert (current.number, current.reason, current.applied) == (2, "Sale", True)
    assert brand.policy_versions.count() == 2
    assert first_response(TicketFactory(brand=brand, is_urgent=True)).latest_seconds == 6 * 3600
