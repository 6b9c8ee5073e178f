"""An agent sets a ticket's language through the staff API."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import TicketFactory, agent_of, first_response


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.mark.django_db
def test_an_agent_sets_the_language_and_the_clock_gets_the_extension(kendrascottes):
    ticket = TicketFactory(brand=kendrascottes, language="en")
    english_due = first_response(ticket).latest_at
    client = token_client(agent_of(kendrascottes))

    response = client.post(
        f"/api/v1/staff/tickets/{ticket.reference}/language/", {"language": "de"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["language"] == "de"
    ticket.refresh_from_db()
    assert ticket.needs_translation
    assert first_response(ticket).latest_at > english_due


@pytest.mark.django_db
def test_another_brands_agent_cannot_set_the_language(kendrascottes, crocso):
    ticket = TicketFactory(brand=kendrascottes, language="en")
    client = token_client(agent_of(crocso))

    response = client.post(
        f"/api/v1/staff/tickets/{ticket.reference}/language/", {"language": "de"}, format="json"
    )

    assert response.status_code == 404
    ticket.refresh_from_db()
    assert ticket.language == "en"


@pytest.mark.django_db
def test_a_language_that_is_no_code_is_a_400(kendrascottes):
    ticket = TicketFactory(brand=kendrascottes, language="en")
    client = token_client(agent_of(kendrascottes))

    response = client.post(
        f"/api/v1/staff/tickets/{ticket.reference}/language/", {"language": "x!"}, format="json"
    )

    assert response.status_code == 400
