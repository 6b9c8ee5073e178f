"""The ticket page's order numbers, set by an agent through the service."""

import pytest

from tests.factories import TicketFactory, admin_form_data, agent_of
from tests.helpdesk.admin.pages import page_url


@pytest.fixture
def ks_agent_client(client, kendrascottes):
    client.force_login(agent_of(kendrascottes))
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
def test_a_category_that_needs_one_refuses_an_empty_list(ks_agent_client, kendrascottes):
    complaint = kendrascottes.categories.get(slug="complaint")
    ticket = TicketFactory(brand=kendrascottes, category=complaint, order_number="104233")
    page = ks_agent_client.get(page_url(ticket))

    response = ks_agent_client.post(
        page_url(ticket), admin_form_data(page, {"order_numbers": ""}), follow=True
    )

    assert "The order numbers were refused." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.order_numbers == ["104233"]
