"""A brand's automatic assignment: off as shipped, set in its file or by its owner in admin,
each change a policy version with who made it."""

import pytest
from django.core.management import CommandError, call_command

from brands.models import Brand
from tests.brands.pages import change_url
from tests.brands.test_load_brands import brand_file_with
from tests.factories import admin_form_data

pytestmark = pytest.mark.django_db


def test_the_shipped_brands_leave_new_tickets_in_the_queue(shipped_brands):
    assert {brand.auto_assign for brand in shipped_brands.values()} == {Brand.AutoAssign.OFF}


def test_the_brand_file_turns_it_on_as_a_new_version(tmp_path):
    call_command("load_brands")
    changed = brand_file_with(tmp_path, 'auto_assign = "off"', 'auto_assign = "least_open"')
    call_command("load_brands", str(changed))
    brand = Brand.objects.get(slug="kendrascottes")
    assert brand.auto_assign == Brand.AutoAssign.LEAST_OPEN
    latest = brand.policy_versions.order_by("-number").first()
    assert latest.changes == {"brand.auto_assign": ["off", "least_open"]}


def test_an_unknown_rule_is_refused_naming_the_setting(tmp_path):
    bad = brand_file_with(tmp_path, 'auto_assign = "off"', 'auto_assign = "whoever"')
    with pytest.raises(CommandError) as refused:
        call_command("load_brands", str(bad))
    assert f"{bad}: brand.auto_assign:" in str(refused.value)


def test_the_owner_turns_on_round_robin_in_admin(owner_client, ks_owner, kendrascottes):
    page = owner_client.get(change_url(kendrascottes))
    response = owner_client.post(
        change_url(kendrascottes), admin_form_data(page, {"auto_assign": "round_robin"})
    )
    assert response.status_code == 302
    kendrascottes.refresh_from_db()
    assert kendrascottes.auto_assign == Brand.AutoAssign.ROUND_ROBIN
    latest = kendrascottes.policy_versions.order_by("-number").first()
    assert latest.author == ks_owner
    assert latest.changes["brand.auto_assign"] == ["off", "round_robin"]
