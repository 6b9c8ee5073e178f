"""The status page offers a senior review when, and only when, the brand's policy allows it."""

import pytest

from helpdesk.models import OutboundEmail, Ticket
from helpdesk.services.rendering.status_links import status_path
from helpdesk.services.tickets.lifecycle import ticket_reply
from tests.factories import TicketFactory, agent_of

BUTTON = 'name="escalate"'


def complaint(brand) -> Ticket:
    return TicketFactory(
        brand=brand, category=brand.categories.get(slug="complaint"), order_number="KS-1"
    )


def notices(ticket: Ticket) -> int:
    return OutboundEmail.objects.filter(
        ticket=ticket, kind=OutboundEmail.Kind.ESCALATION_NOTICE
    ).count()


@pytest.mark.django_db
def test_crocso_shows_the_button_only_after_our_first_answer(client, crocso):
    ticket = TicketFactory(brand=crocso)
    assert BUTTON not in client.get(status_path(ticket)).content.decode()

    ticket_reply(ticket, author=agent_of(crocso), body="Here is what we can do.")

    assert BUTTON in client.get(status_path(ticket)).content.decode()


@pytest.mark.django_db
def test_kendrascottes_shows_the_button_only_after_a_proposed_resolution(client, kendrascottes):
    ticket = complaint(kendrascottes)
    agent = agent_of(kendrascottes)
    ticket_reply(ticket, author=agent, body="We are looking into it.")
    assert BUTTON not in client.get(status_path(ticket)).content.decode()

    ticket_reply(ticket, author=agent, body="We offer a refund.", proposes_resolution=True)

    assert BUTTON in client.get(status_path(ticket)).content.decode()


@pytest.mark.django_db
def test_the_button_escalates_once_and_a_second_request_is_refused(client, crocso):
    ticket = TicketFactory(brand=crocso)
    ticket_reply(ticket, author=agent_of(crocso), body="Here is what we can do.")
    path = status_path(ticket)

    response = client.post(path, {"escalate": "1"})

    assert response.status_code == 302 and response["Location"].endswith("?escalated=1")
    ticket.refresh_from_db()
    assert ticket.tier == 2 and ticket.escalation_requested_at is not None
    assert notices(ticket) == 1
    page = client.get(response["Location"]).content.decode()
    assert "passed your request to our senior team" in page
    assert BUTTON not in page

    again = client.post(path, {"escalate": "1"})
    assert again.status_code == 409
    assert "escalated on request before" in again.content.decode()
    assert notices(ticket) == 1


@pytest.mark.django_db
def test_a_request_the_policy_does_not_allow_is_refused_with_the_reason(client, kendrascottes):
    ticket = complaint(kendrascottes)

    response = client.post(status_path(ticket), {"escalate": "1"})

    assert response.status_code == 409
    assert "once we have proposed a resolution" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.tier == 1 and ticket.escalation_requested_at is None
    assert notices(ticket) == 0
