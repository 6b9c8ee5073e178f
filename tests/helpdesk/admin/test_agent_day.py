"""The agent's day in admin: the queue by next due time, the ticket page with its thread, the
reply composer, notes, assign to me, escalate and the bulk actions, all through the services."""

import base64
import html
import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from brands.models import Brand, BrandMembership
from helpdesk.admin import ticket_page
from helpdesk.models import Message, OutboundEmail, SlaClock, Ticket
from helpdesk.services.intake.inbound import inbound_store
from helpdesk.services.tickets.lifecycle import ticket_set_status
from tests.factories import SlaEventFactory, TicketFactory, agent_of
from tests.helpdesk.admin.pages import TICKETS_URL, page_url
from tests.notices import notices_window_passes

CHICAGO = ZoneInfo("America/Chicago")


def messages_of(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


@pytest.fixture
def agent(kendrascottes):
    return agent_of(kendrascottes, username="kim", email="kim@staff.example")


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


# -- my queue -----------------------------------------------------------------------------------


@pytest.fixture
def queue(kendrascottes, crocso, agent) -> dict[str, Ticket]:
    colleague = agent_of(kendrascottes, username="lee")
    now = timezone.now()
    tickets = {
        "mine_later": TicketFactory(brand=kendrascottes, received_at=now - timedelta(hours=1)),
        "unassigned_sooner": TicketFactory(
            brand=kendrascottes, received_at=now - timedelta(hours=30)
        ),
        "mine_overdue": TicketFactory(brand=kendrascottes, received_at=now - timedelta(days=9)),
        "mine_waiting": TicketFactory(brand=kendrascottes, received_at=now - timedelta(days=20)),
        "colleagues": TicketFactory(brand=kendrascottes, received_at=now - timedelta(days=8)),
        "tier2_unassigned": TicketFactory(brand=kendrascottes, received_at=now - timedelta(days=7)),
        "resolved": TicketFactory(brand=kendrascottes, received_at=now - timedelta(days=6)),
        "crocso": TicketFactory(brand=crocso, received_at=now - timedelta(days=5)),
    }
    for name in ("mine_later", "mine_overdue", "mine_waiting", "resolved"):
        Ticket.objects.filter(pk=tickets[name].pk).update(assignee=agent)
    Ticket.objects.filter(pk=tickets["colleagues"].pk).update(assignee=colleague)
    Ticket.objects.filter(pk=tickets["tier2_unassigned"].pk).update(tier=2)
    ticket_set_status(tickets["mine_waiting"], Ticket.Status.WAITING, notify=False)
    ticket_set_status(tickets["resolved"], Ticket.Status.RESOLVED, notify=False)
    return tickets


def references(queue: dict, *names: str) -> list[str]:
    return [queue[name].reference for name in names]


@pytest.mark.django_db
def test_my_queue_holds_mine_and_unassigned_tickets_at_my_tier_by_next_due_time(
    agent_client, queue
):
    response = agent_client.get(TICKETS_URL, {"queue": "mine"})

    shown = [ticket.reference for ticket in response.context["cl"].result_list]
    # The longest overdue first, then the nearest deadline; waiting on the customer, last.
    assert shown == references(
        queue, "mine_overdue", "unassigned_sooner", "mine_later", "mine_waiting"
    )


@pytest.mark.django_db
def test_a_senior_agents_queue_holds_the_escalated_unassigned_tickets(client, kendrascottes, queue):
    client.force_login(agent_of(kendrascottes, BrandMembership.Role.SENIOR, username="sam"))

    response = client.get(TICKETS_URL, {"queue": "mine"})

    assert [t.reference for t in response.context["cl"].result_list] == references(
        queue, "tier2_unassigned"
    )


@pytest.mark.django_db
def test_the_queue_link_opens_the_queue(agent_client, queue):
    response = agent_client.get(f"{TICKETS_URL}queue/")

    assert response.status_code == 302
    assert response["Location"] == f"{TICKETS_URL}?queue=mine"


@pytest.mark.django_db
def test_the_next_due_column_names_the_clock_and_its_local_time(agent_client, queue):
    ticket = queue["mine_later"]
    latest = ticket.clocks.get(kind=SlaClock.Kind.FIRST_RESPONSE).latest_at

    content = agent_client.get(TICKETS_URL, {"queue": "mine"}).content.decode()

    local = latest.astimezone(CHICAGO)
    assert f"{local:%a %d %b %H:%M %Z} (first response)" in re.sub(r"<[^>]+>", "", content)


# -- the ticket page ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_customers_html_is_cleaned_and_framed_with_nothing_remote(agent_client, kendrascottes):
    html = (
        '<p onclick="steal()">Look <b>here</b></p>'
        '<img src="https://tracker.example/pixel.gif"><img src="data:image/png;base64,AAAA">'
        "<script>alert(1)</script><iframe src='https://evil.example'></iframe>"
    )
    ticket = TicketFactory(brand=kendrascottes, message_fields={"body_html": html})

    response = agent_client.get(page_url(ticket))

    content = response.content.decode()
    (frame,) = re.findall(r"<iframe class=\"message-html\"[^>]*>", content)
    assert 'sandbox=""' in frame
    srcdoc = re.search(r'srcdoc="([^"]*)"', frame).group(1)
    assert "Content-Security-Policy" in srcdoc and "default-src &#x27;none&#x27;" in srcdoc
    assert "&lt;b&gt;here&lt;/b&gt;" in srcdoc
    for gone in ("tracker.example", "script", "alert", "onclick", "evil.example"):
        assert gone not in srcdoc, gone
    assert "data:image/png;base64,AAAA" in srcdoc
    assert "img-src 'self' data:" in response["Content-Security-Policy"]


def mail_with_inline_images(images: dict[str, tuple[str, bytes]], html: str) -> bytes:
    """A mail client's HTML mail with pictures in it: multipart/related, each image by its
    Content-ID."""
    message = EmailMessage()
    message["From"] = "Ann Smith <ann@customer.example>"
    message["To"] = "support@kendrascottes.example"
    message["Subject"] = "Photos of the damage"
    message["Message-ID"] = make_msgid(domain="customer.example")
    message.set_content("See the photos.")
    message.add_alternative(html, subtype="html")
    html_part = message.get_payload()[1]
    for content_id, (subtype, content) in images.items():
        html_part.add_related(content, "image", subtype, cid=f"<{content_id}>")
    return bytes(message)


def frame_document(response) -> str:
    (frame,) = re.findall(r"<iframe class=\"message-html\"[^>]*>", response.content.decode())
    return html.unescape(re.search(r'srcdoc="([^"]*)"', frame).group(1))


@pytest.mark.django_db
def test_inline_images_show_in_the_message_and_nothing_else_is_fetched(
    agent_client, kendrascottes, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    photo, other = b"\x89PNG photo of the clasp", b"\x89PNG another ticket's picture"
    drawing = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    with django_capture_on_commit_callbacks(execute=True):
        inbound_store(
            mail_with_inline_images({"other@x": ("png", other)}, '<img src="cid:other@x">'),
            source="test",
        )
        inbound_store(
            mail_with_inline_images(
                {"clasp@ann": ("png", photo), "drawing@ann": ("svg+xml", drawing)},
                '<p>Broken:</p><img src="cid:clasp@ann"><img src="cid:other@x">'
                '<img src="cid:drawing@ann">',
            ),
            source="test",
        )
    ticket = Ticket.objects.get(reference="KS-000002")

    document = frame_document(agent_client.get(page_url(ticket)))

    assert f'src="data:image/png;base64,{base64.b64encode(photo).decode()}"' in document
    # A Content-ID of another message (here another ticket's) is not looked up.
    assert base64.b64encode(other).decode() not in document
    assert 'src="cid:other@x"' in document
    # An SVG (a document, which can carry script) is only listed with the attachments.
    assert 'src="cid:drawing@ann"' in document


@pytest.mark.django_db
def test_an_inline_image_over_the_limit_stays_a_listed_attachment(
    agent_client, kendrascottes, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    large = b"\x89PNG" + b"x" * ticket_page.INLINE_IMAGE_MAX_BYTES
    with django_capture_on_commit_callbacks(execute=True):
        inbound_store(
            mail_with_inline_images({"big@ann": ("png", large)}, '<img src="cid:big@ann">'),
            source="test",
        )
    ticket = Ticket.objects.get()

    response = agent_client.get(page_url(ticket))

    assert 'src="cid:big@ann"' in frame_document(response)
    assert "big@ann.png" in response.content.decode()  # in the attachment list


@pytest.mark.django_db
def test_a_page_shows_the_newest_inline_images_up_to_its_allowance_and_lists_the_rest(
    agent_client, kendrascottes, settings, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(ticket_page, "INLINE_IMAGES_PAGE_MAX_BYTES", 1500)
    first, second = b"\x89PNG" + b"1" * 1000, b"\x89PNG" + b"2" * 1000
    with django_capture_on_commit_callbacks(execute=True):
        inbound_store(
            mail_with_inline_images({"one@ann": ("png", first)}, '<img src="cid:one@ann">'),
            source="test",
        )
    ticket = Ticket.objects.get()
    reply = mail_with_inline_images({"two@ann": ("png", second)}, '<img src="cid:two@ann">')
    reply = reply.replace(
        b"Subject: Photos of the damage", f"Subject: [{ticket.reference}] More".encode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        inbound_store(reply, source="test")
    assert ticket.messages.filter(kind=Message.Kind.INBOUND).count() == 2

    content = agent_client.get(page_url(ticket)).content.decode()

    # The newest message's pictures first; the older one's are listed all the same.
    assert base64.b64encode(second).decode() in html.unescape(content)
    assert base64.b64encode(first).decode() not in html.unescape(content)
    assert "one@ann.png" in content


@pytest.mark.django_db
def test_an_inline_image_shown_many_times_is_written_into_the_page_once(
    agent_client, kendrascottes, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    photo = b"\x89PNG" + b"p" * 1000
    with django_capture_on_commit_callbacks(execute=True):
        inbound_store(
            mail_with_inline_images({"p@ann": ("png", photo)}, '<img src="cid:p@ann">' * 50),
            source="test",
        )

    document = frame_document(agent_client.get(page_url(Ticket.objects.get())))

    assert document.count(base64.b64encode(photo).decode()) == 1
    assert document.count('src="cid:p@ann"') == 49


@pytest.mark.django_db
def test_the_page_shows_the_thread_with_attachments_and_the_composer(
    agent_client, kendrascottes, agent
):
    from django.core.files.base import ContentFile

    from helpdesk.models import Attachment

    ticket = TicketFactory(brand=kendrascottes, body="The clasp is broken.")
    first = ticket.messages.get()
    attachment = Attachment(message=first, filename="clasp.jpg", content_type="image/jpeg", size=4)
    attachment.file.save("clasp.jpg", ContentFile(b"jpeg"), save=True)
    Attachment.objects.create(message=first, filename="huge.mov", note="Too large (90 MB).")

    content = agent_client.get(page_url(ticket)).content.decode()

    assert "The clasp is broken." in content
    assert f'href="{TICKETS_URL}attachment/{attachment.pk}/">clasp.jpg</a>' in content
    assert "huge.mov (Too large (90 MB).)" in content
    assert f'action="{page_url(ticket, "reply")}"' in content
    assert f'action="{page_url(ticket, "note")}"' in content
    assert "Escalate to tier 2" in content


@pytest.mark.django_db
def test_every_time_on_the_page_is_in_the_brands_time_zone(agent_client, kendrascottes):
    received = datetime(2026, 11, 9, 16, 0, tzinfo=UTC)  # 10:00 in Chicago (CST)
    ticket = TicketFactory(brand=kendrascottes, received_at=received)

    content = agent_client.get(page_url(ticket)).content.decode()

    assert "Times in America/Chicago" in content
    received_field = re.search(r'field-received_at.*?class="readonly">(.*?)</div>', content, re.S)
    assert received_field.group(1).strip() == "Nov. 9, 2026, 10 a.m."
    # The clock's start in its inline, and the thread, agree with it.
    assert "Nov. 9, 2026, 10 a.m." in content.split('id="clocks-group"')[1]
    assert "Mon 09 Nov 2026 10:00 CST" in content


@pytest.mark.django_db
def test_admin_lists_are_in_the_zone_of_the_agents_brands_when_they_share_one(
    client, kendrascottes, crocso, agent
):
    ticket = TicketFactory(brand=kendrascottes)
    clock = ticket.clocks.get(kind=SlaClock.Kind.FIRST_RESPONSE)
    fired = datetime(2026, 11, 10, 16, 30, tzinfo=UTC)  # 10:30 in Chicago, 9:30 in Denver
    SlaEventFactory(clock=clock, due_at=fired, created_at=fired)
    client.force_login(agent)

    content = client.get("/admin/helpdesk/slaevent/").content.decode()
    assert "Times in America/Chicago" in content
    assert "Nov. 10, 2026, 10:30 a.m." in content

    # Working for a brand in another zone too: no one zone is right, so UTC, said as such.
    BrandMembership.objects.create(brand=crocso, user=agent, role=BrandMembership.Role.AGENT)
    content = client.get("/admin/helpdesk/slaevent/").content.decode()
    assert "Times in UTC" in content
    assert "Nov. 10, 2026, 4:30 p.m." in content

    # Two brands in one zone share it.
    Brand.objects.filter(pk=crocso.pk).update(time_zone="America/Chicago")
    content = client.get("/admin/helpdesk/slaevent/").content.decode()
    assert "Times in America/Chicago" in content


# -- the reply composer and notes -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["waiting", "resolved", "open"])
def test_the_composer_sends_the_reply_and_sets_the_chosen_status(
    agent_client, agent, kendrascottes, django_capture_on_commit_callbacks, status
):
    ticket = TicketFactory(brand=kendrascottes)

    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            page_url(ticket, "reply"), {"body": "It ships today.", "send": status}
        )

    assert response.status_code == 302
    assert response["Location"] == page_url(ticket)
    ticket.refresh_from_db()
    assert ticket.status == status
    assert ticket.first_responded_at is not None
    reply = ticket.messages.get(kind=Message.Kind.OUTBOUND)
    assert (reply.author, reply.body_text) == (agent, "It ships today.")
    outbound = OutboundEmail.objects.get(kind=OutboundEmail.Kind.REPLY, ticket=ticket)
    assert outbound.to == ["ann@customer.example"]
    assert [m.to for m in mail.outbox] == [["ann@customer.example"]]
    assert "It ships today." in mail.outbox[0].body
    first_response = ticket.clocks.get(kind=SlaClock.Kind.FIRST_RESPONSE)
    assert first_response.state == SlaClock.State.STOPPED
    expected_cadence = {"waiting": "paused", "resolved": "stopped", "open": "running"}[status]
    assert ticket.clocks.get(kind=SlaClock.Kind.PERIODIC_UPDATE).state == expected_cadence


@pytest.mark.django_db
def test_an_empty_reply_is_refused_and_nothing_is_sent(agent_client, kendrascottes):
    ticket = TicketFactory(brand=kendrascottes)

    response = agent_client.post(page_url(ticket, "reply"), {"body": "  ", "send": "resolved"})

    assert response.status_code == 302 and response["Location"].endswith("#composer")
    # Said in the composer, where the agent is looking.
    assert "Write a reply before sending." in agent_client.get(page_url(ticket)).content.decode()
    assert not OutboundEmail.objects.filter(kind=OutboundEmail.Kind.REPLY).exists()
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.NEW


@pytest.mark.django_db
def test_a_reply_to_a_complaint_can_propose_its_resolution(agent_client, kendrascottes):
    complaints = kendrascottes.categories.get(is_complaint=True)
    ticket = TicketFactory(brand=kendrascottes, category=complaints, order_number="KS-1")
    page = agent_client.get(page_url(ticket)).content.decode()
    assert 'name="proposes_resolution"' in page

    agent_client.post(
        page_url(ticket, "reply"),
        {"body": "A full refund.", "send": "waiting", "proposes_resolution": "on"},
    )

    clock = ticket.clocks.get(kind=SlaClock.Kind.COMPLAINT_PROPOSAL)
    assert clock.state == SlaClock.State.STOPPED


@pytest.mark.django_db
def test_the_resolution_checkbox_is_offered_only_on_complaints(agent_client, kendrascottes):
    ticket = TicketFactory(brand=kendrascottes)

    assert 'name="proposes_resolution"' not in agent_client.get(page_url(ticket)).content.decode()


@pytest.mark.django_db
def test_an_internal_note_is_kept_on_the_thread_and_never_mailed(
    agent_client, agent, kendrascottes, django_capture_on_commit_callbacks
):
    ticket = TicketFactory(brand=kendrascottes)

    with django_capture_on_commit_callbacks(execute=True):
        agent_client.post(page_url(ticket, "note"), {"body": "Customer called too."})

    note = ticket.messages.get(kind=Message.Kind.NOTE)
    assert (note.author, note.body_text) == (agent, "Customer called too.")
    assert not OutboundEmail.objects.exists() and mail.outbox == []
    assert "Customer called too." in agent_client.get(page_url(ticket)).content.decode()


# -- assign, escalate -------------------------------------------------------------------------


@pytest.mark.django_db
def test_assign_to_me_assigns_the_ticket_to_the_agent(agent_client, agent, kendrascottes):
    ticket = TicketFactory(brand=kendrascottes)

    response = agent_client.post(page_url(ticket, "assign-to-me"))

    ticket.refresh_from_db()
    assert ticket.assignee == agent
    assert f"{ticket.reference} is assigned to you." in messages_of(response)


@pytest.mark.django_db
def test_the_buttons_accept_only_post(agent_client, kendrascottes):
    ticket = TicketFactory(brand=kendrascottes)

    for action in ("reply", "note", "assign-to-me", "escalate"):
        assert agent_client.get(page_url(ticket, action)).status_code == 405, action


@pytest.mark.django_db
def test_escalate_moves_the_ticket_to_the_senior_tier_with_its_window(agent_client, kendrascottes):
    ticket = TicketFactory(brand=kendrascottes)

    agent_client.post(page_url(ticket, "escalate"))

    ticket.refresh_from_db()
    assert ticket.tier == 2
    window = ticket.clocks.get(kind=SlaClock.Kind.TIER_RESPONSE)
    assert (window.tier, window.state) == (2, SlaClock.State.RUNNING)


@pytest.mark.django_db
def test_escalating_past_the_top_tier_is_refused_with_a_message(agent_client, kendrascottes):
    ticket = TicketFactory(brand=kendrascottes)
    Ticket.objects.filter(pk=ticket.pk).update(tier=2)

    response = agent_client.post(page_url(ticket, "escalate"))

    assert any("There is no higher tier." in text for text in messages_of(response))
    ticket.refresh_from_db()
    assert ticket.tier == 2


# -- bulk actions -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_bulk_assign_to_me(agent_client, agent, kendrascottes):
    tickets = [TicketFactory(brand=kendrascottes), TicketFactory(brand=kendrascottes)]

    agent_client.post(
        TICKETS_URL, {"action": "assign_to_me", "_selected_action": [t.pk for t in tickets]}
    )

    assert set(Ticket.objects.values_list("assignee", flat=True)) == {agent.pk}


@pytest.mark.django_db
def test_bulk_assign_asks_whom_then_assigns_the_chosen_agent(agent_client, kendrascottes):
    colleague = agent_of(kendrascottes, BrandMembership.Role.SENIOR, username="sam")
    tickets = [TicketFactory(brand=kendrascottes), TicketFactory(brand=kendrascottes)]
    selected = [t.pk for t in tickets]

    asked = agent_client.post(
        TICKETS_URL, {"action": "assign_selected", "_selected_action": selected}
    )
    assert asked.status_code == 200
    assert "Assign tickets" in asked.content.decode()
    assert not Ticket.objects.filter(assignee__isnull=False).exists()

    done = agent_client.post(
        TICKETS_URL,
        {
            "action": "assign_selected",
            "_selected_action": selected,
            "apply": "1",
            "assignee": colleague.pk,
        },
    )

    assert done.status_code == 302
    assert set(Ticket.objects.values_list("assignee", flat=True)) == {colleague.pk}


@pytest.mark.django_db
def test_bulk_resolve_stops_the_clocks_through_the_service(agent_client, kendrascottes):
    tickets = [TicketFactory(brand=kendrascottes), TicketFactory(brand=kendrascottes)]

    agent_client.post(
        TICKETS_URL,
        {
            "action": "resolve_selected",
            "_selected_action": [t.pk for t in tickets],
            "reason": "Sorted out by phone.",
        },
    )

    assert set(Ticket.objects.values_list("status", flat=True)) == {Ticket.Status.RESOLVED}
    assert not SlaClock.objects.exclude(state=SlaClock.State.STOPPED).exists()
    assert all(t.resolved_at for t in Ticket.objects.all())


@pytest.mark.django_db
def test_bulk_resolve_tells_crocso_customers_as_each_step_is_promised(
    client, crocso, django_capture_on_commit_callbacks
):
    client.force_login(agent_of(crocso))
    ticket = TicketFactory(brand=crocso, received_at=datetime(2026, 11, 9, 10, tzinfo=CHICAGO))

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            TICKETS_URL,
            {"action": "resolve_selected", "_selected_action": [ticket.pk], "reason": "Refunded."},
        )

    notices_window_passes()
    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.STATUS_NOTICE).count() == 1
