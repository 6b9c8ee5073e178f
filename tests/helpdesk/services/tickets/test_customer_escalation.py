"""When the customer may ask for a senior review comes from the brand's policy: Kendrascottes
after a resolution was proposed to a complaint, Crocso once we have answered."""

from datetime import timedelta

import pytest
from django.utils import timezone

from brands.models import SlaPolicy
from helpdesk.errors import ApplicationError
from helpdesk.models import OutboundEmail, Ticket
from helpdesk.services.tickets.customer_escalation import (
    customer_escalation_refusal,
    customer_may_escalate,
    ticket_escalate_on_request,
)
from helpdesk.services.tickets.lifecycle import ticket_reply, ticket_set_status
from tests.factories import TicketFactory, agent_of


def complaint(brand) -> Ticket:
    return TicketFactory(
        brand=brand, category=brand.categories.get(slug="complaint"), order_number="KS-1"
    )


@pytest.mark.django_db
def test_crocso_lets_the_customer_ask_once_we_have_answered(crocso):
    ticket = TicketFactory(brand=crocso)
    assert not customer_may_escalate(ticket)
    assert "once we have answered" in customer_escalation_refusal(ticket)

    ticket_reply(ticket, author=agent_of(crocso), body="Here is what we can do.")
    ticket.refresh_from_db()

    assert customer_may_escalate(ticket)


@pytest.mark.django_db
def test_kendrascottes_waits_for_a_proposed_resolution_not_any_answer(kendrascottes):
    ticket = complaint(kendrascottes)
    agent = agent_of(kendrascottes)
    ticket_reply(ticket, author=agent, body="We are looking into it.")
    ticket.refresh_from_db()
    assert not customer_may_escalate(ticket)
    assert "proposed a resolution" in customer_escalation_refusal(ticket)

    ticket_reply(ticket, author=agent, body="We offer a refund.", proposes_resolution=True)
    ticket.refresh_from_db()

    assert customer_may_escalate(ticket)


@pytest.mark.django_db
def test_asking_moves_the_ticket_to_tier_two_once_and_tells_the_customer(crocso):
    ticket = TicketFactory(brand=crocso)
    ticket_reply(ticket, author=agent_of(crocso), body="Here is what we can do.")
    ticket.refresh_from_db()

    assert ticket_escalate_on_request(ticket) is True
    ticket.refresh_from_db()
    assert ticket.tier == 2 and ticket.escalation_requested_at is not None
    assert OutboundEmail.objects.filter(
        ticket=ticket, kind=OutboundEmail.Kind.ESCALATION_NOTICE
    ).exists()
    assert not customer_may_escalate(ticket)
    with pytest.raises(ApplicationError) as refused:
        ticket_escalate_on_request(ticket)
    assert refused.value.message == "Escalation was already requested."
    assert "escalated on request before" in refused.value.fields["ticket"]


@pytest.mark.django_db
def test_a_refused_request_changes_nothing(kendrascottes):
    ticket = complaint(kendrascottes)

    with pytest.raises(ApplicationError) as refused:
        ticket_escalate_on_request(ticket)

    assert refused.value.message == "Escalation is not possible."
    ticket.refresh_from_db()
    assert ticket.tier == 1 and ticket.escalation_requested_at is None
    assert not OutboundEmail.objects.filter(kind=OutboundEmail.Kind.ESCALATION_NOTICE).exists()


@pytest.mark.django_db
def test_a_brand_may_leave_escalation_to_its_agents(crocso):
    SlaPolicy.objects.filter(brand=crocso).update(
        customer_escalation_after=SlaPolicy.CustomerEscalation.NEVER
    )
    ticket = TicketFactory(brand=crocso)
    ticket_reply(ticket, author=agent_of(crocso), body="Here is what we can do.")
    ticket = Ticket.objects.select_related("brand__policy").get(pk=ticket.pk)

    assert not customer_may_escalate(ticket)


@pytest.mark.django_db
def test_closed_tickets_and_resolved_ones_past_the_reopen_window_cannot_be_escalated(crocso):
    ticket = TicketFactory(brand=crocso)
    agent = agent_of(crocso)
    ticket_reply(ticket, author=agent, body="Done.", status=Ticket.Status.RESOLVED)
    ticket.refresh_from_db()
    assert customer_may_escalate(ticket)  # within the reopen window: it reopens
    later = ticket.resolved_at + timedelta(days=crocso.reopen_window_days + 1)
    assert not customer_may_escalate(ticket, later)

    ticket_set_status(ticket, Ticket.Status.CLOSED, at=timezone.now(), notify=False)
    ticket.refresh_from_db()
    assert not customer_may_escalate(ticket)
