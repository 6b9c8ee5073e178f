"""The customer's status page in a real browser (Debian's chromium through Playwright, against
the live test server): the link from the acknowledgement opens it and every form on it works.

Chromium sends a form's `Origin` only when the page's referrer policy lets it; with
`no-referrer` it sends `Origin: null` and CSRF protection refuses the post, which only a real
browser shows. Screenshots land in artifacts/screenshots/ (SCREENSHOTS_DIR to change it).
"""

import re

import pytest

from helpdesk.models import Feedback, Message, OutboundEmail, Ticket
from helpdesk.services.tickets.lifecycle import ticket_reply
from tests.factories import StorefrontTicketFactory, agent_of
from tests.system.browser import browser_test, shoot, status_link_in

pytestmark = browser_test


@pytest.fixture(autouse=True)
def links_to_the_live_server(live_server, settings):
    """The status links in mail point at the server the browser talks to."""
    settings.PUBLIC_BASE_URL = live_server.url


def test_a_customer_rates_a_resolved_request_from_the_link_in_the_mail(page, kendrascottes):
    ticket = StorefrontTicketFactory(brand=kendrascottes)
    ticket_reply(
        ticket, author=agent_of(kendrascottes), body="Refunded.", status=Ticket.Status.RESOLVED
    )
    reply = OutboundEmail.objects.get(kind=OutboundEmail.Kind.REPLY)

    page.goto(status_link_in(reply))
    page.check("input[name=rating][value='4']")
    page.fill("textarea[name=comment]", "Quick, thanks")
    page.click("text=Send rating")
    page.wait_for_selector("text=Thank you for your rating")
    shoot(page, "customer-status-rated")

    feedback = Feedback.objects.get(ticket=ticket)
    assert (feedback.rating, feedback.comment) == (4, "Quick, thanks")


def test_the_acknowledgements_link_shows_the_promised_time_and_takes_a_reply_with_a_file(
    page, kendrascottes, tmp_path
):
    ticket = StorefrontTicketFactory(
        brand=kendrascottes, subject="Necklace clasp broke", message="The clasp broke."
    )
    acknowledgement = OutboundEmail.objects.get(kind=OutboundEmail.Kind.ACKNOWLEDGEMENT)
    promised = re.search(r"by (.+?)\.", acknowledgement.body_text)[1]
    photo = tmp_path / "clasp.jpg"
    photo.write_bytes(b"jpeg bytes")

    page.goto(status_link_in(acknowledgement))
    assert ticket.reference in page.inner_text(".reference")
    assert promised in page.inner_text("#reply-by")
    shoot(page, "customer-status-page")
    page.fill("#id_message", "Here is a photo of the clasp.")
    page.set_input_files("#id_attachments", str(photo))
    page.click("button[name=send_reply]")
    page.wait_for_selector("text=Thank you: we have your message")
    shoot(page, "customer-status-after-reply")

    reply = Message.objects.filter(ticket=ticket, kind=Message.Kind.INBOUND).latest("id")
    assert reply.body_text == "Here is a photo of the clasp."
    assert [a.filename for a in reply.attachments.all()] == ["clasp.jpg"]
    assert "clasp.jpg" in page.inner_text(".thread")


def test_a_customer_asks_for_a_senior_review_from_the_page(page, crocso):
    ticket = StorefrontTicketFactory(brand=crocso, subject="Clogs too small")
    ticket_reply(ticket, author=agent_of(crocso), body="Try a size up.")
    reply = OutboundEmail.objects.get(kind=OutboundEmail.Kind.REPLY)

    page.goto(status_link_in(reply))
    page.click("button[name=escalate]")
    page.wait_for_selector("#escalated")
    shoot(page, "customer-status-escalated")

    ticket.refresh_from_db()
    assert ticket.tier == 2 and ticket.escalation_requested_at is not None
    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.ESCALATION_NOTICE).count() == 1
    assert page.locator("button[name=escalate]").count() == 0


def test_a_customer_reopens_a_resolved_request_from_the_page(page, crocso):
    ticket = StorefrontTicketFactory(brand=crocso, subject="Jibbitz missing")
    ticket_reply(ticket, author=agent_of(crocso), body="Sent again.", status=Ticket.Status.RESOLVED)
    resolving = OutboundEmail.objects.get(kind=OutboundEmail.Kind.REPLY)

    page.goto(status_link_in(resolving))
    assert "Not solved? Reopen your request" in page.inner_text("#reply")
    page.fill("#id_message", "Still nothing in the box, sorry.")
    page.click("text=Reopen and send")
    page.wait_for_selector("text=Thank you: we have your message")
    shoot(page, "customer-status-reopened")

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN and ticket.resolved_at is None
    assert ticket.clocks.filter(state="running").exists()
    assert "Still nothing in the box, sorry." in page.inner_text(".thread")
