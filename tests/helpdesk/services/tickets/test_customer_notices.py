"""Notices that mean something: none for the customer's own doing, and a ticket never answered
is resolved only with a reason, which its resolution notice tells the customer."""

import pytest

from helpdesk.errors import ApplicationError
from helpdesk.models import OutboundEmail, PendingStatusNotice, Ticket
from helpdesk.services.tickets.lifecycle import (
    ticket_customer_reply,
    ticket_reply,
    ticket_resolve,
    ticket_set_status,
)
from tests.factories import TicketFactory, agent_of
from tests.notices import notices_window_passes


def status_notices(ticket: Ticket) -> list[OutboundEmail]:
    notices_window_passes()
    return list(OutboundEmail.objects.filter(ticket=ticket, kind=OutboundEmail.Kind.STATUS_NOTICE))


@pytest.mark.django_db
def test_the_customers_own_reply_to_a_waiting_ticket_sends_them_no_status_notice(crocso):
    ticket = TicketFactory(brand=crocso)
    ticket_reply(ticket, author=agent_of(crocso), body="Which size?", status="waiting")

    ticket_customer_reply(ticket, body="A 42, please.")

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert status_notices(ticket) == []


@pytest.mark.django_db
def test_an_agents_status_change_still_tells_crocsos_customer(crocso):
    ticket = TicketFactory(brand=crocso)

    ticket_set_status(ticket, Ticket.Status.OPEN)

    assert len(status_notices(ticket)) == 1


@pytest.mark.django_db
def test_a_reason_longer_than_a_mail_should_carry_is_refused(kendrascottes):
    ticket = TicketFactory(brand=kendrascottes)

    with pytest.raises(ApplicationError) as refused:
        ticket_resolve(ticket, reason="x" * 1001)

    assert refused.value.fields["reason"] == "At most 1000 characters."
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.NEW
    assert not PendingStatusNotice.objects.filter(ticket=ticket).exists()


@pytest.mark.django_db
def test_a_ticket_never_answered_is_not_resolved_without_a_reason(kendrascottes):
    ticket = TicketFactory(brand=kendrascottes)

    with pytest.raises(ApplicationError) as refused:
        ticket_resolve(ticket)

    assert "never answered" in refused.value.fields["reason"]
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.NEW


@pytest.mark.django_db
def test_its_resolution_notice_tells_the_customer_why_even_where_status_notices_are_off(
    kendrascottes,
):
    assert not kendrascottes.policy.notify_customer_on_status_change
    ticket = TicketFactory(brand=kendrascottes)

    ticket_resolve(ticket, reason="Your order was delivered on Monday, as the carrier confirms.")

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED
    (notice,) = status_notices(ticket)
    assert "What happened: Your order was delivered on Monday" in notice.body_text


@pytest.mark.django_db
def test_an_answered_ticket_resolves_without_a_reason_with_the_brands_usual_notice(
    crocso, kendrascottes
):
    told, silent = TicketFactory(brand=crocso), TicketFactory(brand=kendrascottes)
    ticket_reply(told, author=agent_of(crocso), body="Sent.")
    ticket_reply(silent, author=agent_of(kendrascottes), body="Sent.")

    ticket_resolve(Ticket.objects.get(pk=told.pk))
    ticket_resolve(Ticket.objects.get(pk=silent.pk))

    (notice,) = status_notices(told)
    assert "What happened" not in notice.body_text
    assert status_notices(silent) == []
