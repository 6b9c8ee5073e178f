"""Every mail to a customer carries the absolute link to their request's status page."""

import pytest

from helpdesk.models import OutboundEmail, Ticket
from helpdesk.services.tickets.lifecycle import ticket_escalate, ticket_reply, ticket_set_status
from tests.factories import TicketFactory, agent_of
from tests.notices import assert_status_links, notices_window_passes


@pytest.fixture(autouse=True)
def public_base_url(settings) -> None:
    settings.PUBLIC_BASE_URL = "https://help.example.com/"


@pytest.mark.django_db
def test_the_acknowledgement_links_to_the_request(kendrascottes):
    ticket = TicketFactory(brand=kendrascottes, acknowledge=True)

    acknowledgement = OutboundEmail.objects.get(kind=OutboundEmail.Kind.ACKNOWLEDGEMENT)
    assert_status_links(acknowledgement, ticket)
    assert 'href="https://help.example.com/b/kendrascottes/status/' in acknowledgement.body_html


@pytest.mark.django_db
def test_an_agents_reply_and_periodic_update_link_to_the_request(kendrascottes):
    ticket = TicketFactory(brand=kendrascottes)
    agent = agent_of(kendrascottes)

    ticket_reply(ticket, author=agent, body="We are looking into it.")
    ticket_reply(ticket, author=agent, body="An update: the refund is on its way.")

    replies = OutboundEmail.objects.filter(kind=OutboundEmail.Kind.REPLY)
    assert replies.count() == 2
    for outbound in replies:
        assert_status_links(outbound, ticket)
        assert "Rate our help" not in outbound.body_text


@pytest.mark.django_db
def test_the_resolving_reply_asks_for_a_rating_on_the_page(kendrascottes):
    ticket = TicketFactory(brand=kendrascottes)

    ticket_reply(
        ticket, author=agent_of(kendrascottes), body="Refunded.", status=Ticket.Status.RESOLVED
    )

    outbound = OutboundEmail.objects.get(kind=OutboundEmail.Kind.REPLY)
    assert_status_links(outbound, ticket)
    assert "Rate our help" in outbound.body_text


@pytest.mark.django_db
def test_status_and_resolution_notices_link_to_the_request(crocso):
    ticket = TicketFactory(brand=crocso)

    ticket_set_status(ticket, Ticket.Status.OPEN)
    notices_window_passes()
    ticket_set_status(ticket, Ticket.Status.RESOLVED)
    notices_window_passes()

    notices = OutboundEmail.objects.filter(kind=OutboundEmail.Kind.STATUS_NOTICE)
    assert notices.count() == 2
    for outbound in notices:
        assert_status_links(outbound, ticket)
    resolved = notices.get(subject__endswith="Resolved")
    assert "Rate our help" in resolved.body_text


@pytest.mark.django_db
def test_the_escalation_notice_links_to_the_request(crocso):
    ticket = TicketFactory(brand=crocso)

    ticket_escalate(ticket, by_customer=True)

    notice = OutboundEmail.objects.get(kind=OutboundEmail.Kind.ESCALATION_NOTICE)
    assert_status_links(notice, ticket)
