"""A customer's mail after our answer, through the real inbound path, starts the next-reply
clock."""

import pytest

from helpdesk.models import InboundEmail, SlaClock, Ticket
from helpdesk.services.tickets.lifecycle import ticket_reply
from tests.factories import agent_of
from tests.helpdesk.mail import KS, make_mail, message_id_of, post_inbound


@pytest.mark.django_db
def test_a_mailed_follow_up_after_our_answer_starts_the_reply_clock(
    client, kendrascottes, django_capture_on_commit_callbacks
):
    first = make_mail(subject="Where is my necklace?")
    with django_capture_on_commit_callbacks(execute=True):
        assert post_inbound(client, first, recipient=KS).status_code == 200
    ticket = Ticket.objects.get()
    ticket_reply(ticket, author=agent_of(kendrascottes), body="It left on Monday.")

    for text in ("Thanks, when will it arrive?", "Hello again?"):
        follow_up = make_mail(
            subject="Re: Where is my necklace?",
            body=text,
            headers={"In-Reply-To": message_id_of(first)},
        )
        with django_capture_on_commit_callbacks(execute=True):
            assert post_inbound(client, follow_up, recipient=KS).status_code == 200

    assert Ticket.objects.count() == 1
    first_follow_up = InboundEmail.objects.order_by("id")[1]
    (clock,) = ticket.clocks.filter(kind=SlaClock.Kind.NEXT_REPLY)
    assert clock.state == SlaClock.State.RUNNING
    assert clock.started_at == first_follow_up.received_at
