"""The ticket page's order numbers, set by an agent through the service."""

import pytest

from helpdesk.models import OutboundEmail, TicketEvent
from tests.factories import TicketFactory, admin_form_data, agent_of
from tests.helpdesk.admin.pages import page_url


@pytest.fixture
def ks_agent_client(client, kendrascottes):
    client.force_login(agent_of(kendrascottes, username="kim"))
    return client


@pytest.mark.django_db
def test_an_agent_edits_the_order_numbers_on_the_ticket_page(ks_agent_client, kendrascottes):
    ticket = TicketFactory(brand=kendrascottes, subject="Order #104233 is late")
    page = ks_agent_client.get(page_url(ticket))
    assert "104233" in page.content.decode()

    ks_agent_client.post(
        page_url(ticket), admin_form_data(page, {"order_numbers": "104233\n555666, 777888"})
    )

    ticket.refresh_from_db()
    assert ticket.order_numbers == ["104233", "555666", "777888"]


@pytest.mark.django_db
def test_saving_other_details_keeps_the_order_numbers(ks_agent_client, kendrascottes):
    ticket = TicketFactory(brand=kendrascottes, subject="Orders #104233 and #555666")
    page = ks_agent_client.get(page_url(ticket))

    ks_agent_client.post(page_url(ticket), admin_form_data(page, {"subject": "Two orders"}))

    ticket.refresh_from_db()
    assert (ticket.subject, ticket.order_numbers) == ("Two orders", ["104233", "555666"])


@pytest.mark.django_db
def test_emptying_the_list_a_category_needs_marks_the_ticket_incomplete_and_asks(
    ks_agent_client, kendrascottes, django_capture_on_commit_callbacks
):
    complaint = kendrascottes.categories.get(slug="complaint")
    ticket = TicketFactory(brand=kendrascottes, category=complaint, order_number="104233")
    page = ks_agent_client.get(page_url(ticket))

    with django_capture_on_commit_callbacks(execute=True):
        ks_agent_client.post(page_url(ticket), admin_form_data(page, {"order_numbers": ""}))

    ticket.refresh_from_db()
    assert (ticket.order_numbers, ticket.is_incomplete) == ([], True)
    assert ticket.outbox.filter(kind=OutboundEmail.Kind.ORDER_NUMBER_REQUEST).exists()
    event = ticket.events.get(kind=TicketEvent.Kind.ORDER_NUMBERS)
    assert (event.before, event.after, event.actor.username) == ("104233", "", "kim")


@pytest.mark.django_db
def test_a_category_and_its_order_number_given_in_one_save_ask_the_customer_nothing(
    ks_agent_client, kendrascottes, django_capture_on_commit_callbacks
):
    complaint = kendrascottes.categories.get(slug="complaint")
    ticket = TicketFactory(brand=kendrascottes, subject="Broken ring")
    page = ks_agent_client.get(page_url(ticket))

    with django_capture_on_commit_callbacks(execute=True):
        ks_agent_client.post(
            page_url(ticket),
            admin_form_data(page, {"category": complaint.pk, "order_numbers": "104233"}),
        )

    ticket.refresh_from_db()
    assert (ticket.category, ticket.order_number, ticket.is_incomplete) == (
        complaint,
        "104233",
        False,
    )
    assert not ticket.outbox.filter(kind=OutboundEmail.Kind.ORDER_NUMBER_REQUEST).exists()
    assert ticket.events.filter(kind=TicketEvent.Kind.ORDER_NUMBERS).count() == 1
