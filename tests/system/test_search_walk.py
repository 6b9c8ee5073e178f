"""In a real browser at a laptop's size, an agent finds tickets by what customers wrote: a
word only in a mail's text and an order number written in a mail, sees the matching words
highlighted in the list, and opens the ticket."""

import re

from helpdesk.models import Ticket
from helpdesk.services.intake.inbound import inbound_store
from tests.factories import TicketFactory, agent_of
from tests.helpdesk.mail import KS, make_mail
from tests.system.browser import browser_test, list_columns_cut_off, log_in, shoot

pytestmark = browser_test


def search(page, words: str) -> None:
    page.fill("#searchbar", words)
    page.press("#searchbar", "Enter")
    page.wait_for_selector("#result_list, .paginator")


def test_an_agent_finds_a_ticket_by_a_word_of_a_mail_and_by_its_order_number(
    browser, live_server, kendrascottes
):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(20_000)
    agent_of(kendrascottes, username="kim")
    TicketFactory(brand=kendrascottes, subject="Sizing question", body="Do rings run small?")
    inbound_store(
        make_mail(
            subject="Help please",
            body="Hello,\nthe clasp of my turquoise necklace snapped. It was order #104233.\n",
        ),
        source="test",
        envelope_recipient=KS,
    )
    ticket = Ticket.objects.get(subject="Help please")

    log_in(page, live_server, "kim")
    page.goto(f"{live_server.url}/admin/helpdesk/ticket/")
    search(page, "turquoise")
    shoot(page, "agent-search-by-a-word-of-a-mail")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert page.inner_text("#result_list mark") == "turquoise"
    assert "snapped" in rows.first.inner_text()
    # Nothing of the list is cut off at this width, the matching message's column included.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert list_columns_cut_off(page) == []

    search(page, "104233")
    shoot(page, "agent-search-by-an-order-number")
    assert page.locator("#result_list tbody tr").count() == 1
    page.click(f"#result_list >> text={ticket.reference}")
    page.wait_for_url(re.compile(rf"/admin/helpdesk/ticket/{ticket.pk}/change/"))
    shoot(page, "agent-opens-the-ticket-found")
    assert "104233" in page.content()
    context.close()
