"""Merging a duplicate ticket into another: messages move, the duplicate closes with a link,
the target keeps its clocks."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from helpdesk.errors import ApplicationError
from helpdesk.models import Message, OutboundEmail, SlaClock, Ticket
from helpdesk.services.tickets.lifecycle import (
    ticket_acknowledge,
    ticket_reply,
    ticket_set_status,
)
from helpdesk.services.tickets.merge import ticket_merge
from tests.factories import TicketFactory, agent_of

CHICAGO = ZoneInfo("America/Chicago")
MONDAY = datetime(2026, 11, 9, 10, 0, tzinfo=CHICAGO)


def clocks_of(ticket: Ticket) -> list[tuple]:
    return list(
        ticket.clocks.order_by("id").values_list("pk", "kind", "state", "target_at", "latest_at")
    )


@pytest.fixture
def agent(kendrascottes):
    return agent_of(kendrascottes)


@pytest.fixture
def pair(kendrascottes) -> tuple[Ticket, Ticket]:
    target = TicketFactory(brand=kendrascottes, received_at=MONDAY, body="My ring is late.")
    duplicate = TicketFactory(
        brand=kendrascottes,
        received_at=MONDAY + timedelta(hours=2),
        body="Again: where is my ring?",
        message_fields={"message_id": "<second@customer.example>"},
    )
    return target, duplicate


@pytest.mark.django_db
def test_merging_moves_the_messages_and_closes_the_duplicate_with_a_link(agent, pair):
    target, duplicate = pair

    ticket_merge(duplicate, into=target, actor=agent)

    duplicate.refresh_from_db()
    assert duplicate.merged_into == target
    assert duplicate.status == Ticket.Status.CLOSED
    assert not duplicate.clocks.exclude(state=SlaClock.State.STOPPED).exists()
    inbound = target.messages.filter(kind=Message.Kind.INBOUND).order_by("created_at")
    assert [m.body_text for m in inbound] == ["My ring is late.", "Again: where is my ring?"]
    assert duplicate.messages.get().body_text == f"Merged into {target.reference}."
    note = target.messages.get(kind=Message.Kind.NOTE)
    assert duplicate.reference in note.body_text and note.author == agent


@pytest.mark.django_db
def test_the_target_keeps_its_clocks(agent, pair):
    target, duplicate = pair
    before = clocks_of(target)

    ticket_merge(duplicate, into=target, actor=agent)

    assert clocks_of(target) == before


@pytest.mark.django_db
def test_mail_of_the_duplicate_follows_its_messages(agent, pair):
    target, duplicate = pair
    acknowledgement = ticket_acknowledge(duplicate)

    ticket_merge(duplicate, into=target, actor=agent)

    acknowledgement.refresh_from_db()
    assert acknowledgement.ticket == target
    # A reply on the target threads onto the customer's second mail too.
    ticket_reply(target, author=agent, body="Found it", at=MONDAY + timedelta(hours=3))
    reply = OutboundEmail.objects.get(kind=OutboundEmail.Kind.REPLY)
    assert "<second@customer.example>" in reply.headers["References"]


@pytest.mark.django_db
def test_a_ticket_cannot_be_merged_into_itself_another_brand_or_a_closed_ticket(
    agent, pair, crocso
):
    target, duplicate = pair
    foreign = TicketFactory(brand=crocso, received_at=MONDAY)
    closed = TicketFactory(brand=target.brand, received_at=MONDAY)
    ticket_set_status(closed, Ticket.Status.CLOSED)

    for into, message in (
        (duplicate, "itself"),
        (foreign, "different brands"),
        (closed, "closed ticket"),
    ):
        with pytest.raises(ApplicationError, match=message):
            ticket_merge(duplicate, into=into, actor=agent)

    duplicate.refresh_from_db()
    assert duplicate.merged_into is None
    assert duplicate.messages.count() == 1


@pytest.mark.django_db
def test_a_merged_duplicate_cannot_be_merged_again(agent, pair):
    target, duplicate = pair
    third = TicketFactory(brand=target.brand, received_at=MONDAY)
    ticket_merge(duplicate, into=target, actor=agent)

    with pytest.raises(ApplicationError, match="merged already"):
        ticket_merge(duplicate, into=third, actor=agent)
    with pytest.raises(ApplicationError, match="target was merged into another ticket"):
        ticket_merge(third, into=duplicate, actor=agent)


@pytest.mark.django_db
def test_an_agent_merges_from_the_ticket_page_by_reference(client, agent, pair):
    target, duplicate = pair
    client.force_login(agent)
    form_page = client.get(f"/admin/helpdesk/ticket/{duplicate.pk}/merge/")
    assert target.reference in form_page.content.decode()  # suggested: same customer

    response = client.post(
        f"/admin/helpdesk/ticket/{duplicate.pk}/merge/", {"into": target.reference.lower()}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/admin/helpdesk/ticket/{target.pk}/change/"
    duplicate.refresh_from_db()
    assert duplicate.merged_into == target
    page = client.get(f"/admin/helpdesk/ticket/{duplicate.pk}/change/").content.decode()
    assert f">{target.reference}</a>" in page and "Merged into" in page
    assert 'class="reply-form"' not in page


@pytest.mark.django_db
def test_an_unknown_reference_is_a_form_error(client, agent, pair):
    _target, duplicate = pair
    client.force_login(agent)

    response = client.post(f"/admin/helpdesk/ticket/{duplicate.pk}/merge/", {"into": "KS-999999"})

    assert response.status_code == 200
    assert "No open ticket KS-999999" in response.content.decode()
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None
