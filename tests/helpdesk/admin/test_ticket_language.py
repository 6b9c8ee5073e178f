"""An agent corrects a ticket's language on its admin page."""

import pytest

from helpdesk.models import Message
from tests.factories import TicketFactory, admin_form_data, agent_of, first_response
from tests.helpdesk.admin.pages import page_url


@pytest.mark.django_db
def test_an_agent_changes_french_to_english_on_the_change_form(client, kendrascottes):
    agent = agent_of(kendrascottes)
    client.force_login(agent)
    ticket = TicketFactory(brand=kendrascottes, language="fr")
    french_due = first_response(ticket).latest_at

    data = admin_form_data(client.get(page_url(ticket)), {"language": "en"})
    response = client.post(page_url(ticket), data)

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.language, ticket.needs_translation) == ("en", False)
    assert first_response(ticket).latest_at < french_due
    assert ticket.messages.filter(kind=Message.Kind.NOTE, author=agent).exists()
