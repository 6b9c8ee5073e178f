"""The ticket list in Chromium at 1366x768, as an agent who works for both brands (the widest
list: it has the brand column) and as an agent of one brand: every column is in view, the due
times first among them; urgency and breach are words in colour; the agent sorts by the next
due time, both ways, by clicking the column's header."""

from datetime import timedelta

from django.utils import timezone

from brands.models import BrandMembership
from helpdesk.models import Ticket
from helpdesk.services.tickets.lifecycle import ticket_assign, ticket_set_status
from tests.factories import TicketFactory, agent_of, member
from tests.system.browser import browser_test, list_columns_cut_off, log_in, shoot

pytestmark = browser_test

LAPTOP = {"width": 1366, "height": 768}


def references(page) -> list[str]:
    return page.locator("#result_list tbody th.field-reference a").all_inner_texts()


def test_the_list_keeps_every_column_in_view_and_sorts_by_the_next_due_time(
    browser, live_server, kendrascottes, crocso
):
    agent = BrandMembership.Role.AGENT
    member("sam", (kendrascottes, agent), (crocso, agent), first_name="Sam")
    colleague = agent_of(
        kendrascottes, username="alexandra.montgomery-whitfield", first_name="Alexandra"
    )
    now = timezone.now()
    breached = TicketFactory(
        brand=kendrascottes,
        subject="Engagement ring",
        body="My engagement ring arrived with a bent prong and a scratched band, in a box "
        "that had clearly been opened and taped shut again by someone on the way.",
        is_urgent=True,
        received_at=now - timedelta(days=9),
    )
    TicketFactory(brand=crocso, subject="Sizing", received_at=now - timedelta(minutes=3))
    assigned = TicketFactory(brand=kendrascottes, subject="Gift wrap", received_at=now)
    ticket_assign(assigned, colleague)
    waiting = TicketFactory(brand=crocso, subject="Return label", received_at=now)
    ticket_set_status(waiting, Ticket.Status.WAITING)

    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        log_in(page, live_server, "sam")
        page.goto(f"{live_server.url}/admin/helpdesk/ticket/")
        shoot(page, "ticket-list-two-brands")
        assert list_columns_cut_off(page) == []
        headers = page.locator("#result_list thead th").all_inner_texts()
        headers = [header.strip().lower() for header in headers]
        assert headers[1:6] == ["reference", "subject", "status", "urgency", "next due"]
        assert "brand" in headers
        row = page.locator("#result_list tbody tr", has_text=breached.reference)
        assert row.locator(".urgency-urgent").inner_text() == "Urgent"
        assert "breached" in row.locator("td.field-next_due").inner_text()
        colour = row.locator(".urgency-urgent").evaluate("e => getComputedStyle(e).color")
        assert colour == "rgb(186, 33, 33)"  # red, the word beside it

        # Sorting by the next due time: the breached one first; clicking again reverses it,
        # with the ticket that owes nothing now (waiting on the customer) first.
        page.click("#result_list thead th.column-next_due .text a")
        page.wait_for_url("**o=*")
        assert references(page)[0] == breached.reference
        assert references(page)[-1] == waiting.reference
        page.click("#result_list thead th.column-next_due .text a")
        page.wait_for_url("**o=-*")
        assert references(page)[0] == waiting.reference
        assert references(page)[-1] == breached.reference
        assert list_columns_cut_off(page) == []

        # Searching shows the matching message under the subject: everything still fits, and
        # the sort chosen before (by next due, reversed) is kept.
        page.fill("#searchbar", "prong")
        page.press("#searchbar", "Enter")
        page.wait_for_selector("#result_list mark")
        shoot(page, "ticket-list-two-brands-search")
        assert references(page) == [breached.reference]
        assert "prong and a scratched" in page.inner_text(
            "#result_list td.field-subject_and_match .search-match"
        )
        assert page.locator("#result_list thead th.column-next_due.sorted").count() == 1
        assert list_columns_cut_off(page) == []
    finally:
        context.close()

    # An agent of one brand has no brand column, and the rest is in view as well.
    agent_of(kendrascottes, username="kim")
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    try:
        log_in(page, live_server, "kim")
        page.goto(f"{live_server.url}/admin/helpdesk/ticket/")
        assert page.locator("#result_list thead th.column-brand").count() == 0
        assert set(references(page)) == {breached.reference, assigned.reference}
        assert list_columns_cut_off(page) == []
    finally:
        context.close()
