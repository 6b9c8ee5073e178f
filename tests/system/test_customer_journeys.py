"""A customer's whole journey with each brand, in Chromium, from the mail they actually get.

The mail arrives as Mailgun posts it to the inbound webhook; the acknowledgement's link opens
the status page with the promised time; the customer writes from the page; an agent answers in
admin; the customer's follow-up by mail runs a reply clock the page shows; the agent's answer
resolves; that mail's link takes the customer to rate. One journey in French, end to end.
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client

from brands.promises import promise_text
from helpdesk.models import Feedback, Message, OutboundEmail, SlaClock, Ticket
from tests.factories import agent_of
from tests.helpdesk.mail import CR, KS, make_mail, post_inbound
from tests.system.browser import browser_test, log_in, shoot, status_link_in

pytestmark = browser_test


@pytest.fixture(autouse=True)
def links_to_the_live_server(live_server, settings):
    """The status links in mail point at the server the browser talks to."""
    settings.PUBLIC_BASE_URL = live_server.url


def latest(kind: str) -> OutboundEmail:
    return OutboundEmail.objects.filter(kind=kind).latest("id")


def agent_answers(page, live_server, ticket: Ticket, text: str, *, resolve: bool) -> None:
    """The agent opens the ticket in admin and sends `text` (and resolves, if asked)."""
    page.goto(f"{live_server.url}/admin/helpdesk/ticket/{ticket.pk}/change/")
    page.fill("#id_reply_body", text)
    page.click(f"button[name=send][value={'resolved' if resolve else 'open'}]")
    page.wait_for_selector(f"text=Reply sent to {ticket.customer_email}")


@pytest.mark.parametrize(
    ("slug", "address", "subject", "body"),
    [
        (
            "kendrascottes",
            KS,
            "Huggie earrings",
            "Hello, are the gold huggie earrings coming back in stock?",
        ),
        ("crocso", CR, "Clog sizes", "Hello, do the classic clogs run large or small?"),
    ],
)
def test_a_customers_journey_from_the_first_mail_to_the_rating(
    page, browser, live_server, shipped_brands, slug, address, subject, body
):
    brand = shipped_brands[slug]
    agent_of(brand, username="kim")
    mail_client = Client()

    assert (
        post_inbound(
            mail_client, make_mail(to=address, subject=subject, body=body), recipient=address
        ).status_code
        == 200
    )
    ticket = Ticket.objects.get(brand=brand)
    acknowledgement = latest(OutboundEmail.Kind.ACKNOWLEDGEMENT)
    first_clock = ticket.clocks.get(kind=SlaClock.Kind.FIRST_RESPONSE)
    promised = promise_text(first_clock.latest_at, brand.time_zone)
    assert promised in acknowledgement.body_text

    # The acknowledgement's link: the page names the request and the time it was promised.
    page.goto(status_link_in(acknowledgement))
    assert ticket.reference in page.inner_text(".reference")
    assert promised in page.inner_text("#reply-by")
    page.fill("#id_message", "I can wait a few weeks if needed.")
    page.click("button[name=send_reply]")
    page.wait_for_selector("text=Thank you: we have your message")
    shoot(page, f"journey-{slug}-1-status-page")

    # The agent answers in admin, in a browser of their own.
    agent_context = browser.new_context(viewport={"width": 1366, "height": 768})
    agent_page = agent_context.new_page()
    agent_page.set_default_timeout(20_000)
    log_in(agent_page, live_server, "kim")
    agent_answers(agent_page, live_server, ticket, "Yes, they are back next month.", resolve=False)
    reply = latest(OutboundEmail.Kind.REPLY)
    assert reply.to == [ticket.customer_email]
    assert status_link_in(reply)

    # The customer's follow-up by mail is one more inquiry: a reply clock runs, and the page
    # promises its time. A second message before our answer is the same clock.
    follow_up = make_mail(
        to=address,
        subject=f"Re: [{ticket.reference}] {subject}",
        body="Thanks! Can I pre-order them?",
        headers={"In-Reply-To": reply.message_id, "References": reply.message_id},
    )
    assert post_inbound(mail_client, follow_up, recipient=address).status_code == 200
    again = make_mail(
        to=address,
        subject=f"Re: [{ticket.reference}] {subject}",
        body="And do you ship to Canada?",
        headers={"In-Reply-To": reply.message_id, "References": reply.message_id},
    )
    assert post_inbound(mail_client, again, recipient=address).status_code == 200
    (reply_clock,) = ticket.clocks.filter(kind=SlaClock.Kind.NEXT_REPLY)
    assert reply_clock.state == SlaClock.State.RUNNING
    page.goto(status_link_in(reply))
    assert promise_text(reply_clock.latest_at, brand.time_zone) in page.inner_text("#reply-by")
    assert "And do you ship to Canada?" in page.inner_text(".thread")

    # The answer that resolves carries the link; the customer rates from it.
    agent_answers(
        agent_page, live_server, ticket, "Pre-orders open Monday; we ship to Canada.", resolve=True
    )
    agent_context.close()
    resolving = latest(OutboundEmail.Kind.REPLY)
    assert resolving.pk != reply.pk
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.RESOLVED
    reply_clock.refresh_from_db()
    assert reply_clock.state == SlaClock.State.STOPPED
    page.goto(status_link_in(resolving))
    page.check("input[name=rating][value='5']")
    page.fill("textarea[name=comment]", "Clear and quick.")
    page.click("text=Send rating")
    page.wait_for_selector("text=Thank you for your rating")
    shoot(page, f"journey-{slug}-2-rated")

    feedback = Feedback.objects.get(ticket=ticket)
    assert (feedback.rating, feedback.comment) == (5, "Clear and quick.")


def test_a_french_customers_journey_is_in_french_from_the_acknowledgement_to_the_page(
    page, kendrascottes
):
    body = (
        "Bonjour, j'ai commandé un collier il y a deux semaines et je ne l'ai toujours pas "
        "reçu. Pouvez-vous me dire où en est ma commande ? Merci beaucoup."
    )
    assert (
        post_inbound(
            Client(),
            make_mail(subject="Ma commande", body=body, sender="Élise <elise@client.example>"),
            sender="elise@client.example",
        ).status_code
        == 200
    )

    ticket = Ticket.objects.get()
    assert ticket.language == "fr"
    acknowledgement = latest(OutboundEmail.Kind.ACKNOWLEDGEMENT)
    clock = ticket.clocks.get(kind=SlaClock.Kind.FIRST_RESPONSE)
    # The French extension of the promise: 24 business hours more, stated and counted.
    assert clock.latest_seconds == int(timedelta(hours=48 + 24).total_seconds())
    french_time = promise_text(clock.latest_at, kendrascottes.time_zone, "fr")
    assert "Bonjour Élise," in acknowledgement.body_text
    assert f"Vous aurez notre réponse au plus tard le {french_time}." in acknowledgement.body_text
    assert "jusqu'à 24 heures ouvrées de plus" in acknowledgement.body_text

    page.goto(status_link_in(acknowledgement))
    assert page.get_attribute("html", "lang") == "fr"
    assert "Reçue : nous allons vous répondre" in page.inner_text("#ticket-status")
    assert french_time in page.inner_text("#reply-by")
    assert "24 heures ouvrées supplémentaires" in page.inner_text("#reply-by")
    page.fill("#id_message", "Voici mon numéro de commande : 104233.")
    page.click("text=Envoyer")
    page.wait_for_selector("text=Merci : nous avons bien reçu votre message")
    shoot(page, "journey-french-status-page")

    assert Message.objects.filter(ticket=ticket, kind=Message.Kind.INBOUND).count() == 2


def test_a_tampered_and_an_expired_link_open_the_same_plain_page_with_the_fresh_link_form(
    page, live_server, kendrascottes
):
    assert post_inbound(Client(), make_mail()).status_code == 200
    ticket = Ticket.objects.get()
    good = status_link_in(latest(OutboundEmail.Kind.ACKNOWLEDGEMENT))
    tampered = good[:-3] + ("x" if good[-3] != "x" else "y") + good[-2:]

    page.goto(tampered)
    assert "This link does not open a request" in page.inner_text("h1")
    assert ticket.reference not in page.content()
    shoot(page, "status-link-tampered")

    Ticket.objects.filter(pk=ticket.pk).update(
        status=Ticket.Status.CLOSED,
        closed_at=ticket.received_at - timedelta(days=settings.STATUS_LINK_DAYS_AFTER_CLOSE + 1),
    )
    page.goto(good)
    assert "This link does not open a request" in page.inner_text("h1")
    page.fill("input[name=email]", ticket.customer_email)
    page.click("text=Email me a new link")
    page.wait_for_selector("text=Check your email")
