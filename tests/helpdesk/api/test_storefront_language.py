"""A storefront that sends no language: the customer's words say which language it is; one
that does send it is believed."""

import pytest

from helpdesk.models import SlaClock, Ticket

FRENCH = {
    "customer_email": "anne@client.example",
    "subject": "Taille des bagues",
    "message": "Bonjour, est-ce que cette bague existe aussi en taille 52 ? Merci beaucoup.",
}


def _extended(ticket: Ticket) -> bool:
    clock = ticket.clocks.get(kind=SlaClock.Kind.FIRST_RESPONSE)
    policy = ticket.brand.policy
    return (
        clock.latest_seconds
        == (policy.first_response_latest_hours + policy.language_extension_hours) * 3600
    )


@pytest.mark.django_db
def test_a_french_request_without_a_language_makes_a_french_ticket_with_more_time(storefront):
    response = storefront.post("/api/v1/tickets/", FRENCH, format="json")

    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get()
    assert (ticket.language, ticket.needs_translation) == ("fr", True)
    assert _extended(ticket)


@pytest.mark.django_db
def test_a_declared_language_wins_over_the_words(storefront):
    response = storefront.post("/api/v1/tickets/", FRENCH | {"language": "en"}, format="json")

    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get()
    assert (ticket.language, ticket.needs_translation) == ("en", False)
    assert not _extended(ticket)


@pytest.mark.django_db
def test_a_reply_gives_its_language_to_a_ticket_that_had_none(storefront):
    created = storefront.post(
        "/api/v1/tickets/",
        {"customer_email": "anne@client.example", "subject": "Bague", "message": "52 ?"},
        format="json",
    )
    ticket = Ticket.objects.get(reference=created.json()["reference"])
    assert (ticket.language, _extended(ticket)) == ("", False)

    response = storefront.post(
        f"/api/v1/tickets/{ticket.reference}/messages/",
        {"message": "Je voudrais savoir si cette bague existe en taille 52, s'il vous plaît."},
        format="json",
    )

    assert response.status_code == 201, response.content
    ticket.refresh_from_db()
    assert (ticket.language, ticket.needs_translation) == ("fr", True)
    assert _extended(ticket)


@pytest.mark.django_db
def test_a_reply_never_changes_a_known_language(storefront):
    created = storefront.post("/api/v1/tickets/", FRENCH, format="json")
    reference = created.json()["reference"]

    storefront.post(
        f"/api/v1/tickets/{reference}/messages/",
        {"message": "Thank you, could you also tell me when it will be back in stock?"},
        format="json",
    )

    ticket = Ticket.objects.get(reference=reference)
    assert (ticket.language, ticket.needs_translation) == ("fr", True)
    assert _extended(ticket)
