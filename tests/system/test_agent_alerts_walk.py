"""In a real browser at 1366x768: an agent sees how many alerts are unread, opens the one that
says a ticket was given to them, lands on that ticket and reads in its timeline who did what;
then one click on the "Breached" saved view lists the breached tickets only."""

from datetime import timedelta

from django.utils import timezone

from brands.models import BrandMembership
from helpdesk.models import Alert, Ticket
from helpdesk.services.sla.sweep import sla_sweep
from helpdesk.services.tickets.lifecycle import ticket_assign, ticket_set_status
from tests.factories import TicketFactory, agent_of
from tests.system.browser import browser_test, shoot

pytestmark = browser_test


def test_an_agent_opens_an_alert_reads_the_timeline_and_clicks_the_breached_view(
    browser, live_server, kendrascottes
):
    kim = agent_of(kendrascottes, username="kim", first_name="Kim", last_name="Lee")
    boss = agent_of(kendrascottes, BrandMembership.Role.SENIOR, username="boss")
    ticket = TicketFactory(brand=kendrascottes, subject="Clasp broke on arrival")
    ticket_assign(ticket, kim, actor=boss)
    ticket_set_status(ticket, Ticket.Status.WAITING, actor=boss)
    late = TicketFactory(
        brand=kendrascottes,
        subject="Parcel lost for a month",
        received_at=timezone.now() - timedelta(days=30),
    )
    sla_sweep()

    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        page.goto(f"{live_server.url}/admin/login/?next=/admin/")
        page.fill("#id_username", "kim")
        page.fill("#id_password", "pw")
        page.click("input[type=submit]")
        page.wait_for_url(f"{live_server.url}/admin/")

        # Given the ticket, and warned as one of tier 1 of the unassigned late ticket.
        assert page.inner_text(".alert-count") == "2"
        shoot(page, "agent-alerts-unread")
        page.click("a.alerts-link")
        page.wait_for_url(f"{live_server.url}/admin/alerts/")
        page.click(f"text=Assigned to you: {ticket.reference}")
        page.wait_for_url(f"{live_server.url}/admin/helpdesk/ticket/{ticket.pk}/change/")
        assert Alert.objects.get(user=kim, kind=Alert.Kind.ASSIGNED).read_at is not None
        assert page.inner_text(".alert-count") == "1"

        timeline = page.locator("#timeline")
        timeline.scroll_into_view_if_needed()
        text = timeline.inner_text()
        assert "Assigned to kim" in text and "Status New → Waiting on customer" in text
        assert "by boss" in text
        shoot(page, "agent-ticket-timeline")

        page.goto(f"{live_server.url}/admin/helpdesk/ticket/")
        page.click('#changelist-filter a:text-is("Breached")')
        page.wait_for_url("**/admin/helpdesk/ticket/?view=breached")
        listed = page.inner_text("#result_list")
        assert late.reference in listed and ticket.reference not in listed
        # The list fits the laptop's width: nothing scrolls sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        shoot(page, "agent-breached-view")
    finally:
        context.close()
