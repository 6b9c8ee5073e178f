"""The staff API's reply takes the collision guard's version too, and never goes without it."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from helpdesk.models import OutboundEmail
from helpdesk.services.tickets.lifecycle import ticket_customer_reply
from tests.factories import TicketFactory


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.mark.django_db
def test_a_reply_on_a_stale_version_is_a_400_naming_what_changed(kendrascottes, ks_agent):
    ticket = TicketFactory(brand=kendrascottes)
    client = token_client(ks_agent)
    detail = client.get(f"/api/v1/staff/tickets/{ticket.reference}/").json()
    seen = detail["messages"][-1]["id"]
    ticket_customer_reply(ticket, body="It arrived after all.")
    url = f"/api/v1/staff/tickets/{ticket.reference}/reply/"

    stale = client.post(url, {"body": "On its way.", "last_seen_message": seen}, format="json")

    assert stale.status_code == 400
    assert "the customer wrote" in stale.json()["fields"]["last_seen_message"]
    assert not OutboundEmail.objects.filter(kind=OutboundEmail.Kind.REPLY).exists()
    detail = client.get(f"/api/v1/staff/tickets/{ticket.reference}/").json()
    fresh = client.post(
        url,
        {"body": "Glad it did.", "last_seen_message": detail["messages"][-1]["id"]},
        format="json",
    )
    assert fresh.status_code == 201
    bad = client.post(url, {"body": "x", "last_seen_message": "latest"}, format="json")
    assert bad.status_code == 400
    assert "last_seen_message" in bad.json()["fields"]


@pytest.mark.django_db
def test_a_reply_without_the_newest_message_seen_is_a_400_saying_what_to_send(
    kendrascottes, ks_agent
):
    ticket = TicketFactory(brand=kendrascottes)
    ticket_customer_reply(ticket, body="Where is my parcel?")
    url = f"/api/v1/staff/tickets/{ticket.reference}/reply/"

    blind = token_client(ks_agent).post(url, {"body": "On its way."}, format="json")

    assert blind.status_code == 400
    assert "id of the newest message you showed" in blind.json()["fields"]["last_seen_message"]
    assert not OutboundEmail.objects.filter(kind=OutboundEmail.Kind.REPLY).exists()
    assert not ticket.messages.filter(body_text__contains="On its way").exists()
