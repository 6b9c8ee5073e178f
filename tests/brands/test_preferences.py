"""A staff user chooses the time zone admin shows their times in."""

from datetime import UTC, datetime

import pytest

from brands.models import StaffPreference
from helpdesk.models import SlaEvent
from tests.factories import SlaEventFactory, TicketFactory, UserFactory, agent_of, first_response

PREFERENCES_URL = "/admin/preferences/"
EVENTS_URL = "/admin/helpdesk/slaevent/"


@pytest.fixture
def agent_client(client, kendrascottes):
    agent = agent_of(kendrascottes)
    client.force_login(agent)
    client.agent = agent
    return client


@pytest.fixture
def event_at_1630_utc(kendrascottes) -> SlaEvent:
    clock = first_response(TicketFactory(brand=kendrascottes))
    fired = datetime(2026, 11, 10, 16, 30, tzinfo=UTC)
    return SlaEventFactory(clock=clock, due_at=fired, created_at=fired)


@pytest.mark.django_db
def test_an_agent_chooses_a_zone_and_admin_shows_times_in_it(agent_client, event_at_1630_utc):
    page = agent_client.get(PREFERENCES_URL).content.decode()
    assert "Your brands&#x27; zone (America/Chicago)" in page

    response = agent_client.post(PREFERENCES_URL, {"time_zone": "Europe/Paris"})

    assert response.status_code == 302
    content = agent_client.get(EVENTS_URL).content.decode()
    assert "Times in Europe/Paris" in content
    assert "Nov. 10, 2026, 5:30 p.m." in content  # 16:30 UTC is 17:30 in Paris (CET)

    agent_client.post(PREFERENCES_URL, {"time_zone": ""})  # back to the brands' zone
    content = agent_client.get(EVENTS_URL).content.decode()
    assert "Times in America/Chicago" in content
    assert "Nov. 10, 2026, 10:30 a.m." in content


@pytest.mark.django_db
def test_an_unknown_zone_is_refused_and_nothing_is_saved(agent_client):
    response = agent_client.post(PREFERENCES_URL, {"time_zone": "Mars/Olympus_Mons"})

    assert response.status_code == 400
    assert "Mars/Olympus_Mons" in " ".join(response.context["form"].errors["time_zone"])
    assert not StaffPreference.objects.exists()


@pytest.mark.django_db
def test_only_staff_reach_their_preferences(client):
    assert client.get(PREFERENCES_URL).status_code == 302  # to the login page
    client.force_login(UserFactory(username="customer", is_staff=False))
    response = client.post(PREFERENCES_URL, {"time_zone": "Europe/Paris"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not StaffPreference.objects.exists()


@pytest.mark.django_db
def test_each_user_sets_only_their_own_zone(agent_client, kendrascottes):
    colleague = agent_of(kendrascottes, username="colleague")
    StaffPreference.objects.create(user=colleague, time_zone="Asia/Tokyo")

    agent_client.post(PREFERENCES_URL, {"time_zone": "Europe/Paris"})

    zones = dict(StaffPreference.objects.values_list("user__username", "time_zone"))
    assert zones == {agent_client.agent.username: "Europe/Paris", "colleague": "Asia/Tokyo"}
