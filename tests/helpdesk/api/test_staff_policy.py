"""The staff API's policy operations: owners of the brand change, agents and seniors read,
other brands are not found."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from brands.models import BrandMembership, PolicyDraft, WhatIfRun
from tests.factories import agent_of


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def owner(kendrascottes) -> APIClient:
    return token_client(agent_of(kendrascottes, role=BrandMembership.Role.OWNER))


@pytest.fixture
def senior(kendrascottes) -> APIClient:
    return token_client(agent_of(kendrascottes, role=BrandMembership.Role.SENIOR))


@pytest.fixture
def crocso_owner(crocso) -> APIClient:
    return token_client(agent_of(crocso, role=BrandMembership.Role.OWNER))


DRAFTS = "/api/v1/staff/brands/kendrascottes/policy/drafts/"
VERSIONS = "/api/v1/staff/brands/kendrascottes/policy/versions/"


def test_an_owner_drafts_replays_publishes_and_reverts_through_the_api(
    owner, django_capture_on_commit_callbacks
):
    draft = owner.post(DRAFTS).json()
    url = f"/api/v1/staff/policy/drafts/{draft['id']}/"

    changed = owner.patch(url, {"settings": {"policy.urgent_latest_hours": "8"}}, format="json")
    assert changed.status_code == 200
    assert [c["text"] for c in changed.json()["changes"]] == [
        "Urgent first response, latest: 12 -> 8 business hours"
    ]
    with django_capture_on_commit_callbacks(execute=True):
        started = owner.post(f"{url}what-if/", {"days": 30}, format="json")
    assert started.status_code == 202
    run = owner.get(f"/api/v1/staff/policy/what-if/{started.json()['id']}/").json()
    assert run["status"] == "done" and run["result"]["days"] == 30

    published = owner.post(f"{url}publish/", {"reason": "Faster"}, format="json")
    assert published.status_code == 201
    assert published.json()["number"] == 2
    versions = owner.get(VERSIONS).json()
    assert [(v["number"], v["reason"]) for v in versions] == [(2, "Faster"), (1, "")]
    assert versions[0]["changes"][0]["label"] == "Urgent first response, latest"
    assert (versions[0]["applied"], versions[0]["effective_at"]) == (True, None)

    reverted = owner.post(f"{VERSIONS}1/revert/", {"reason": "Back"}, format="json")
    assert reverted.status_code == 201
    assert reverted.json()["changes"][0]["text"] == (
        "Urgent first response, latest: 8 -> 12 business hours"
    )


def test_a_draft_setting_out_of_bounds_is_a_400_naming_it(owner):
    draft = owner.post(DRAFTS).json()
    url = f"/api/v1/staff/policy/drafts/{draft['id']}/"

    unknown = owner.patch(url, {"settings": {"policy.nonsense": "1"}}, format="json")
    too_long = owner.patch(url, {"settings": {"brand.name": "x" * 6000}}, format="json")
    not_hours = owner.patch(
        url, {"settings": {"policy.urgent_latest_hours": "soon"}}, format="json"
    )
    assert not_hours.status_code == 400
    assert "Not a valid setting" in str(not_hours.json())
    assert owner.get(url).json()["snapshot"]["policy.urgent_latest_hours"] == "12"
    owner.patch(url, {"settings": {"policy.first_response_target_hours": "60"}}, format="json")
    refused = owner.post(f"{url}publish/", {"reason": "Try"}, format="json")

    assert unknown.status_code == too_long.status_code == 400
    assert "Unknown setting" in str(unknown.json())
    assert refused.status_code == 400
    assert "Must not exceed the latest time." in str(refused.json())


def test_seniors_and_agents_read_but_do_not_change(senior, owner):
    draft = owner.post(DRAFTS).json()

    assert senior.get(DRAFTS).status_code == 200
    assert senior.get(VERSIONS).status_code == 200
    assert senior.get(f"/api/v1/staff/policy/drafts/{draft['id']}/").status_code == 200
    assert senior.post(DRAFTS).status_code == 403
    assert (
        senior.patch(
            f"/api/v1/staff/policy/drafts/{draft['id']}/",
            {"settings": {"policy.urgent_latest_hours": "8"}},
            format="json",
        ).status_code
        == 403
    )
    assert (
        senior.post(
            f"/api/v1/staff/policy/drafts/{draft['id']}/publish/", {"reason": "x"}, format="json"
        ).status_code
        == 403
    )
    assert senior.post(f"{VERSIONS}1/revert/", {"reason": "x"}, format="json").status_code == 403
    assert PolicyDraft.objects.count() == 1


def test_another_brands_owner_finds_nothing_of_this_brands_policy(
    owner, crocso_owner, django_capture_on_commit_callbacks
):
    draft = owner.post(DRAFTS).json()
    with django_capture_on_commit_callbacks(execute=True):
        owner.post(f"/api/v1/staff/policy/drafts/{draft['id']}/what-if/", {}, format="json")
    run = WhatIfRun.objects.get()

    for url in (
        DRAFTS,
        VERSIONS,
        f"/api/v1/staff/policy/drafts/{draft['id']}/",
        f"/api/v1/staff/policy/what-if/{run.pk}/",
    ):
        assert crocso_owner.get(url).status_code == 404, url
    assert crocso_owner.post(DRAFTS).status_code == 404
    assert (
        crocso_owner.post(
            f"/api/v1/staff/policy/drafts/{draft['id']}/publish/", {"reason": "x"}, format="json"
        ).status_code
        == 404
    )
    assert (
        crocso_owner.post(f"{VERSIONS}1/revert/", {"reason": "x"}, format="json").status_code == 404
    )


def test_an_owner_who_works_no_tickets_gets_a_token(kendrascottes, client):
    user = agent_of(kendrascottes, role=BrandMembership.Role.OWNER, username="olivia")
    user.set_password("a long pass phrase")
    user.save()

    response = APIClient().post(
        "/api/v1/staff/token/", {"username": "olivia", "password": "a long pass phrase"}
    )

    assert response.status_code == 200
