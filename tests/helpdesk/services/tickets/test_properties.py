"""An agent changes a ticket's urgency, category or tier, and the clocks follow the policy."""

import pytest
from django.core import mail
from django.utils import timezone

from helpdesk.errors import ApplicationError
from helpdesk.models import Message, SlaClock, SlaEvent, Ticket, TicketEvent
from helpdesk.services.intake.storefront import ticket_reply_from_customer
from helpdesk.services.sla.clocks import first_response_terms
from helpdesk.services.tickets.lifecycle import ticket_customer_reply
from helpdesk.services.tickets.properties import (
    ticket_category_set,
    ticket_tier_set,
    ticket_urgency_set,
)
from tests.factories import TicketFactory, agent_of, first_response


@pytest.mark.django_db
def test_marking_a_ticket_urgent_gives_its_first_response_the_urgent_deadline(kendrascottes):
    ticket = TicketFactory(brand=kendrascottes)
    ordinary = first_response(ticket).latest_at

    ticket_urgency_set(ticket, True)

    clock = first_response(ticket)
    urgent = first_response_terms(
        kendrascottes, received_at=ticket.received_at, is_urgent=True
    ).latest_at
    assert clock.latest_at == urgent < ordinary
    ticket.refresh_from_db()
    assert ticket.is_urgent

    ticket_urgency_set(ticket, False)
    assert first_response(ticket).latest_at == ordinary


@pytest.mark.django_db
def test_a_ticket_of_an_urgent_category_stays_urgent(kendrascottes):
    urgent_category = kendrascottes.categories.filter(is_urgent=True).first()
    if urgent_category is None:
        urgent_category = kendrascottes.categories.first()
        urgent_category.is_urgent = True
        urgent_category.save()
    ticket = TicketFactory(brand=kendrascottes, category=urgent_category, order_number="1042")
    with pytest.raises(ApplicationError) as refused:
        ticket_urgency_set(ticket, False)
    assert "urgent by the brand's policy" in refused.value.fields["is_urgent"]


@pytest.mark.django_db
def test_a_complaint_category_starts_the_resolution_proposal_clock(kendrascottes):
    ticket = TicketFactory(brand=kendrascottes, order_number="104233")
    complaint = kendrascottes.categories.get(is_complaint=True)

    ticket_category_set(ticket, complaint, at=timezone.now())

    ticket.refresh_from_db()
    assert ticket.category == complaint
    assert ticket.clocks.live().filter(kind=SlaClock.Kind.COMPLAINT_PROPOSAL).exists()


@pytest.mark.django_db
def test_another_brands_category_is_refused(kendrascottes, crocso):
    ticket = TicketFactory(brand=kendrascottes)
    with pytest.raises(ApplicationError) as other_brand:
        ticket_category_set(ticket, crocso.categories.first())
    assert "category" in other_brand.value.fields
    ticket.refresh_from_db()
    assert ticket.category is None


@pytest.mark.django_db
def test_a_category_needing_a_missing_order_number_asks_the_customer_in_their_language(
    kendrascottes, django_capture_on_commit_callbacks
):
    ticket = TicketFactory(brand=kendrascottes, language="fr", customer_name="Anne")
    shipping = kendrascottes.categories.get(slug="shipping")
    kim = agent_of(kendrascottes, username="kim")

    with django_capture_on_commit_callbacks(execute=True):
        ticket_category_set(ticket, shipping, actor=kim)

    ticket.refresh_from_db()
    assert (ticket.category, ticket.is_incomplete) == (shipping, True)
    [request] = mail.outbox
    assert request.to == [ticket.customer_email]
    assert "répondez-nous avec votre numéro de commande" in request.body
    assert request.subject.endswith("votre numéro de commande, s'il vous plaît")
    assert ticket.messages.filter(kind=Message.Kind.OUTBOUND, body_text=request.body).exists()


@pytest.mark.django_db
def test_the_customer_is_asked_again_only_after_writing_since(
    kendrascottes, django_capture_on_commit_callbacks
):
    ticket = TicketFactory(brand=kendrascottes)
    shipping = kendrascottes.categories.get(slug="shipping")
    account = kendrascottes.categories.get(slug="account")

    with django_capture_on_commit_callbacks(execute=True):
        ticket_category_set(ticket, shipping)
        ticket_category_set(ticket, account)  # needs no number: complete again
        assert not Ticket.objects.get(pk=ticket.pk).is_incomplete
        ticket_category_set(ticket, shipping)  # the first request still stands
    assert len(mail.outbox) == 1

    ticket_customer_reply(ticket, body="What do you need?")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_category_set(ticket, account)
        ticket_category_set(ticket, shipping)
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_the_number_the_customer_gives_on_the_status_page_completes_the_ticket(kendrascottes):
    ticket = TicketFactory(brand=kendrascottes)
    ticket_category_set(ticket, kendrascottes.categories.get(slug="shipping"))

    ticket_reply_from_customer(ticket, message="Sorry! It was order #556677.")

    ticket.refresh_from_db()
    assert (ticket.order_number, ticket.is_incomplete) == ("556677", False)


@pytest.mark.django_db
def test_an_agent_moves_a_ticket_up_a_tier_and_never_down(kendrascottes):
    kim = agent_of(kendrascottes, username="kim")
    ticket = TicketFactory(brand=kendrascottes)
    top = kendrascottes.tiers.order_by("-level").first().level

    ticket_tier_set(ticket, top, actor=kim)

    assert ticket.tier == top
    assert SlaEvent.objects.get(ticket=ticket, kind=SlaEvent.Kind.ESCALATION).actor == kim
    with pytest.raises(ApplicationError):
        ticket_tier_set(ticket, 1, actor=kim)


@pytest.mark.django_db
def test_urgency_and_category_changes_are_recorded_with_the_agent(kendrascottes):
    kim = agent_of(kendrascottes, username="kim")
    ticket = TicketFactory(brand=kendrascottes)
    category = kendrascottes.categories.filter(requires_order_number=False).first()

    ticket_urgency_set(ticket, True, actor=kim)
    ticket_category_set(ticket, category, actor=kim)

    recorded = {
        (event.kind, event.after, event.actor)
        for event in TicketEvent.objects.filter(ticket=ticket, kind__in=["urgency", "category"])
    }
    assert recorded == {("urgency", "urgent", kim), ("category", category.name, kim)}
