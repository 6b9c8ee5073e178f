"""Brand admin: owners edit their own brand through the real change form, and nobody else's."""

from decimal import Decimal

import pytest

from brands.models import BrandMembership, PolicyVersion, SlaPolicy
from tests.brands.pages import (
    BRANDS_URL,
    VERSIONS_URL,
    change_url,
    draft_publish,
    form_errors,
    inline_prefix,
)
from tests.factories import UserFactory, admin_form_data, agent_of

OWNER = BrandMembership.Role.OWNER


@pytest.mark.django_db
def test_an_owner_changes_the_first_response_target_through_a_draft(
    owner_client, ks_owner, kendrascottes
):
    responses = draft_publish(
        owner_client, kendrascottes, {"promises": {"policy__first_response_target_hours": "36"}}
    )

    assert [r.status_code for r in responses] == [302]
    assert SlaPolicy.objects.get(brand=kendrascottes).first_response_target_hours == Decimal(36)
    version = kendrascottes.policy_versions.order_by("-number").first()
    assert version.number == 2
    assert version.author == ks_owner and version.source.startswith("draft ")
    assert version.changes == {"policy.first_response_target_hours": ["24", "36"]}
    kendrascottes.refresh_from_db()
    assert kendrascottes.policy_updated_at == version.created_at


@pytest.mark.django_db
def test_the_change_form_shows_the_policy_to_owners_but_does_not_change_it(
    owner_client, kendrascottes
):
    page = owner_client.get(change_url(kendrascottes))
    assert "Change the policy (in a draft)" in page.content.decode()
    prefix = inline_prefix(page, SlaPolicy)
    data = admin_form_data(page, {f"{prefix}-0-first_response_target_hours": "36"})

    owner_client.post(change_url(kendrascottes), data)

    assert SlaPolicy.objects.get(brand=kendrascottes).first_response_target_hours == 24
    assert kendrascottes.policy_versions.count() == 1


@pytest.mark.django_db
def test_saving_the_change_form_without_changes_records_no_version(owner_client, kendrascottes):
    kendrascottes.refresh_from_db()
    updated_at = kendrascottes.policy_updated_at
    page = owner_client.get(change_url(kendrascottes))

    response = owner_client.post(change_url(kendrascottes), admin_form_data(page))

    assert response.status_code == 302, form_errors(response)
    assert list(kendrascottes.policy_versions.values_list("number", flat=True)) == [1]
    kendrascottes.refresh_from_db()
    assert kendrascottes.policy_updated_at == updated_at


@pytest.mark.django_db
def test_negative_hours_are_refused_with_a_form_error_and_no_version(owner_client, kendrascottes):
    (response,) = draft_publish(
        owner_client, kendrascottes, {"promises": {"policy__first_response_target_hours": "-1"}}
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "policy__first_response_target_hours": ["Ensure this value is greater than or equal to 0."]
    }
    assert SlaPolicy.objects.get(brand=kendrascottes).first_response_target_hours == 24
    assert kendrascottes.policy_versions.count() == 1


@pytest.mark.django_db
def test_an_unknown_holiday_name_is_refused_with_a_form_error_and_no_version(
    owner_client, kendrascottes
):
    (response,) = draft_publish(
        owner_client, kendrascottes, {"hours": {"calendar__holidays": ["Festivus"]}}
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "calendar__holidays": [
            "Select a valid choice. Festivus is not one of the available choices."
        ]
    }
    assert not kendrascottes.holidays.filter(name="Festivus").exists()
    assert kendrascottes.policy_versions.count() == 1


@pytest.mark.django_db
def test_an_owner_adds_a_known_holiday_in_a_draft_and_it_is_versioned(
    owner_client, ks_owner, kendrascottes
):
    holidays = [*kendrascottes.holidays.values_list("name", flat=True), "Veterans Day"]

    draft_publish(owner_client, kendrascottes, {"hours": {"calendar__holidays": holidays}})

    version = kendrascottes.policy_versions.order_by("-number").first()
    assert version.author == ks_owner
    assert list(version.changes) == ["calendar.holidays"]
    before, after = version.changes["calendar.holidays"]
    assert sorted(set(after) - set(before)) == ["Veterans Day"]


@pytest.mark.django_db
def test_a_crocso_owner_cannot_open_kendrascottes_brand(client, kendrascottes, crocso):
    client.force_login(agent_of(crocso, role=OWNER))

    response = client.get(change_url(kendrascottes))

    # Another brand is missing for the owner: a 404, not the form nor Django's redirect.
    assert response.status_code == 404
    assert "adminform" not in (response.context or {})


@pytest.mark.django_db
def test_a_crocso_owner_cannot_post_to_kendrascottes_brand(client, kendrascottes, crocso):
    client.force_login(agent_of(kendrascottes, role=OWNER))
    page = client.get(change_url(kendrascottes))
    data = admin_form_data(page)
    prefix = inline_prefix(page, SlaPolicy)
    data[f"{prefix}-0-first_response_target_hours"] = "1"
    client.force_login(agent_of(crocso, role=OWNER))

    response = client.post(change_url(kendrascottes), data)

    assert response.status_code == 404
    assert SlaPolicy.objects.get(brand=kendrascottes).first_response_target_hours == 24
    assert kendrascottes.policy_versions.count() == 1


@pytest.mark.django_db
def test_an_owner_sees_only_their_own_brand_in_the_changelist(client, kendrascottes, crocso):
    client.force_login(agent_of(crocso, role=OWNER))

    response = client.get(BRANDS_URL)

    assert response.status_code == 200
    assert [brand.slug for brand in response.context["cl"].result_list] == ["crocso"]
    assert b"Kendrascottes" not in response.content


@pytest.mark.django_db
def test_an_agent_who_owns_nothing_gets_403_on_the_brand_admin(client, kendrascottes):
    client.force_login(agent_of(kendrascottes))

    assert client.get(BRANDS_URL).status_code == 403
    assert client.get(change_url(kendrascottes)).status_code == 403
    assert client.get(VERSIONS_URL).status_code == 403


@pytest.mark.django_db
def test_a_superuser_sees_every_brand(client, shipped_brands):
    client.force_login(UserFactory(username="root", is_superuser=True))

    response = client.get(BRANDS_URL)

    assert {brand.slug for brand in response.context["cl"].result_list} == {
        "kendrascottes",
        "crocso",
    }


@pytest.mark.django_db
def test_the_policy_version_admin_lists_only_own_brand_versions(client, kendrascottes, crocso):
    client.force_login(agent_of(crocso, role=OWNER))
    ks_version = kendrascottes.policy_versions.get()

    response = client.get(VERSIONS_URL)

    assert response.status_code == 200
    listed = list(response.context["cl"].result_list)
    assert [version.brand for version in listed] == [crocso]
    assert client.get(f"{VERSIONS_URL}{ks_version.pk}/change/").status_code == 404


@pytest.mark.django_db
def test_the_policy_version_brand_filter_offers_only_own_brands(client, kendrascottes, crocso):
    client.force_login(agent_of(crocso, role=OWNER))

    response = client.get(VERSIONS_URL)

    # One brand leaves nothing to choose, so Django leaves the brand filter out altogether.
    assert "brand" not in [spec.title for spec in response.context["cl"].filter_specs]
    assert b"Kendrascottes" not in response.content


@pytest.mark.django_db
def test_policy_versions_cannot_be_edited_even_by_their_owner(client, crocso):
    client.force_login(agent_of(crocso, role=OWNER))
    version = crocso.policy_versions.get()

    response = client.post(
        f"{VERSIONS_URL}{version.pk}/change/", {"source": "forged", "changes": "{}"}
    )

    assert response.status_code == 403
    version.refresh_from_db()
    assert version.source != "forged"
    assert PolicyVersion.objects.filter(brand=crocso).count() == 1


@pytest.mark.django_db
def test_the_brands_zone_and_language_are_changed_in_a_draft_not_the_change_form(
    owner_client, kendrascottes
):
    page = owner_client.get(change_url(kendrascottes))
    data = admin_form_data(page, {"time_zone": "Europe/Paris", "default_language": "fr"})

    owner_client.post(change_url(kendrascottes), data)

    kendrascottes.refresh_from_db()
    assert (kendrascottes.time_zone, kendrascottes.default_language) == ("America/Chicago", "en")
    assert kendrascottes.policy_versions.count() == 1
