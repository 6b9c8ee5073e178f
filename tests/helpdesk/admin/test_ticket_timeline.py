"""The ticket page shows the timeline; admin's History link leads there."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from brands.models import SlaPolicy
from brands.services import policy_version_record
from helpdesk.models import Ticket, TicketEvent
from helpdesk.services.tickets.lifecycle import ticket_escalate, ticket_set_status
from tests.factories import TicketFactory, admin_form_data, agent_of
from tests.helpdesk.admin.pages import page_url

pytestmark = pytest.mark.django_db


def test_the_ticket_page_shows_who_escalated(client, kendrascottes):
    kim = agent_of(kendrascottes, username="kim")
    ticket = TicketFactory(brand=kendrascottes)
    ticket_escalate(ticket, actor=kim)
    client.force_login(kim)
    page = client.get(page_url(ticket)).content.decode()
    assert 'id="timeline"' in page
    assert "Escalated from tier 1 to tier 2" in page and "by kim" in page


def test_a_status_saved_in_admin_is_recorded_with_the_agent(client, kendrascottes):
    kim = agent_of(kendrascottes, username="kim")
    ticket = TicketFactory(brand=kendrascottes)
    client.force_login(kim)
    page = client.get(page_url(ticket))
    client.post(page_url(ticket), admin_form_data(page, {"status": "waiting"}))
    [event] = ticket.events.filter(kind="status")
    assert (event.after, event.actor) == ("waiting", kim)


def test_history_shows_the_timeline(client, kendrascottes):
    ticket = TicketFactory(brand=kendrascottes)
    kim = agent_of(kendrascottes, username="kim")
    ticket_set_status(ticket, Ticket.Status.WAITING, actor=kim)
    client.force_login(kim)
    response = client.get(page_url(ticket, "history"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Status New → Waiting on customer" in page and "by kim" in page


def test_another_brands_agent_gets_no_history(client, kendrascottes, crocso):
    ticket = TicketFactory(brand=kendrascottes)
    client.force_login(agent_of(crocso))
    assert client.get(page_url(ticket, "history")).status_code == 404


def test_the_recompute_action_shows_on_the_ticket_page_with_the_agent_and_due_times(
    client, kendrascottes
):
    monday = datetime(2026, 11, 9, 10, 0, tzinfo=ZoneInfo("America/Chicago"))
    kim = agent_of(kendrascottes, username="kim")
    ticket = TicketFactory(brand=kendrascottes, received_at=monday)
    SlaPolicy.objects.filter(brand=kendrascottes).update(first_response_latest_hours=36)
    policy_version_record(kendrascottes, source="test")
    client.force_login(kim)

    client.post(
        "/admin/helpdesk/ticket/",
        {"action": "recompute_clocks", "_selected_action": [ticket.pk]},
    )

    page = client.get(page_url(ticket)).content.decode()
    assert 'class="timeline-clock_recompute actor-agent"' in page
    assert (
        "First response clock recomputed: due 2026-11-11 10:00 CST → 2026-11-10 22:00 CST" in page
    )
    [event] = ticket.events.filter(kind=TicketEvent.Kind.CLOCK_RECOMPUTE)
    assert event.actor == kim
