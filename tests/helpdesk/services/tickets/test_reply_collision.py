"""The collision guard: a reply written on a stale view of the ticket is not sent."""

import pytest
from django.utils import timezone

from helpdesk.errors import ApplicationError
from helpdesk.models import Message, OutboundEmail
from helpdesk.services.tickets.lifecycle import (
    ticket_add_note,
    ticket_customer_reply,
    ticket_reply,
)
from tests.factories import TicketFactory, agent_of


def newest_message_id(ticket) -> int:
    return ticket.messages.order_by("-id").values_list("id", flat=True).first()


@pytest.mark.django_db
def test_a_reply_on_a_fresh_view_is_sent(kendrascottes):
    kim = agent_of(kendrascottes, username="kim")
    ticket = TicketFactory(brand=kendrascottes)
    ticket_reply(
        ticket, author=kim, body="On its way.", last_seen_message=newest_message_id(ticket)
    )
    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.REPLY).count() == 1


@pytest.mark.django_db
def test_a_reply_is_refused_when_the_customer_wrote_since_the_page_loaded(kendrascottes):
    kim = agent_of(kendrascottes, username="kim")
    ticket = TicketFactory(brand=kendrascottes)
    seen = newest_message_id(ticket)
    ticket_customer_reply(ticket, body="Never mind, it arrived!")

    with pytest.raises(ApplicationError) as refused:
        ticket_reply(ticket, author=kim, body="On its way.", last_seen_message=seen)

    assert "the customer wrote" in refused.value.fields["last_seen_message"]
    assert not OutboundEmail.objects.filter(kind=OutboundEmail.Kind.REPLY).exists()
    assert not ticket.messages.filter(kind=Message.Kind.OUTBOUND, author=kim).exists()


@pytest.mark.django_db
def test_a_reply_is_refused_when_another_agent_replied_since_and_goes_once_confirmed(
    kendrascottes,
):
    kim = agent_of(kendrascottes, username="kim")
    lee = agent_of(kendrascottes, username="lee", first_name="Lee", last_name="Senior")
    ticket = TicketFactory(brand=kendrascottes)
    seen = newest_message_id(ticket)
    ticket_reply(ticket, author=lee, body="Refunded.", last_seen_message=seen)

    with pytest.raises(ApplicationError) as refused:
        ticket_reply(ticket, author=kim, body="On its way.", last_seen_message=seen)
    assert "Lee Senior replied at" in refused.value.fields["last_seen_message"]

    # Having read Lee's reply, Kim sends anyway: the page now knows the newest message.
    ticket_reply(
        ticket, author=kim, body="Also on its way.", last_seen_message=newest_message_id(ticket)
    )
    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.REPLY).count() == 2


@pytest.mark.django_db
def test_notes_and_automatic_notices_since_do_not_block_a_reply(kendrascottes):
    kim = agent_of(kendrascottes, username="kim")
    lee = agent_of(kendrascottes, username="lee")
    ticket = TicketFactory(brand=kendrascottes, acknowledge=True)
    seen = ticket.messages.filter(kind=Message.Kind.INBOUND).get().pk
    assert ticket.messages.filter(kind=Message.Kind.OUTBOUND, author=None).exists()
    ticket_add_note(ticket, author=lee, body="Checked the warehouse.")

    ticket_reply(ticket, author=kim, body="On its way.", last_seen_message=seen)


@pytest.mark.django_db
def test_without_a_version_the_reply_is_sent_as_before(kendrascottes):
    kim = agent_of(kendrascottes, username="kim")
    ticket = TicketFactory(brand=kendrascottes)
    ticket_customer_reply(ticket, body="Hello?", received_at=timezone.now())
    ticket_reply(ticket, author=kim, body="Here.")
    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.REPLY).count() == 1
