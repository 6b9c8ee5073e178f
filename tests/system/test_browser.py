"""In a real browser: Playwright drives Debian's chromium against the live test server.

Screenshots of each page land in artifacts/screenshots/ (SCREENSHOTS_DIR to change it), which
CI keeps. Without the browser (chromium at /usr/bin/chromium, or CHROMIUM_PATH) these tests
are skipped, and say why; `.ci/run` installs it.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from brands.models import Brand, BrandMembership
from helpdesk.models import OutboundEmail, Ticket
from helpdesk.services.tickets.lifecycle import ticket_create
from tests.factories import agent_of
from tests.system.browser import browser_test, log_in, shoot

pytestmark = browser_test


def test_an_agent_opens_a_ticket_replies_and_the_reply_is_in_the_outbox(
    page, live_server, kendrascottes
):
    agent_of(kendrascottes, username="kim")
    ticket = ticket_create(
        kendrascottes,
        customer_email="ann@customer.example",
        subject="Ring arrived bent",
        body="The ring I got yesterday is bent.",
        message_fields={"body_html": "<p>The ring I got <b>yesterday</b> is bent.</p>"},
    )

    log_in(page, live_server, "kim")
    page.click("text=My queue")
    page.click(f"text={ticket.reference}")
    page.wait_for_selector("iframe.message-html")
    shoot(page, "agent-ticket-page")
    page.fill("#id_reply_body", "We are sending a new ring today.")
    page.click("button[name=send][value=waiting]")
    page.wait_for_selector("text=Reply sent to ann@customer.example")
    shoot(page, "agent-after-reply")

    outbound = OutboundEmail.objects.get(kind=OutboundEmail.Kind.REPLY)
    assert outbound.ticket_id == ticket.pk
    assert outbound.to == ["ann@customer.example"]
    assert "We are sending a new ring today." in outbound.body_text
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.WAITING
    assert "We are sending a new ring today." in page.inner_text(".thread")


def test_an_owner_changes_the_first_response_target_and_the_policy_page_follows(
    page, live_server, kendrascottes
):
    agent_of(kendrascottes, role=BrandMembership.Role.OWNER, username="olive")
    kendrascottes.policy_versions.update(created_at=datetime(2025, 1, 15, 18, tzinfo=UTC))
    Brand.objects.filter(pk=kendrascottes.pk).update(
        policy_updated_at=datetime(2025, 1, 15, 18, tzinfo=UTC)
    )
    page.goto(f"{live_server.url}/b/kendrascottes/policy/")
    assert "Last updated: January 15, 2025" in page.inner_text("main")

    log_in(page, live_server, "olive")
    page.goto(f"{live_server.url}/admin/brands/brand/{kendrascottes.pk}/change/")
    shoot(page, "owner-brand-settings")
    page.click("text=Change the policy (in a draft)")
    page.click("#start-draft")
    page.click("nav.draft-nav >> text=Response promises")
    page.fill("#id_policy__first_response_target_hours", "30")
    page.click("#save-section")
    page.click("nav.draft-nav >> text=Publish")
    page.fill("#id_reason", "Warn sooner")
    page.click("#publish")
    page.wait_for_selector("text=Published as version 2")

    page.goto(f"{live_server.url}/b/kendrascottes/policy/")
    shoot(page, "public-policy-page")
    text = page.inner_text("main")
    today = timezone.now().astimezone(ZoneInfo("America/Chicago"))
    assert "Respond to all email inquiries within 30 to 48 business hours" in text
    assert f"Last updated: {today:%B} {today.day}, {today.year}" in text


def test_a_crocso_owner_gets_a_404_on_a_kendrascottes_ticket(page, live_server, shipped_brands):
    agent_of(shipped_brands["crocso"], role=BrandMembership.Role.OWNER, username="carla")
    ticket = ticket_create(
        shipped_brands["kendrascottes"],
        customer_email="ann@customer.example",
        subject="Private matter",
        body="Only Kendrascottes may read this.",
    )

    log_in(page, live_server, "carla")
    response = page.goto(f"{live_server.url}/admin/helpdesk/ticket/{ticket.pk}/change/")
    shoot(page, "crocso-owner-on-kendrascottes-ticket")

    assert response.status == 404
    assert "Private matter" not in page.content()


def test_the_report_page_draws_its_charts(page, live_server, kendrascottes):
    from helpdesk.models import Feedback
    from helpdesk.services.tickets.lifecycle import ticket_reply

    agent = agent_of(kendrascottes, username="kim")
    for hours in (2, 30, 60):
        ticket = ticket_create(
            kendrascottes,
            customer_email="ann@customer.example",
            subject=f"Question {hours}",
            body="Hello",
            received_at=timezone.now() - timedelta(hours=hours + 80),
        )
        ticket_reply(ticket, author=agent, body="Answer", status="resolved")
        Feedback.objects.create(ticket=ticket, rating=5 - hours // 30, created_at=timezone.now())

    log_in(page, live_server, "kim")
    page.click("text=Reports")
    page.wait_for_selector("figure.chart svg")
    shoot(page, "report-page")

    assert page.locator("figure.chart").count() == 6
    assert "Tickets opened (3) and resolved (3) per day" in page.inner_text("#content-main")
