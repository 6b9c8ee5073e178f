"""Escalation to the next tier: its response window respects a ticket waiting on the customer,
and an assignee who works the new tier keeps the ticket."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from brands.models import BrandMembership
from helpdesk.models import SlaClock, Ticket, TicketEvent
from helpdesk.selectors.timeline import ticket_timeline
from helpdesk.services.tickets.lifecycle import (
    ticket_assign,
    ticket_customer_reply,
    ticket_escalate,
    ticket_set_status,
)
from tests.factories import TicketFactory, agent_of

SENIOR = BrandMembership.Role.SENIOR


def tier_clock(ticket: Ticket) -> SlaClock:
    return ticket.clocks.live().get(kind=SlaClock.Kind.TIER_RESPONSE)


@pytest.mark.django_db
def test_a_ticket_waiting_on_the_customer_is_escalated_with_its_window_paused(
    kendrascottes, django_capture_on_commit_callbacks
):
    agent_of(kendrascottes, SENIOR, username="sam", email="sam@staff.example")
    kim = agent_of(kendrascottes, username="kim")
    ticket = TicketFactory(brand=kendrascottes)
    ticket_set_status(ticket, Ticket.Status.WAITING, actor=kim)

    with django_capture_on_commit_callbacks(execute=True):
        ticket_escalate(ticket, actor=kim, by_customer=True)

    ticket.refresh_from_db()
    assert (ticket.tier, ticket.status) == (2, Ticket.Status.WAITING)
    clock = tier_clock(ticket)
    assert clock.state == SlaClock.State.PAUSED and clock.next_check_at is None
    assert ticket.next_due_at is None  # nothing is owed while the customer is asked
    texts = [entry.text for entry in ticket_timeline(ticket)]
    window = clock.get_kind_display()
    assert "Escalated from tier 1 to tier 2: on request" in texts
    assert texts[-2:] == [f"{window} clock started", f"{window} clock paused"]
    told = {message.to[0]: message for message in mail.outbox}
    assert "will review it." in told[ticket.customer_email].body  # no time promised yet
    assert "waiting on the customer" in told["sam@staff.example"].subject


@pytest.mark.django_db
def test_the_paused_window_runs_in_full_from_the_customers_next_message(kendrascottes):
    kim = agent_of(kendrascottes, username="kim")
    ticket = TicketFactory(brand=kendrascottes)
    ticket_set_status(ticket, Ticket.Status.WAITING, actor=kim)
    ticket_escalate(ticket, actor=kim)
    written = timezone.now() + timedelta(hours=30)

    ticket_customer_reply(ticket, body="Here are the photos.", received_at=written)

    clock = tier_clock(ticket)
    assert clock.state == SlaClock.State.RUNNING
    # Kendrascottes' senior tier answers within 48 hours, counted around the clock.
    assert clock.latest_at == written + timedelta(hours=48)


@pytest.mark.django_db
def test_a_senior_assignee_keeps_the_ticket_they_escalate(kendrascottes):
    sam = agent_of(kendrascottes, SENIOR, username="sam")
    ticket = TicketFactory(brand=kendrascottes)
    ticket_assign(ticket, sam, actor=sam)

    ticket_escalate(ticket, actor=sam)

    ticket.refresh_from_db()
    assert (ticket.tier, ticket.assignee) == (2, sam)
    assert not ticket.events.filter(kind=TicketEvent.Kind.ASSIGNEE, after="").exists()


@pytest.mark.django_db
def test_an_assignee_who_does_not_work_the_new_tier_is_unassigned(kendrascottes):
    kim = agent_of(kendrascottes, username="kim")
    ticket = TicketFactory(brand=kendrascottes)
    ticket_assign(ticket, kim, actor=kim)

    ticket_escalate(ticket, actor=kim)

    ticket.refresh_from_db()
    assert (ticket.tier, ticket.assignee) == (2, None)
    unassigned = ticket.events.get(kind=TicketEvent.Kind.ASSIGNEE, after="")
    assert (unassigned.before, unassigned.detail, unassigned.actor) == (
        "kim",
        "handed to tier 2",
        kim,
    )
