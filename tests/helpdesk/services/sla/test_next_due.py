"""A ticket's stored next due instant follows its running clocks through every change, so the
queue reads it in due order from an index."""

from datetime import timedelta

import pytest
from django.utils import timezone

from helpdesk.models import SlaClock, Ticket
from helpdesk.services.tickets.lifecycle import (
    ticket_customer_reply,
    ticket_reply,
    ticket_set_status,
)
from tests.factories import TicketFactory, agent_of


def next_due(ticket: Ticket):
    return Ticket.objects.values_list("next_due_at", flat=True).get(pk=ticket.pk)


def earliest_running(ticket: Ticket):
    running = ticket.clocks.filter(state=SlaClock.State.RUNNING).order_by("latest_at")
    return running.values_list("latest_at", flat=True).first()


@pytest.mark.django_db
def test_the_next_due_instant_follows_start_pause_resume_and_stop(crocso):
    ticket = TicketFactory(brand=crocso)
    first_response = ticket.clocks.get(kind="first_response")
    assert next_due(ticket) == first_response.latest_at

    ticket_set_status(ticket, Ticket.Status.WAITING)
    assert next_due(ticket) is None  # nothing is owed while we wait on the customer

    later = timezone.now() + timedelta(hours=3)
    ticket_set_status(ticket, Ticket.Status.OPEN, at=later)
    assert next_due(ticket) == earliest_running(ticket)
    assert next_due(ticket) is not None

    ticket_reply(ticket, author=agent_of(crocso), body="Here it is.", status="resolved")
    assert next_due(ticket) is None


@pytest.mark.django_db
def test_a_follow_up_after_our_answer_gives_the_ticket_its_reply_clocks_due_time(kendrascottes):
    ticket = TicketFactory(brand=kendrascottes)
    ticket_reply(ticket, author=agent_of(kendrascottes), body="Checking.")
    # Kendrascottes' update cadence runs after an answer; the follow-up owes a reply too.
    ticket_customer_reply(ticket, body="Any news?")

    kinds = set(ticket.clocks.filter(state="running").values_list("kind", flat=True))
    assert {"next_reply", "periodic_update"} <= kinds
    assert next_due(ticket) == earliest_running(ticket)
