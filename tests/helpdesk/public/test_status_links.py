"""Status links: bound to their ticket and brand, expiring after the ticket is finished,
revocable by an agent; a link that does not open a request gets a plain page from which a
fresh link is mailed to the address on file, rate-limited, with the same answer for any address."""

import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from helpdesk.models import OutboundEmail, Ticket
from helpdesk.services.rendering.status_links import status_path, status_ticket, status_token
from helpdesk.services.tickets.lifecycle import ticket_set_status
from tests.factories import TicketFactory, agent_of

INVALID = "This link does not open a request"


def request_link(client, brand, email: str, address: str = "203.0.113.9"):
    return client.post(
        reverse("public:status_link_request", args=[brand.slug]),
        {"email": email},
        REMOTE_ADDR=address,
    )


@pytest.mark.django_db
def test_a_tampered_link_gets_the_plain_page_with_the_fresh_link_form(client, kendrascottes):
    ticket = TicketFactory(brand=kendrascottes)
    token = status_token(ticket)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    response = client.get(reverse("public:ticket_status", args=["kendrascottes", tampered]))

    assert response.status_code == 404
    text = response.content.decode()
    assert INVALID in text and 'name="email"' in text
    assert ticket.reference not in text
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_a_link_of_another_brand_or_a_forged_id_opens_nothing(client, kendrascottes, crocso):
    ticket = TicketFactory(brand=kendrascottes)
    other = TicketFactory(brand=crocso)
    forged = signing.dumps([other.pk, 0], salt="wrong", compress=False)

    assert status_ticket("crocso", status_token(ticket)) is None
    assert status_ticket("crocso", forged) is None
    assert status_ticket("crocso", "garbage") is None
    page = client.get(reverse("public:ticket_status", args=["crocso", status_token(ticket)]))
    assert page.status_code == 404 and INVALID in page.content.decode()


@pytest.mark.django_db
def test_a_link_expires_the_configured_days_after_the_ticket_is_finished(
    client, kendrascottes, settings
):
    settings.STATUS_LINK_DAYS_AFTER_CLOSE = 30
    ticket = TicketFactory(brand=kendrascottes)
    path = status_path(ticket)
    ticket_set_status(ticket, Ticket.Status.CLOSED, at=timezone.now() - timedelta(days=29))
    assert client.get(path).status_code == 200

    Ticket.objects.filter(pk=ticket.pk).update(closed_at=timezone.now() - timedelta(days=31))

    response = client.get(path)
    assert response.status_code == 404
    assert INVALID in response.content.decode()
    assert ticket.subject not in response.content.decode()


@pytest.mark.django_db
def test_an_agent_revokes_the_customers_links_and_new_mail_carries_a_new_one(client, kendrascottes):
    ticket = TicketFactory(brand=kendrascottes)
    old = status_path(ticket)
    agent = agent_of(kendrascottes)
    client.force_login(agent)

    response = client.post(reverse("admin:helpdesk_ticket_revoke_links", args=[ticket.pk]))

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert client.get(old).status_code == 404
    assert client.get(status_path(ticket)).status_code == 200
    assert ticket.messages.filter(kind="note", body_text__contains="Revoked").exists()


@pytest.mark.django_db
def test_a_fresh_link_is_mailed_to_the_address_on_file_and_opens_the_request(
    client, kendrascottes, settings
):
    settings.PUBLIC_BASE_URL = "https://help.example.com"
    ticket = TicketFactory(brand=kendrascottes, customer_email="Ann@Customer.example")

    response = request_link(client, kendrascottes, "ann@customer.example")

    assert response.status_code == 200
    assert "Check your email" in response.content.decode()
    outbound = OutboundEmail.objects.get(kind=OutboundEmail.Kind.STATUS_LINKS)
    assert outbound.to == [ticket.customer_email]
    link = re.search(r"https://help\.example\.com(/b/\S+/)", outbound.body_text)[1]
    page = client.get(link)
    assert page.status_code == 200 and ticket.reference in page.content.decode()


@pytest.mark.django_db
def test_the_answer_is_the_same_for_an_address_without_requests(client, kendrascottes):
    TicketFactory(brand=kendrascottes, customer_email="ann@customer.example")

    known = request_link(client, kendrascottes, "ann@customer.example")
    unknown = request_link(client, kendrascottes, "nobody@customer.example", "203.0.113.10")

    def answer(response):
        return (
            response.content.decode()
            .replace("ann@customer.example", "X")
            .replace("nobody@customer.example", "X")
        )

    assert known.status_code == unknown.status_code == 200
    assert answer(known) == answer(unknown)
    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.STATUS_LINKS).count() == 1
    assert not mail.outbox or all("nobody" not in m.to[0] for m in mail.outbox)


@pytest.mark.django_db
def test_fresh_links_are_limited_per_address_and_per_client(client, kendrascottes, settings):
    settings.STATUS_LINK_REQUESTS_PER_HOUR = 2
    TicketFactory(brand=kendrascottes, customer_email="ann@customer.example")

    answers = [
        request_link(client, kendrascottes, "ann@customer.example", f"198.51.100.{n}").status_code
        for n in range(3)
    ]
    from_one_client = [
        request_link(client, kendrascottes, f"x{n}@customer.example", "192.0.2.1").status_code
        for n in range(3)
    ]

    assert answers == [200, 200, 429]
    assert from_one_client == [200, 200, 429]
    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.STATUS_LINKS).count() == 2
