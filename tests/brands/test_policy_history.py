"""Policy history: every saved change is a version with who and when; any two can be compared."""

import pytest

from brands.models import BrandMembership, PeakPeriod
from tests.brands.pages import VERSIONS_URL, change_url, draft_publish
from tests.factories import UserFactory, agent_of


@pytest.fixture
def owner(kendrascottes):
    return agent_of(kendrascottes, role=BrandMembership.Role.OWNER, first_name="Olive")


def save_policy(client, brand, **changes) -> None:
    """Publish new SLA policy values through a draft, as an owner would."""
    sections = {"promises": {}, "urgent": {}}
    for name, value in changes.items():
        sections["urgent" if name.startswith("urgent") else "promises"][f"policy__{name}"] = value
    responses = draft_publish(client, brand, {k: v for k, v in sections.items() if v})
    assert all(response.status_code == 302 for response in responses)


@pytest.fixture
def history(client, owner, kendrascottes):
    """Version 1 from the brand file, 2 and 3 from the owner in admin."""
    client.force_login(owner)
    save_policy(client, kendrascottes, first_response_target_hours="36")
    save_policy(client, kendrascottes, urgent_latest_hours="8", first_response_target_hours="30")
    return {version.number: version for version in kendrascottes.policy_versions.all()}


@pytest.mark.django_db
def test_the_history_lists_each_version_with_its_author_time_and_changes(
    client, owner, kendrascottes, history
):
    response = client.get(VERSIONS_URL, {"brand__id__exact": kendrascottes.pk})

    rows = {version.number: version for version in response.context["cl"].result_list}
    assert sorted(rows) == [1, 2, 3]
    assert rows[3].author == owner and rows[3].source.startswith("draft ")
    assert rows[1].author is None and rows[1].source.endswith("kendrascottes.toml")
    content = response.content.decode()
    assert "First response, target; Urgent first response, latest" in content
    assert "First version" in content


@pytest.mark.django_db
def test_a_versions_page_shows_each_change_before_and_after(client, history):
    response = client.get(f"{VERSIONS_URL}{history[3].pk}/change/")

    content = response.content.decode()
    assert response.status_code == 200
    assert (
        '<th scope="row">First response, target</th>'
        '<td class="diff-before">36 business hours</td>'
        '<td class="diff-after">30 business hours</td>'
    ) in content
    assert (
        '<td class="diff-before">12 business hours</td><td class="diff-after">8 business hours</td>'
    ) in content
    assert f"/compare/{history[1].pk}/{history[3].pk}/" in content


@pytest.mark.django_db
def test_comparing_two_versions_shows_every_setting_that_differs_between_them(client, history):
    first, last = history[1], history[3]

    response = client.get(f"{VERSIONS_URL}compare/{last.pk}/{first.pk}/")

    assert response.status_code == 200
    assert response.context["diff"] == {
        "policy.first_response_target_hours": ["24", "30"],
        "policy.urgent_latest_hours": ["12", "8"],
    }
    assert [v.number for v in response.context["between"]] == [2, 3]
    content = response.content.decode()
    assert "<th>v1</th><th>v3</th>" in content
    assert "2 setting(s) differ" in content


@pytest.mark.django_db
def test_the_compare_action_opens_the_diff_of_the_two_selected_versions(client, history):
    response = client.post(
        VERSIONS_URL,
        {"action": "compare_selected", "_selected_action": [history[3].pk, history[2].pk]},
    )

    assert response.status_code == 302
    assert response["Location"] == f"{VERSIONS_URL}compare/{history[2].pk}/{history[3].pk}/"


@pytest.mark.django_db
def test_the_compare_action_wants_exactly_two_versions(client, history):
    response = client.post(
        VERSIONS_URL, {"action": "compare_selected", "_selected_action": [history[3].pk]}
    )

    assert response.status_code == 302
    assert response["Location"] == VERSIONS_URL
    followed = client.get(VERSIONS_URL).content.decode()
    assert "Select exactly two versions of the same brand." in followed


@pytest.mark.django_db
def test_versions_of_two_brands_are_not_compared(client, kendrascottes, crocso):
    client.force_login(UserFactory(username="root", is_superuser=True))
    ks, cr = kendrascottes.policy_versions.get(), crocso.policy_versions.get()

    assert client.get(f"{VERSIONS_URL}compare/{ks.pk}/{cr.pk}/").status_code == 404


@pytest.mark.django_db
def test_a_calendar_change_is_a_version_too(client, owner, kendrascottes):
    client.force_login(owner)

    draft_publish(
        client,
        kendrascottes,
        {"peaks": {"calendar__peak_periods__": "Holiday sale: 2026-11-27 to 2026-11-30, +24"}},
    )

    version = kendrascottes.policy_versions.order_by("-number").first()
    assert version.changes == {
        "calendar.peak_periods.Holiday sale": [None, "2026-11-27 to 2026-11-30, +24 business hours"]
    }
    assert PeakPeriod.objects.get(brand=kendrascottes).extension_hours == 24


@pytest.mark.django_db
def test_the_brand_page_links_its_history_public_pages_and_report(client, owner, kendrascottes):
    client.force_login(owner)

    content = client.get(change_url(kendrascottes)).content.decode()

    assert f"{VERSIONS_URL}?brand__id__exact={kendrascottes.pk}" in content
    assert "/b/kendrascottes/policy/" in content
    assert "/admin/reports/?brand=kendrascottes" in content
