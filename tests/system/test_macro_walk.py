"""In Chromium at 1366x768, a brand's owner writes a canned reply in admin (a misspelt
placeholder is refused with a message, nothing saved), and an agent of the brand then
inserts it on a ticket, filled in for that ticket; an agent cannot add one, and another
brand's agent is never offered it."""

from brands.models import BrandMembership
from helpdesk.models import Macro
from helpdesk.services.tickets.lifecycle import ticket_create
from tests.factories import agent_of
from tests.system.browser import browser_test, log_in, shoot

pytestmark = browser_test

LAPTOP = {"width": 1366, "height": 768}


def test_an_owner_writes_a_macro_and_an_agent_inserts_it_filled_in(
    browser, live_server, kendrascottes, crocso
):
    agent_of(kendrascottes, BrandMembership.Role.OWNER, username="olivia")
    agent_of(kendrascottes, username="kim", first_name="Kim", last_name="Lee")
    agent_of(crocso, username="carl")
    ticket = ticket_create(
        kendrascottes,
        customer_email="ann@customer.example",
        customer_name="Ann",
        subject="Which size?",
        body="Does the Stella ring run small?",
    )
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        log_in(page, live_server, "olivia")
        page.goto(f"{live_server.url}/admin/helpdesk/macro/add/")
        page.select_option("#id_brand", str(kendrascottes.pk))
        page.fill("#id_name", "Sizing guide")
        page.fill("#id_body", "Hello {custmer_name}, here is our sizing guide.")
        page.click("input[name=_save]")
        page.wait_for_selector(".errorlist")
        assert "Unknown placeholder: {custmer_name}" in page.inner_text(".field-body .errorlist")
        assert not Macro.objects.exists()

        page.fill(
            "#id_body",
            "Hello {customer_name}, here is our sizing guide for {reference}. {agent_name}",
        )
        page.select_option("#id_status", "waiting")
        page.click("input[name=_save]")
        page.wait_for_selector(".messagelist .success")
        shoot(page, "owner-macro-saved")
        macro = Macro.objects.get(name="Sizing guide")
        assert (macro.brand, macro.status) == (kendrascottes, "waiting")
    finally:
        context.close()

    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        log_in(page, live_server, "kim")
        # An agent uses the brand's macros but does not write them.
        response = page.goto(f"{live_server.url}/admin/helpdesk/macro/add/")
        assert response.status == 403
        page.goto(f"{live_server.url}/admin/helpdesk/ticket/{ticket.pk}/change/")
        page.select_option("#macro-select", label="Sizing guide")
        page.wait_for_function(
            "document.getElementById('id_reply_body').value.includes('sizing guide')"
        )
        assert page.input_value("#id_reply_body") == (
            f"Hello Ann, here is our sizing guide for {ticket.reference}. Kim Lee"
        )
        assert "waits on the customer" in page.inner_text("#macro-status")
        shoot(page, "agent-inserts-the-owners-macro")
    finally:
        context.close()

    # Another brand's agent is not offered it, nor shown it in the macros' list.
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    try:
        log_in(page, live_server, "carl")
        page.goto(f"{live_server.url}/admin/helpdesk/macro/")
        assert "Sizing guide" not in page.content()
        response = page.goto(f"{live_server.url}/admin/helpdesk/macro/{macro.pk}/change/")
        assert response.status == 404
    finally:
        context.close()
