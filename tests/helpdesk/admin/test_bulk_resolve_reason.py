"""Bulk resolve in the ticket list: tickets never answered need the reason beside the action."""

import pytest

from helpdesk.models import OutboundEmail, Ticket
from helpdesk.services.tickets.lifecycle import ticket_reply
from tests.factories import TicketFactory, agent_of
from tests.helpdesk.admin.pages import TICKETS_URL
from tests.notices import notices_window_passes


@pytest.mark.django_db
def test_bulk_resolve_without_a_reason_leaves_the_unanswered_ones_open(client, kendrascottes):
    agent = agent_of(kendrascottes)
    client.force_login(agent)
    answered, unanswered = TicketFactory(brand=kendrascottes), TicketFactory(brand=kendrascottes)
    ticket_reply(answered, author=agent, body="Done.")

    response = client.post(
        TICKETS_URL,
        {"action": "resolve_selected", "_selected_action": [answered.pk, unanswered.pk]},
        follow=True,
    )

    assert Ticket.objects.get(pk=answered.pk).status == Ticket.Status.RESOLVED
    assert Ticket.objects.get(pk=unanswered.pk).status == Ticket.Status.NEW
    assert f"never answered: {unanswered.reference}" in response.content.decode()


@pytest.mark.django_db
def test_the_reason_resolves_them_and_reaches_the_customer(client, kendrascottes):
    client.force_login(agent_of(kendrascottes))
    ticket = TicketFactory(brand=kendrascottes)

    client.post(
        TICKETS_URL,
        {
            "action": "resolve_selected",
            "_selected_action": [ticket.pk],
            "reason": "We refunded your order in full.",
        },
    )

    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.RESOLVED
    notices_window_passes()
    notice = OutboundEmail.objects.get(ticket=ticket, kind=OutboundEmail.Kind.STATUS_NOTICE)
    assert "We refunded your order in full." in notice.body_text


@pytest.mark.django_db
def test_the_ticket_list_offers_the_reason_field(client, kendrascottes):
    client.force_login(agent_of(kendrascottes))
    TicketFactory(brand=kendrascottes)

    assert 'name="reason"' in client.get(TICKETS_URL).content.decode()
