"""The ticket page as an agent's workspace: clocks as badges, properties changed in place,
the customer's card, macros, the signature, attachments, the collision guard and presence."""

import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from brands.models import Brand, BrandMembership
from helpdesk.models import (
    Attachment,
    Feedback,
    HeldReplyFile,
    Macro,
    OutboundEmail,
    PendingStatusNotice,
    Signature,
    SlaEvent,
    Ticket,
)
from helpdesk.services.tickets.lifecycle import (
    ticket_add_note,
    ticket_assign,
    ticket_customer_reply,
    ticket_escalate,
    ticket_reply,
)
from helpdesk.services.tickets.tags import ticket_tags_set
from tests.factories import (
    AttachmentFactory,
    SlaEventFactory,
    TicketFactory,
    agent_of,
    first_response,
)
from tests.helpdesk.admin.pages import page_url


@pytest.fixture
def agent(kendrascottes):
    return agent_of(kendrascottes, username="kim", first_name="Kim", last_name="Lee")


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


def newest_id(ticket: Ticket) -> int:
    return ticket.messages.order_by("-id").values_list("id", flat=True).first()


# -- the page -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_shows_the_clocks_once_before_the_conversation_and_the_panel_after_it(
    agent_client, kendrascottes
):
    ticket = TicketFactory(
        brand=kendrascottes, received_at=timezone.now() - timedelta(days=9), is_urgent=True
    )
    content = agent_client.get(page_url(ticket)).content.decode()

    # One strip of clocks (the panel's top on a wide screen, above the thread on a phone).
    assert content.count('class="side-block side-clocks ticket-glance"') == 1
    assert content.index("ticket-glance") < content.index('class="thread"')
    assert content.index('class="thread"') < content.index('id="composer"')
    assert content.index('id="composer"') < content.index('class="ticket-side"')
    assert 'class="clock-badge clock-breached"' in content
    assert "First response" in content and "breached" in content
    glance = content[content.index("ticket-glance") : content.index('class="clock-badges"')]
    assert "New" in glance and "Urgent" in glance


@pytest.mark.django_db
def test_a_paused_clock_is_grey_and_the_customer_card_lists_other_tickets_with_ratings(
    agent_client, kendrascottes, crocso, agent
):
    older = TicketFactory(brand=kendrascottes, subject="Earlier order")
    ticket_reply(older, author=agent, body="Done.", status=Ticket.Status.RESOLVED)
    Feedback.objects.create(ticket=older, rating=4, created_at=timezone.now())
    TicketFactory(brand=crocso, subject="Clogs")  # another brand's: not shown
    ticket = TicketFactory(brand=kendrascottes)
    ticket_reply(ticket, author=agent, body="Which size?", status=Ticket.Status.WAITING)

    content = agent_client.get(page_url(ticket)).content.decode()

    assert 'class="clock-badge clock-paused"' in content
    assert older.reference in content and "rated 4/5" in content
    assert "Clogs" not in content


def busy_ticket(brand: Brand, people: list, messages: int) -> Ticket:
    """An urgent, tagged ticket escalated by a senior and worked by several people: `messages`
    messages (the customer's with a photo, replies, notes, each by one of `people` in turn), a
    change of assignee and a deadline event per message, and as many other tickets of its
    customer, each rated."""
    customer = f"customer-{messages}@customer.example"
    for n in range(messages):
        other = TicketFactory(brand=brand, customer_email=customer, subject=f"Earlier {n}")
        Feedback.objects.create(ticket=other, rating=1 + n % 5, created_at=timezone.now())
    ticket = TicketFactory(brand=brand, customer_email=customer, is_urgent=True)
    ticket_tags_set(ticket, ["vip", "damaged"], actor=people[0])
    ticket_escalate(ticket, actor=people[-1])
    clock = first_response(ticket)
    for n in range(messages - 1):
        # Each kind of message by each person in turn, and the ticket passed between them.
        person = people[n // 3 % len(people)]
        ticket_assign(ticket, people[n % len(people)], actor=person)
        SlaEventFactory(
            clock=clock,
            kind=SlaEvent.Kind.BREACH if n % 2 else SlaEvent.Kind.WARNING,
            due_at=clock.target_at + timedelta(minutes=n),
        )
        if n % 3 == 0:
            AttachmentFactory(message=ticket_customer_reply(ticket, body=f"Still broken {n}"))
        elif n % 3 == 1:
            status = Ticket.Status.WAITING if n % 2 else Ticket.Status.OPEN
            ticket_reply(ticket, author=person, body=f"Looking into it {n}", status=status)
        else:
            ticket_add_note(ticket, author=person, body=f"Checked the warehouse {n}")
    return ticket


@pytest.mark.django_db
def test_the_page_reads_the_same_number_of_queries_for_1_and_50_messages(
    agent_client, kendrascottes, agent
):
    people = [
        agent,
        agent_of(kendrascottes, username="lee"),
        agent_of(kendrascottes, BrandMembership.Role.SENIOR, username="sam"),
    ]

    def queries_for(messages: int) -> int:
        ticket = busy_ticket(kendrascottes, people, messages)
        assert ticket.messages.count() == messages
        agent_client.get(page_url(ticket))  # warm the per-process caches (brand rules)
        with CaptureQueriesContext(connection) as queries:
            response = agent_client.get(page_url(ticket))
        assert response.status_code == 200
        return len(queries)

    assert queries_for(1) == queries_for(50)


@pytest.mark.django_db
def test_escalations_by_agents_cost_the_page_no_query_each(agent_client, kendrascottes, agent):
    def queries_for(escalations: int) -> int:
        ticket = TicketFactory(brand=kendrascottes)
        clock = first_response(ticket)
        for n in range(escalations):
            SlaEventFactory(
                clock=clock,
                kind=SlaEvent.Kind.ESCALATION,
                due_at=clock.target_at + timedelta(minutes=n),
                actor=agent_of(kendrascottes, username=f"escalator-{escalations}-{n}"),
            )
        agent_client.get(page_url(ticket))
        with CaptureQueriesContext(connection) as queries:
            agent_client.get(page_url(ticket))
        return len(queries)

    assert queries_for(1) == queries_for(10)


@pytest.mark.django_db
def test_a_picture_is_previewed_and_anything_else_only_downloads(agent_client, kendrascottes):
    ticket = TicketFactory(brand=kendrascottes)
    first = ticket.messages.get()
    photo = Attachment(message=first, filename="ring.png", content_type="image/png", size=3)
    photo.file.save("ring.png", ContentFile(b"png"), save=True)
    drawing = Attachment(message=first, filename="x.svg", content_type="image/svg+xml", size=3)
    drawing.file.save("x.svg", ContentFile(b"<svg/>"), save=True)

    content = agent_client.get(page_url(ticket)).content.decode()
    shown = agent_client.get(f"/admin/helpdesk/ticket/attachment/{photo.pk}/preview/")
    refused = agent_client.get(f"/admin/helpdesk/ticket/attachment/{drawing.pk}/preview/")

    assert f"/admin/helpdesk/ticket/attachment/{photo.pk}/preview/" in content
    assert f"/admin/helpdesk/ticket/attachment/{drawing.pk}/preview/" not in content
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    assert shown["Content-Security-Policy"] == "default-src 'none'"
    assert refused.status_code == 404


# -- properties in place ------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_agent_changes_urgency_category_status_assignee_and_tier_in_place(
    agent_client, kendrascottes, agent
):
    ticket = TicketFactory(brand=kendrascottes)
    category = kendrascottes.categories.filter(requires_order_number=False).first()
    senior_tier = kendrascottes.tiers.get(level=2)
    url = page_url(ticket, "properties")

    for field, value in [
        ("urgency", "urgent"),
        ("category", str(category.pk)),
        ("status", "open"),
        ("assignee", str(agent.pk)),
        ("tier", str(senior_tier.level)),
    ]:
        assert agent_client.post(url, {"field": field, "value": value}).status_code == 302

    ticket.refresh_from_db()
    assert ticket.is_urgent and ticket.category == category and ticket.status == "open"
    assert ticket.tier == 2  # escalating hands the ticket to the senior tier, unassigned
    content = agent_client.get(page_url(ticket)).content.decode()
    assert '<span class="badge badge-urgent">Urgent</span>' in content


@pytest.mark.django_db
def test_another_brands_category_or_an_unknown_property_changes_nothing(
    agent_client, kendrascottes, crocso
):
    ticket = TicketFactory(brand=kendrascottes)
    url = page_url(ticket, "properties")
    agent_client.post(url, {"field": "category", "value": str(crocso.categories.first().pk)})
    agent_client.post(url, {"field": "subject", "value": "x"})
    agent_client.post(url, {"field": "tier", "value": "99999999999999999999999"})
    ticket.refresh_from_db()
    assert ticket.category is None and ticket.tier == 1


@pytest.mark.django_db
def test_another_brands_agent_cannot_touch_the_ticket(client, kendrascottes, crocso):
    ticket = TicketFactory(brand=kendrascottes)
    client.force_login(agent_of(crocso, username="carl"))
    assert (
        client.post(
            page_url(ticket, "properties"), {"field": "urgency", "value": "urgent"}
        ).status_code
        == 404
    )
    assert client.post(page_url(ticket, "presence")).status_code == 404
    assert not Ticket.objects.get(pk=ticket.pk).is_urgent


# -- the composer -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_macro_is_filled_in_for_the_ticket_and_only_for_its_brand(
    agent_client, kendrascottes, crocso
):
    ticket = TicketFactory(brand=kendrascottes, customer_name="Ann")
    macro = Macro.objects.create(
        brand=kendrascottes,
        name="Hello",
        body="Hi {customer_name}, {agent_name} here.",
        status=Ticket.Status.WAITING,
    )
    other = Macro.objects.create(brand=crocso, name="Hello", body="Crocso")

    answer = agent_client.get(page_url(ticket, f"macro/{macro.pk}")).json()
    refused = agent_client.get(page_url(ticket, f"macro/{other.pk}"))

    assert answer == {
        "id": macro.pk,
        "body": "Hi Ann, Kim Lee here.",
        "send": "waiting",
        "says": "This macro sends the reply and waits on the customer.",
    }
    assert refused.status_code == 404


@pytest.mark.django_db
def test_send_and_resolve_sends_the_signed_reply_with_its_file_and_applies_the_macro(
    agent_client, kendrascottes, agent
):
    ticket = TicketFactory(brand=kendrascottes)
    category = kendrascottes.categories.filter(requires_order_number=False).first()
    macro = Macro.objects.create(brand=kendrascottes, name="Info", body="x", category=category)
    agent_client.post(page_url(ticket, "signature"), {"signature": "Kim\nKendrascottes"})

    response = agent_client.post(
        page_url(ticket, "reply"),
        {
            "body": "Here is your label.",
            "send": "resolved",
            "last_seen_message": newest_id(ticket),
            "macro": macro.pk,
            "attachments": [SimpleUploadedFile("label.pdf", b"%PDF", "application/pdf")],
        },
    )

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED and ticket.category == category
    outbound = OutboundEmail.objects.get(kind=OutboundEmail.Kind.REPLY)
    assert "Here is your label.\n\n-- \nKim\nKendrascottes" in outbound.body_text
    assert outbound.ticket_message.attachments.get().filename == "label.pdf"
    assert Signature.objects.get(user=agent, brand=kendrascottes).text == "Kim\nKendrascottes"


@pytest.mark.django_db
def test_the_composer_has_three_explicit_send_buttons_and_no_hidden_default(
    agent_client, kendrascottes
):
    content = agent_client.get(page_url(TicketFactory(brand=kendrascottes))).content.decode()
    for value, label in [
        ("open", "Send"),
        ("waiting", "Send and wait on customer"),
        ("resolved", "Send and resolve"),
    ]:
        assert f'name="send" value="{value}">{label}</button>' in content
    assert "Add internal note" in content
    assert "id_reply_status" not in content  # the old select with its hidden default


@pytest.mark.django_db
def test_a_stale_reply_is_held_back_with_the_draft_and_the_new_message_marked(
    agent_client, kendrascottes
):
    ticket = TicketFactory(brand=kendrascottes)
    seen = newest_id(ticket)
    ticket_customer_reply(ticket, body="Actually, it arrived.")

    response = agent_client.post(
        page_url(ticket, "reply"),
        {"body": "It ships today.", "send": "waiting", "last_seen_message": seen},
    )

    assert response.status_code == 302 and response["Location"].endswith("#composer")
    assert not OutboundEmail.objects.filter(kind=OutboundEmail.Kind.REPLY).exists()
    page = agent_client.get(page_url(ticket)).content.decode()
    assert "Not sent: the ticket changed since you opened it." in page
    assert "It ships today.</textarea>" in page
    assert "new since you opened the ticket" in page
    assert f'name="last_seen_message" value="{newest_id(ticket)}"' in page
    # Sending again from this page confirms.
    agent_client.post(
        page_url(ticket, "reply"),
        {"body": "It ships today.", "send": "waiting", "last_seen_message": newest_id(ticket)},
    )
    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.REPLY).count() == 1


@pytest.mark.django_db
def test_a_held_reply_comes_back_with_its_files_and_its_macro_and_sends_them_once_confirmed(
    agent_client, kendrascottes
):
    ticket = TicketFactory(brand=kendrascottes)
    macro = Macro.objects.create(
        brand=kendrascottes, name="Label", body="x", status=Ticket.Status.RESOLVED
    )
    seen = newest_id(ticket)
    ticket_customer_reply(ticket, body="Actually, it arrived.")

    agent_client.post(
        page_url(ticket, "reply"),
        {
            "body": "Here is your label.",
            "last_seen_message": seen,
            "macro": macro.pk,
            "attachments": [SimpleUploadedFile("label.pdf", b"%PDF-1.4", "application/pdf")],
        },
    )

    page = agent_client.get(page_url(ticket)).content.decode()
    held = HeldReplyFile.objects.get()
    assert f'name="held_files" value="{held.pk}" checked> label.pdf</label>' in page
    assert "8\xa0bytes" in page
    assert "Attach your files again" not in page
    # The macro's word and its button, first and main, come back with the draft.
    assert "This macro sends the reply and resolves the ticket." in page
    assert f'name="macro" value="{macro.pk}"' in page
    assert '<button type="submit" class="button default" name="send" value="resolved">' in page
    assert page.index('value="resolved">Send and resolve') < page.index('value="open">Send<')

    # Confirmed from the main button: the kept file goes, in the macro's status.
    agent_client.post(
        page_url(ticket, "reply"),
        {
            "body": "Here is your label.",
            "send": "resolved",
            "last_seen_message": newest_id(ticket),
            "macro": macro.pk,
            "held_files": [held.pk],
        },
    )
    outbound = OutboundEmail.objects.get(kind=OutboundEmail.Kind.REPLY)
    assert outbound.ticket_message.attachments.get().filename == "label.pdf"
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.RESOLVED
    assert not HeldReplyFile.objects.exists()


@pytest.mark.django_db
def test_a_refused_attachment_brings_the_draft_back_and_names_the_files_to_attach_again(
    agent_client, kendrascottes, settings
):
    settings.ATTACHMENT_MAX_BYTES = 10
    ticket = TicketFactory(brand=kendrascottes)
    macro = Macro.objects.create(
        brand=kendrascottes, name="Label", body="x", status=Ticket.Status.WAITING
    )

    response = agent_client.post(
        page_url(ticket, "reply"),
        {
            "body": "Here is your label.",
            "last_seen_message": newest_id(ticket),
            "macro": macro.pk,
            "attachments": [
                SimpleUploadedFile("label.pdf", b"%PDF-1.4 a long label", "application/pdf"),
                SimpleUploadedFile("note.txt", b"ok", "text/plain"),
            ],
        },
    )

    assert response["Location"].endswith("#composer")
    assert not OutboundEmail.objects.filter(kind=OutboundEmail.Kind.REPLY).exists()
    page = agent_client.get(page_url(ticket)).content.decode()
    assert "Here is your label.</textarea>" in page
    assert "label.pdf is larger than 10" in page
    assert "Attach your files again: label.pdf, note.txt." in page
    assert f'name="macro" value="{macro.pk}"' in page
    assert "This macro sends the reply and waits on the customer." in page
    # Taken back once: the next showing is an empty composer.
    assert "Here is your label." not in agent_client.get(page_url(ticket)).content.decode()


@pytest.mark.django_db
def test_a_reply_with_a_macros_blank_left_is_refused_with_its_draft_kept(
    agent_client, kendrascottes
):
    ticket = TicketFactory(brand=kendrascottes, customer_name="Ann", order_number="")
    macro = Macro.objects.create(
        brand=kendrascottes, name="Order", body="About order {order_number} for {customer_name}."
    )
    body = agent_client.get(page_url(ticket, f"macro/{macro.pk}")).json()["body"]
    assert body == "About order [order number] for Ann."

    agent_client.post(
        page_url(ticket, "reply"),
        {"body": body, "send": "open", "last_seen_message": newest_id(ticket)},
    )

    assert not OutboundEmail.objects.filter(kind=OutboundEmail.Kind.REPLY).exists()
    page = agent_client.get(page_url(ticket)).content.decode()
    assert "Nothing was sent: the reply has blanks to fill in." in page
    assert "Replace [order number] with what the customer should read." in page
    assert "About order [order number] for Ann.</textarea>" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("properties", {"field": "urgency", "value": "urgent"}),
        ("properties", {"field": "tags", "value": "vip"}),
        ("signature", {"signature": "Kim"}),
        ("note", {"body": "Checking the warehouse"}),
    ],
)
def test_saving_anything_else_on_the_page_keeps_the_reply_being_typed(
    agent_client, kendrascottes, action, data
):
    ticket = TicketFactory(brand=kendrascottes)
    macro = Macro.objects.create(brand=kendrascottes, name="Sorry", body="x")
    seen = newest_id(ticket)
    ticket_customer_reply(ticket, body="Any news?")
    # What the page's script adds to each of its forms but the composer's.
    typed = {"draft_body": "We are so sorry", "draft_macro": macro.pk, "draft_seen": seen}

    agent_client.post(page_url(ticket, action), {**data, **typed})

    page = agent_client.get(page_url(ticket)).content.decode()
    assert "We are so sorry</textarea>" in page
    assert f'name="macro" value="{macro.pk}"' in page
    assert "new since you opened the ticket" in page
    assert "Not sent" not in page and "Nothing was sent" not in page
    # Still on the view it was typed on: the customer's message holds it at the next Send.
    assert f'name="last_seen_message" value="{seen}"' in page


def composer_seen(page: str) -> int:
    """The newest message the composer's view was built on, as it will send it."""
    return int(re.search(r'name="last_seen_message" value="(\d+)"', page).group(1))


@pytest.mark.django_db
@pytest.mark.parametrize("first", ["side panel saved", "reply refused"])
def test_a_carried_over_draft_meets_the_guard_for_a_message_that_came_while_it_was_typed(
    agent_client, kendrascottes, settings, first
):
    settings.ATTACHMENT_MAX_BYTES = 10
    ticket = TicketFactory(brand=kendrascottes)
    seen = composer_seen(agent_client.get(page_url(ticket)).content.decode())
    if first == "side panel saved":
        typed = {"draft_body": "It ships today.", "draft_seen": seen}
        agent_client.post(
            page_url(ticket, "properties"), {"field": "urgency", "value": "urgent"} | typed
        )
    else:
        too_large = SimpleUploadedFile("label.pdf", b"%PDF-1.4 a long label", "application/pdf")
        agent_client.post(
            page_url(ticket, "reply"),
            {"body": "It ships today.", "last_seen_message": seen, "attachments": [too_large]},
        )
    ticket_customer_reply(ticket, body="Cancel it, please.")

    page = agent_client.get(page_url(ticket)).content.decode()
    held = agent_client.post(
        page_url(ticket, "reply"),
        {"body": "It ships today.", "send": "open", "last_seen_message": composer_seen(page)},
    )

    assert held["Location"].endswith("#composer")
    assert not OutboundEmail.objects.filter(kind=OutboundEmail.Kind.REPLY).exists()
    page = agent_client.get(page_url(ticket)).content.decode()
    assert "Not sent: the ticket changed since you opened it." in page
    assert "the customer wrote at" in page
    # One click confirms: the page's view now includes the customer's message.
    agent_client.post(
        page_url(ticket, "reply"),
        {"body": "It ships today.", "send": "open", "last_seen_message": composer_seen(page)},
    )
    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.REPLY).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("reply", {"send": "open"}),  # refused for its length, the draft kept
        ("properties", {"field": "urgency", "value": "urgent"}),  # carried by the page's script
    ],
)
def test_a_kept_draft_is_no_longer_than_a_reply_may_be(
    agent_client, kendrascottes, settings, action, data
):
    ticket = TicketFactory(brand=kendrascottes)
    limit = settings.API_MESSAGE_MAX_CHARS
    text = "x" * (limit + 500)
    typed = {"body": text} if action == "reply" else {"draft_body": text}

    agent_client.post(page_url(ticket, action), {**data, **typed})

    kept = agent_client.session[f"reply-draft:{ticket.pk}"]
    assert kept["body"] == "x" * limit
    assert not OutboundEmail.objects.filter(kind=OutboundEmail.Kind.REPLY).exists()


@pytest.mark.django_db
def test_another_agents_held_files_are_not_listed_for_nor_sent_by_a_colleague(
    client, kendrascottes, agent
):
    ticket = TicketFactory(brand=kendrascottes)
    held = HeldReplyFile.objects.create(
        ticket=ticket,
        author=agent,
        file=ContentFile(b"%PDF", name="label.pdf"),
        filename="kims-label.pdf",
        created_at=timezone.now(),
    )
    client.force_login(agent_of(kendrascottes, username="lee"))

    assert "kims-label.pdf" not in client.get(page_url(ticket)).content.decode()
    answer = client.post(
        page_url(ticket, "reply"),
        {"body": "Here.", "send": "open", "held_files": [held.pk]},
        follow=True,
    )

    assert "Nothing was sent: a kept file is no longer held for you." in answer.content.decode()
    assert not OutboundEmail.objects.filter(kind=OutboundEmail.Kind.REPLY).exists()
    assert HeldReplyFile.objects.get() == held


@pytest.mark.django_db
def test_a_note_tells_the_agent_whom_it_mentions(agent_client, kendrascottes):
    agent_of(kendrascottes, username="lee")
    ticket = TicketFactory(brand=kendrascottes)
    response = agent_client.post(
        page_url(ticket, "note"), {"body": "@lee please check"}, follow=True
    )
    assert "Note added; it mentions lee." in response.content.decode()


# -- presence -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_presence_row_names_the_others_who_have_the_ticket_open(client, kendrascottes, agent):
    ticket = TicketFactory(brand=kendrascottes)
    lee = agent_of(kendrascottes, username="lee", first_name="Lee", last_name="Senior")
    client.force_login(lee)
    assert client.post(page_url(ticket, "presence")).json() == {"others": []}
    client.force_login(agent)
    assert client.post(page_url(ticket, "presence")).json() == {"others": ["Lee Senior"]}
    client.force_login(lee)
    assert client.post(page_url(ticket, "presence")).json() == {"others": ["Kim Lee"]}
    client.post(page_url(ticket, "presence"), {"leave": "1"})
    client.force_login(agent)
    assert client.post(page_url(ticket, "presence")).json() == {"others": []}
    assert client.get(page_url(ticket, "presence")).status_code == 405


# -- macros in admin ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_agents_use_macros_but_only_owners_and_seniors_write_them(client, kendrascottes, crocso):
    macro = Macro.objects.create(brand=kendrascottes, name="Hello", body="Hi")
    other = Macro.objects.create(brand=crocso, name="Hola", body="Hi")
    agent = agent_of(kendrascottes, username="kim")
    senior = agent_of(kendrascottes, BrandMembership.Role.SENIOR, username="sam")
    owner = agent_of(kendrascottes, BrandMembership.Role.OWNER, username="olive")
    data = {"brand": kendrascottes.pk, "name": "Hello", "body": "Hello {customer_name}"}

    client.force_login(agent)
    assert client.get("/admin/helpdesk/macro/").status_code == 200
    assert client.get("/admin/helpdesk/macro/add/").status_code == 403
    assert client.post(f"/admin/helpdesk/macro/{macro.pk}/change/", data).status_code == 403
    assert (
        client.post(f"/admin/helpdesk/macro/{macro.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert client.get(f"/admin/helpdesk/macro/{other.pk}/change/").status_code == 404
    macro.refresh_from_db()
    assert macro.body == "Hi"

    for writer, body in ((senior, "Hello {customer_name}"), (owner, "Hi {reference}")):
        client.force_login(writer)
        changed = client.post(f"/admin/helpdesk/macro/{macro.pk}/change/", {**data, "body": body})
        assert changed.status_code == 302
        macro.refresh_from_db()
        assert macro.body == body


@pytest.mark.django_db
def test_a_macro_with_an_unknown_placeholder_is_refused(client, kendrascottes):
    client.force_login(agent_of(kendrascottes, BrandMembership.Role.SENIOR, username="sam"))
    response = client.post(
        "/admin/helpdesk/macro/add/",
        {"brand": kendrascottes.pk, "name": "Typo", "body": "Hi {custmer_name}"},
    )
    assert response.status_code == 200
    assert "Unknown placeholder: {custmer_name}" in response.content.decode()
    assert not Macro.objects.exists()


# -- the queue ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_says_urgent_in_words_and_colour_never_with_a_green_tick(
    agent_client, kendrascottes
):
    urgent = TicketFactory(brand=kendrascottes, is_urgent=True)
    TicketFactory(brand=kendrascottes)

    content = agent_client.get("/admin/helpdesk/ticket/").content.decode()

    assert '<span class="urgency urgency-urgent">Urgent</span>' in content
    assert '<span class="urgency urgency-normal">normal</span>' in content
    assert urgent.reference in content
    assert "icon-yes.svg" not in content


@pytest.mark.django_db
def test_the_order_numbers_are_set_in_the_side_panel_and_shown_on_the_customer_card(
    agent_client, kendrascottes
):
    ticket = TicketFactory(brand=kendrascottes)
    agent_client.post(
        page_url(ticket, "properties"), {"field": "order_numbers", "value": "104233, 104234"}
    )
    ticket.refresh_from_db()
    assert ticket.order_numbers == ["104233", "104234"]
    page = agent_client.get(page_url(ticket)).content.decode()
    assert "Orders: 104233, 104234" in page
    # The timeline says who changed them.
    assert "Order numbers none → 104233, 104234" in page
    assert ticket.events.get(kind="order_numbers").actor.username == "kim"


@pytest.mark.django_db
def test_a_reply_longer_than_the_api_allows_is_refused_saying_why(
    agent_client, kendrascottes, settings
):
    most = settings.API_MESSAGE_MAX_CHARS
    ticket = TicketFactory(brand=kendrascottes)
    response = agent_client.post(
        page_url(ticket, "reply"), {"body": "x" * (most + 1), "send": "open"}, follow=True
    )
    assert f"Not sent: Ensure this value has at most {most} characters" in (
        response.content.decode()
    )
    assert not OutboundEmail.objects.filter(kind=OutboundEmail.Kind.REPLY).exists()


@pytest.mark.django_db
def test_tags_are_set_in_the_side_panel(agent_client, kendrascottes):
    ticket = TicketFactory(brand=kendrascottes)
    agent_client.post(page_url(ticket, "properties"), {"field": "tags", "value": "Refund, vip"})
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["refund", "vip"]
    assert 'value="refund, vip"' in agent_client.get(page_url(ticket)).content.decode()


@pytest.mark.django_db
def test_a_ticket_never_answered_is_not_resolved_from_the_side_panel(agent_client, kendrascottes):
    ticket = TicketFactory(brand=kendrascottes)
    response = agent_client.post(
        page_url(ticket, "properties"), {"field": "status", "value": "resolved"}, follow=True
    )
    assert "never answered" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.NEW


@pytest.mark.django_db
def test_a_ticket_never_answered_is_resolved_from_the_side_panel_with_a_reason(
    agent_client, kendrascottes
):
    ticket = TicketFactory(brand=kendrascottes)
    page = agent_client.get(page_url(ticket)).content.decode()
    assert 'name="reason" id="prop-status-reason"' in page

    agent_client.post(
        page_url(ticket, "properties"),
        {"field": "status", "value": "resolved", "reason": "Sent to us by mistake"},
    )

    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.RESOLVED
    # The customer is told why, as the list's bulk action tells them.
    assert PendingStatusNotice.objects.get(ticket=ticket).reason == "Sent to us by mistake"
