"""A brand owner sets the reply targets of customers' later messages, in a draft."""

from decimal import Decimal

import pytest

from brands.models import SlaPolicy
from tests.brands.pages import draft_publish


@pytest.mark.django_db
def test_an_owner_sets_the_next_reply_latest_time_as_a_new_policy_version(
    owner_client, kendrascottes
):
    (response,) = draft_publish(
        owner_client, kendrascottes, {"promises": {"policy__next_reply_latest_hours": "36"}}
    )

    assert response.status_code == 302
    assert SlaPolicy.objects.get(brand=kendrascottes).next_reply_latest_hours == Decimal(36)
    version = kendrascottes.policy_versions.order_by("-number").first()
    assert version.changes == {"policy.next_reply_latest_hours": [None, "36"]}


@pytest.mark.django_db
def test_a_next_reply_target_beyond_the_latest_it_falls_back_to_is_refused(
    owner_client, kendrascottes
):
    # The first response's latest is 48: the draft saves, publishing it is refused.
    draft_publish(
        owner_client, kendrascottes, {"promises": {"policy__next_reply_target_hours": "60"}}
    )

    draft = kendrascottes.policy_drafts.get()
    page = owner_client.post(f"/admin/policy/drafts/{draft.pk}/publish/", {"reason": "Try"})
    assert page.status_code == 400
    assert "Must not exceed the next reply&#x27;s latest time." in page.content.decode()
    assert SlaPolicy.objects.get(brand=kendrascottes).next_reply_target_hours is None
    assert kendrascottes.policy_versions.count() == 1
