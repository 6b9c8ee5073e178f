"""Two agents on one ticket in Chromium at 1366x768: one finds it by a word of the mail and
by its order number, opens it, inserts a macro (which says what it does and makes its status
the main button), attaches a file and sends; the other, whose page is now stale, attaches a
file, meets the collision guard, reads what changed, finds the file still attached, adds
another and confirms. The first, whose page is now stale, starts a reply, marks the ticket
urgent and finds the words still there; the guard holds them once, and they go on confirming.
The customer gets each reply once with its files, and the timeline shows the replies. On a
phone the clocks come first."""

from pathlib import Path

from django.core import mail

from helpdesk.models import HeldReplyFile, Macro, OutboundEmail, Ticket
from helpdesk.services.tickets.lifecycle import ticket_create
from tests.factories import agent_of
from tests.system.browser import browser_test, log_in, shoot
from tests.system.test_search_walk import search

pytestmark = browser_test

LAPTOP = {"width": 1366, "height": 768}
PHOTO = b"\x89PNG the new ring"
PHONE = {"width": 390, "height": 844}


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")


def test_two_agents_answer_one_ticket_and_the_customer_gets_one_answer_with_its_file(
    browser, live_server, kendrascottes, tmp_path: Path
):
    agent_of(kendrascottes, username="kim", first_name="Kim", last_name="Lee")
    agent_of(kendrascottes, username="lee", first_name="Lee", last_name="Senior")
    Macro.objects.create(
        brand=kendrascottes,
        name="Return label",
        body="Hello {customer_name}, here is the return label for {reference}.",
        status=Ticket.Status.WAITING,
    )
    ticket = ticket_create(
        kendrascottes,
        customer_email="ann@customer.example",
        customer_name="Ann",
        subject="Ring arrived bent",
        body="The ring I got yesterday is bent (order #104233). How do I send it back?",
    )
    label = tmp_path / "return-label.pdf"
    label.write_bytes(b"%PDF-1.4 a return label")
    photo = tmp_path / "new-ring.png"
    photo.write_bytes(PHOTO)
    note = tmp_path / "delivery-note.pdf"
    note.write_bytes(b"%PDF-1.4 a delivery note")
    url = f"{live_server.url}/admin/helpdesk/ticket/{ticket.pk}/change/"

    kim_context = browser.new_context(viewport=LAPTOP)
    lee_context = browser.new_context(viewport=LAPTOP)
    kim, lee = kim_context.new_page(), lee_context.new_page()
    for page in (kim, lee):
        page.set_default_timeout(20_000)
    try:
        log_in(kim, live_server, "kim")
        kim.goto(f"{live_server.url}/admin/helpdesk/ticket/")
        assert no_horizontal_scroll(kim), "the ticket list scrolls sideways at 1366 px"
        # Kim finds the ticket by a word only its mail has, then by the order number in it.
        search(kim, "yesterday")
        assert kim.locator("#result_list tbody tr").count() == 1
        search(kim, "104233")
        assert kim.locator("#result_list tbody tr").count() == 1
        assert no_horizontal_scroll(kim), "the search results scroll sideways at 1366 px"
        kim.click(f"#result_list >> text={ticket.reference}")
        kim.wait_for_selector(".clock-badge")
        assert no_horizontal_scroll(kim), "the ticket page scrolls sideways at 1366 px"

        # Lee opens the same ticket and sees Kim has it open.
        log_in(lee, live_server, "lee")
        lee.goto(url)
        lee.wait_for_selector("#presence:not([hidden])")
        assert "Kim Lee" in lee.inner_text("#presence")

        kim.select_option("#macro-select", label="Return label")
        kim.wait_for_function(
            "document.getElementById('id_reply_body').value.includes('return label')"
        )
        assert kim.input_value("#id_reply_body") == (
            f"Hello Ann, here is the return label for {ticket.reference}."
        )
        # The macro waits on the customer unless Kim picks otherwise: the composer says so,
        # its button is the main one (first), and the others stay as choices.
        assert kim.inner_text("#macro-status") == (
            "This macro sends the reply and waits on the customer."
        )
        main = kim.locator(".send-buttons button").first
        assert main.get_attribute("value") == "waiting"
        assert kim.locator(".send-buttons button.default").count() == 1
        assert "default" in main.get_attribute("class")
        assert kim.locator(".send-buttons button").count() == 3
        kim.set_input_files("#id_reply_attachments", str(label))
        shoot(kim, "workspace-composer-with-macro")
        main.click()
        kim.wait_for_selector("text=Reply sent to ann@customer.example")

        # Lee's page is stale: the guard holds the reply back and keeps the draft and its file.
        lee.fill("#id_reply_body", "We will send a new ring.")
        lee.set_input_files("#id_reply_attachments", str(photo))
        lee.click("button[name=send][value=open]")
        lee.wait_for_selector(".collision")
        shoot(lee, "workspace-collision")
        assert "Kim Lee replied at" in lee.inner_text(".collision")
        assert lee.input_value("#id_reply_body") == "We will send a new ring."
        assert "return label" in lee.inner_text(".message-unseen")
        kept = lee.inner_text(".held-files")
        assert "new-ring.png" in kept and f"{len(PHOTO)}\xa0bytes" in kept
        assert lee.is_checked(".held-files input[name=held_files]")
        assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.REPLY).count() == 1
        lee.set_input_files("#id_reply_attachments", str(note))
        lee.click("button[name=send][value=open]")
        lee.wait_for_selector("text=Reply sent to ann@customer.example")
        assert no_horizontal_scroll(lee)
        shoot(lee, "workspace-after-confirming")
        # The timeline shows both replies, each with who sent it.
        timeline = lee.inner_text("#timeline")
        assert "Open → Waiting on customer by Kim Lee" in timeline
        assert "Waiting on customer → Open by Lee Senior" in timeline

        # Kim, whose page Lee's reply made stale, starts another reply and marks the ticket
        # urgent in the side panel: the page comes back with the words still in the composer,
        # Lee's reply marked new, and the reply still on the view it was typed on: the guard
        # holds it once with its banner, and sending again confirms.
        kim.fill("#id_reply_body", "A courier brings the new ring tomorrow.")
        with kim.expect_navigation():
            kim.select_option("#prop-urgency", "urgent")
        kim.wait_for_selector("text=urgency changed")
        assert kim.input_value("#id_reply_body") == "A courier brings the new ring tomorrow."
        assert "new ring" in kim.inner_text(".message-unseen")
        assert not kim.is_visible(".ticket-glance .badge-urgent")  # wide: in the panel only
        kim.click("button[name=send][value=open]")
        kim.wait_for_selector(".collision")
        assert "Lee Senior replied at" in kim.inner_text(".collision")
        assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.REPLY).count() == 2
        kim.click("button[name=send][value=open]")
        kim.wait_for_selector("text=Reply sent to ann@customer.example")
        assert Ticket.objects.get(pk=ticket.pk).is_urgent

        # On a phone the clocks, status and urgency come first, a strip above the
        # conversation; the panel stacks under it.
        kim.set_viewport_size(PHONE)
        kim.reload()
        kim.wait_for_selector(".clock-badge")
        assert no_horizontal_scroll(kim), "the ticket page scrolls sideways on a phone"
        badge = kim.locator(".clock-badge").first.bounding_box()
        assert badge["y"] < PHONE["height"], f"the first clock is at {badge['y']} px on a phone"
        assert kim.is_visible(".ticket-glance .badge-urgent")
        thread = kim.locator("#thread").bounding_box()
        assert badge["y"] < thread["y"]
        shoot(kim, "workspace-phone")
        kim.goto(f"{live_server.url}/admin/helpdesk/ticket/")
        shoot(kim, "workspace-list-phone")
        assert no_horizontal_scroll(kim), "the ticket list scrolls sideways on a phone"
        assert kim.is_visible("td.field-next_due")
    finally:
        kim_context.close()
        lee_context.close()

    replies = OutboundEmail.objects.filter(kind=OutboundEmail.Kind.REPLY).order_by("created_at")
    assert [reply.status for reply in replies] == ["sent", "sent", "sent"]
    to_ann = [message for message in mail.outbox if message.to == ["ann@customer.example"]]
    first = next(message for message in to_ann if "return label" in message.body)
    assert first.attachments == [
        ("return-label.pdf", b"%PDF-1.4 a return label", "application/pdf")
    ]
    second = next(message for message in to_ann if "We will send a new ring" in message.body)
    assert sorted(second.attachments) == [
        ("delivery-note.pdf", b"%PDF-1.4 a delivery note", "application/pdf"),
        ("new-ring.png", PHOTO, "image/png"),
    ]
    third = next(message for message in to_ann if "A courier brings" in message.body)
    assert third.attachments == []
    assert not HeldReplyFile.objects.exists()
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.OPEN
