"""The contact form has no language field: the customer's words say which language it is; a
reply from the status page says it only for a ticket that has none yet."""

import pytest

from helpdesk.models import SlaClock, Ticket
from helpdesk.services.rendering.status_links import status_path
from tests.factories import TicketFactory


@pytest.mark.django_db
def test_a_french_contact_form_makes_a_french_ticket_with_more_time(client, kendrascottes):
    response = client.post(
        "/b/kendrascottes/contact/",
        {
            "customer_name": "Anne",
            "customer_email": "anne@client.example",
            "category": "product-information",
            "order_number": "",
            "subject": "Taille des bagues",
            "message": "Bonjour, est-ce que cette bague existe aussi en taille 52 ? Merci.",
            "website": "",
        },
    )

    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.language, ticket.needs_translation) == ("fr", True)
    clock = ticket.clocks.get(kind=SlaClock.Kind.FIRST_RESPONSE)
    policy = kendrascottes.policy
    extension = policy.language_extension_hours
    assert clock.latest_seconds == (policy.first_response_latest_hours + extension) * 3600
    assert clock.target_seconds == (policy.first_response_target_hours + extension) * 3600


@pytest.mark.django_db
def test_a_reply_on_the_status_page_gives_its_language_to_a_ticket_without_one(
    client, kendrascottes
):
    ticket = TicketFactory(brand=kendrascottes, subject="Bague", body="52 ?")
    assert ticket.language == ""

    response = client.post(
        status_path(ticket),
        {"send_reply": "1", "message": "Je voudrais savoir si cette bague existe en taille 52."},
    )

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.language, ticket.needs_translation) == ("fr", True)


@pytest.mark.django_db
def test_a_reply_on_the_status_page_keeps_a_known_language(client, kendrascottes):
    ticket = TicketFactory(brand=kendrascottes, language="en")

    client.post(
        status_path(ticket),
        {"send_reply": "1", "message": "Je voudrais savoir si cette bague existe en taille 52."},
    )

    ticket.refresh_from_db()
    assert (ticket.language, ticket.needs_translation) == ("en", False)
