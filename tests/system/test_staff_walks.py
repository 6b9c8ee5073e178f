"""In a real browser, from the page each person starts on: an agent files a mail that named no
usable sender, a brand owner who works no tickets erases a customer, an operator reads the
probes and metrics."""

from django.utils import timezone

from brands.models import BrandMembership
from helpdesk.models import Erasure, InboundEmail, OutboundEmail, Ticket
from helpdesk.services.intake.inbound import inbound_store
from helpdesk.services.sla.sweep import sla_sweep
from tests.factories import TicketFactory, agent_of, member
from tests.system.browser import browser_test, log_in, shoot

pytestmark = browser_test

NO_SENDER = (
    b"From: =?utf-8?b?c29tZW9uZUBlbHNlLmV4YW1wbGU=?=\r\n"  # decodes to an address: display only
    b"To: support@kendrascottes.example\r\nSubject: Clasp broke\r\n"
    b"Message-ID: <walk-1@customer.example>\r\n\r\nThe clasp of my necklace broke.\r\n"
)


def test_an_agent_files_a_mail_with_no_reply_address_from_the_inbound_list(
    page, live_server, kendrascottes
):
    agent_of(kendrascottes, username="kim")
    stored = inbound_store(NO_SENDER, source="test")  # processed once committed (eager here)
    assert InboundEmail.objects.get(pk=stored.pk).status == InboundEmail.Status.NO_SENDER

    log_in(page, live_server, "kim")
    page.click("text=Inbound emails")
    page.click("text=No reply address")
    page.click("text=Clasp broke")
    page.click("text=Enter the customer's address, or discard it")
    shoot(page, "agent-mail-without-reply-address")
    assert "names no valid address" in page.inner_text("#reason")
    # The browser itself refuses to send what is not an address (the server would too).
    page.fill("#id_reply_address", "not an address")
    page.click("button[value=file]")
    assert page.eval_on_selector("#id_reply_address", "field => field.validity.valid") is False
    assert InboundEmail.objects.get(pk=stored.pk).status == InboundEmail.Status.NO_SENDER
    page.fill("#id_reply_address", "ann@customer.example")
    page.click("button[value=file]")
    page.wait_for_selector("text=Filed as mail from ann@customer.example")

    ticket = Ticket.objects.get()
    assert (ticket.customer_email, ticket.subject) == ("ann@customer.example", "Clasp broke")
    acknowledgement = OutboundEmail.objects.get(kind=OutboundEmail.Kind.ACKNOWLEDGEMENT)
    assert acknowledgement.to == ["ann@customer.example"]


def test_an_owner_who_works_no_tickets_erases_a_customer_from_the_admin_home(
    page, live_server, kendrascottes, crocso
):
    ours = TicketFactory(brand=kendrascottes, customer_email="ann@customer.example")
    theirs = TicketFactory(brand=crocso, customer_email="ann@customer.example")
    member("olga", (kendrascottes, BrandMembership.Role.OWNER), is_staff=True)

    log_in(page, live_server, "olga")
    page.click("text=Erase a customer")
    page.fill("#id_email", "ann@customer.example")
    page.click("text=Show what would be erased")
    page.wait_for_selector("#erasure-preview")
    shoot(page, "owner-erase-customer-preview")
    page.click("text=Yes, erase")
    page.wait_for_selector("text=Erased a customer's personal data in Kendrascottes")

    assert Ticket.objects.get(pk=ours.pk).customer_email != "ann@customer.example"
    assert Ticket.objects.get(pk=theirs.pk).customer_email == "ann@customer.example"
    assert Erasure.objects.get().actor.username == "olga"


def test_an_operator_sees_readiness_wait_for_the_sweep_and_the_metrics_follow_a_breach(
    page, live_server, kendrascottes
):
    waiting = page.goto(f"{live_server.url}/readyz")
    assert waiting.status == 503
    assert "no sweep recorded yet" in page.inner_text("body")

    ticket = TicketFactory(brand=kendrascottes)
    ticket.clocks.update(latest_at=timezone.now() - timezone.timedelta(hours=1))
    sla_sweep()
    assert page.goto(f"{live_server.url}/readyz").status == 200
    assert page.goto(f"{live_server.url}/healthz").status == 200
    metrics = page.goto(f"{live_server.url}/metrics")
    assert metrics.status == 200
    assert (
        'helpdesk_sla_clocks_overdue{brand="kendrascottes",kind="first_response"} 1.0'
        in page.inner_text("body")
    )
