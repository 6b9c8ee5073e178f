"""The contact form has no language field: the customer's words say which language it is."""

import pytest
from django.core.cache import cache

from helpdesk.models import SlaClock, Ticket


@pytest.fixture(autouse=True)
def empty_cache():
    # The contact form's counts live in the cache, which outlives a test's database.
    cache.clear()
    yield
    cache.clear()


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
