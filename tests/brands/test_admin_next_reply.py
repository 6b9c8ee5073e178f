"""A brand owner sets the reply targets of customers' later messages in admin."""

from decimal import Decimal

import pytest

from brands.models import SlaPolicy
from tests.brands.pages import change_url, inline_prefix
from tests.factories import admin_form_data


@pytest.mark.django_db
def test_an_owner_sets_the_next_reply_latest_time_as_a_new_policy_version(
    owner_client, kendrascottes
):
    page = owner_client.get(change_url(kendrascottes))
    prefix = inline_prefix(page, SlaPolicy)
    data = admin_form_data(page)
    assert data[f"{prefix}-0-next_reply_latest_hours"] == ""
    data[f"{prefix}-0-next_reply_latest_hours"] = "36"

    response = owner_client.post(change_url(kendrascottes), data)

    assert response.status_code == 302
    assert SlaPolicy.objects.get(brand=kendrascottes).next_reply_latest_hours == Decimal(36)
    version = kendrascottes.policy_versions.order_by("-number").first()
    assert version.changes == {"policy.next_reply_latest_hours": [None, "36"]}


@pytest.mark.django_db
def test_a_next_reply_target_beyond_the_latest_it_falls_back_to_is_refused(
    owner_client, kendrascottes
):
    page = owner_client.get(change_url(kendrascottes))
    prefix = inline_prefix(page, SlaPolicy)
    data = admin_form_data(page)
    data[f"{prefix}-0-next_reply_target_hours"] = "60"  # the first response's latest is 48

    response = owner_client.post(change_url(kendrascottes), data)

    assert response.status_code == 200
    assert "Must not exceed the next reply&#x27;s latest time." in response.content.decode()
    assert SlaPolicy.objects.get(brand=kendrascottes).next_reply_target_hours is None
