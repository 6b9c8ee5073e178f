"""The owner's policy pages: a draft section by section, preview, what-if, publish, history."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from brands.models import BrandMembership, PolicyDraft, PolicyVersion
from helpdesk.services.tickets.lifecycle import ticket_reply
from tests.factories import TicketFactory, agent_of


@pytest.fixture
def owner_client(client, kendrascottes):
    client.force_login(agent_of(kendrascottes, role=BrandMembership.Role.OWNER))
    return client


def urgent_section(draft) -> str:
    return reverse("policy_draft_section", args=[draft.pk, "urgent"])


def test_an_owner_drafts_previews_replays_and_publishes_a_faster_urgent_promise(
    owner_client, kendrascottes, django_capture_on_commit_callbacks
):
    agent = agent_of(kendrascottes)
    ticket = TicketFactory(
        brand=kendrascottes, is_urgent=True, received_at=timezone.now() - timedelta(days=20)
    )
    ticket_reply(ticket, author=agent, body="On it.", at=ticket.received_at + timedelta(hours=10))
    owner_client.post(reverse("policy_brand", args=["kendrascottes"]))
    draft = PolicyDraft.objects.get()

    page = owner_client.get(urgent_section(draft))
    assert "Urgent first response, latest (hours (counted as below))" in page.text
    saved = owner_client.post(
        urgent_section(draft),
        {
            "policy__urgent_latest_hours": "8",
            "policy__urgent_clock": "business",
            "policy__next_reply_urgent_latest_hours": "",
        },
    )
    assert saved.status_code == 302
    assert kendrascottes.policy.urgent_latest_hours == 12  # nothing live changed
    overview = owner_client.get(reverse("policy_draft", args=[draft.pk]))
    assert "Urgent first response, latest" in overview.text
    assert "12 business hours" in overview.text and "8 business hours" in overview.text

    preview = owner_client.get(reverse("policy_draft_preview", args=[draft.pk]))
    assert preview.status_code == 200
    assert '<mark class="changed">' in preview.text
    assert kendrascottes.policy_versions.count() == 1  # the preview left nothing behind

    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(reverse("policy_draft_whatif", args=[draft.pk]), {"days": "30"})
    replay = owner_client.get(reverse("policy_draft_whatif", args=[draft.pk]))
    assert replay.context["result"]["newly_breaching_count"] == 1
    assert ticket.reference in replay.text
    assert "<th>Urgent matters: met</th><td>1 of 1</td><td>0 of 1</td>" in replay.text

    refused = owner_client.post(reverse("policy_draft_publish", args=[draft.pk]), {"reason": ""})
    assert refused.status_code == 400
    owner_client.post(reverse("policy_draft_publish", args=[draft.pk]), {"reason": "Faster"})

    history = owner_client.get(reverse("policy_brand", args=["kendrascottes"]))
    assert "Urgent first response, latest: 12 -&gt; 8 business hours" in history.text
    assert "Faster" in history.text
    first = PolicyVersion.objects.get(brand=kendrascottes, number=1)
    old_page = owner_client.get(reverse("policy_version_page", args=[first.pk]))
    assert "12 business hours" in old_page.text

    owner_client.post(reverse("policy_version_revert", args=[first.pk]), {"reason": "Too fast"})
    latest = kendrascottes.policy_versions.order_by("-number").first()
    assert (latest.number, latest.reason, latest.snapshot) == (3, "Too fast", first.snapshot)


def test_a_section_with_an_impossible_value_says_what_is_wrong(owner_client, kendrascottes):
    owner_client.post(reverse("policy_brand", args=["kendrascottes"]))
    draft = PolicyDraft.objects.get()
    hours = {
        f"calendar__opening_hours__{day}": "all day"
        for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    }

    response = owner_client.post(
        reverse("policy_draft_section", args=[draft.pk, "hours"]),
        hours
        | {
            "calendar__opening_hours__monday": "9am",
            "brand__time_zone": "America/Chicago",
            "calendar__closures__": "Inventory: 2027-01-05 to 2027-01-04",
        },
    )

    assert response.status_code == 400
    assert "the last day is before the first" in response.text


def test_agents_read_the_policy_pages_but_do_not_change_them(client, kendrascottes):
    client.force_login(agent_of(kendrascottes))
    assert client.get(reverse("policy_brand", args=["kendrascottes"])).status_code == 200

    assert client.post(reverse("policy_brand", args=["kendrascottes"])).status_code == 403
    assert not PolicyDraft.objects.exists()


def test_another_brands_owner_finds_no_policy_pages_of_this_brand(client, crocso, kendrascottes):
    client.force_login(agent_of(crocso, role=BrandMembership.Role.OWNER))
    version = kendrascottes.policy_versions.get()

    assert client.get(reverse("policy_brand", args=["kendrascottes"])).status_code == 404
    assert client.get(reverse("policy_version_page", args=[version.pk])).status_code == 404
    assert client.post(reverse("policy_brand", args=["kendrascottes"])).status_code == 404


def test_the_page_text_is_drafted_and_previewed_and_a_placeholder_it_cannot_fill_is_refused(
    owner_client, kendrascottes
):
    owner_client.post(reverse("policy_brand", args=["kendrascottes"]))
    draft = PolicyDraft.objects.get()
    url = reverse("policy_draft_section", args=[draft.pk, "page"])
    form = owner_client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value}
    body = "page_sections__commitment__body"

    owner_client.post(url, data | {body: "We answer every mail within {first_response}."})
    preview = owner_client.get(reverse("policy_draft_preview", args=[draft.pk]))
    assert (
        '<mark class="changed">We answer every mail within 24 to 48 business hours.</mark>'
        in preview.text
    )

    owner_client.post(url, data | {body: "Within {fastest_ever}."})
    refused = owner_client.post(
        reverse("policy_draft_publish", args=[draft.pk]), {"reason": "Shorter"}
    )
    assert refused.status_code == 400
    assert "unknown placeholder {fastest_ever}" in refused.text
    assert kendrascottes.policy_versions.count() == 1
