"""The status page promises the next answer from a running next-reply clock too."""

import pytest

from brands.promises import promise_text
from helpdesk.models import SlaClock
from helpdesk.services.rendering.status_links import status_path
from helpdesk.services.tickets.lifecycle import ticket_customer_reply, ticket_reply
from tests.factories import TicketFactory, agent_of


@pytest.mark.django_db
def test_the_status_page_promises_an_answer_to_the_customers_follow_up(client, kendrascottes):
    ticket = TicketFactory(brand=kendrascottes)
    ticket_reply(ticket, author=agent_of(kendrascottes), body="It left on Monday.")
    ticket_customer_reply(ticket, body="When will it arrive?")
    clock = ticket.clocks.get(kind=SlaClock.Kind.NEXT_REPLY)

    page = client.get(status_path(ticket)).content.decode()

    assert "you will hear from us by" in page
    assert promise_text(clock.latest_at, kendrascottes.time_zone) in page
