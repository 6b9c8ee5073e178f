"""The ticket list's search box: the staff search, with the matching message's snippet, only
the agent's brands, and a pager that counts nothing."""

import html
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from helpdesk.admin.ticket_search import list_sort_order
from helpdesk.admin.tickets import TicketAdmin
from helpdesk.models import Ticket
from helpdesk.services.tickets.lifecycle import (
    ticket_customer_reply,
    ticket_reference,
    ticket_set_status,
)
from tests.factories import TicketFactory, agent_of
from tests.helpdesk.admin.pages import TICKETS_URL


def shown(response) -> list[str]:
    assert response.status_code == 200
    return [ticket.reference for ticket in response.context["cl"].result_list]


@pytest.fixture
def ks_agent_client(client, kendrascottes):
    client.force_login(agent_of(kendrascottes))
    return client


@pytest.mark.django_db
def test_a_word_only_in_a_message_finds_the_ticket_with_its_snippet(ks_agent_client, kendrascottes):
    ticket = TicketFactory(brand=kendrascottes, subject="A question")
    TicketFactory(brand=kendrascottes, subject="Another")
    ticket_customer_reply(ticket, body="The clasp of my bracelet snapped.")

    response = ks_agent_client.get(TICKETS_URL, {"q": "clasp"})

    assert shown(response) == [ticket.reference]
    assert "<mark>clasp</mark>" in response.content.decode()


@pytest.mark.django_db
def test_an_order_number_and_a_reference_find_their_tickets(ks_agent_client, kendrascottes):
    ordered = TicketFactory(brand=kendrascottes, subject="Hello")
    ordered.order_numbers = ["104233"]
    ordered.save(update_fields=["order_numbers"])
    other = TicketFactory(brand=kendrascottes)

    assert shown(ks_agent_client.get(TICKETS_URL, {"q": "104233"})) == [ordered.reference]
    assert shown(ks_agent_client.get(TICKETS_URL, {"q": other.reference})) == [other.reference]


@pytest.mark.django_db
def test_another_brand_s_ticket_is_never_found(ks_agent_client, kendrascottes, crocso):
    theirs = TicketFactory(brand=crocso, body="My sandals have a broken strap.")

    assert shown(ks_agent_client.get(TICKETS_URL, {"q": "sandals"})) == []
    assert shown(ks_agent_client.get(TICKETS_URL, {"q": theirs.reference})) == []


@pytest.mark.django_db
def test_pages_follow_one_another_without_counting(ks_agent_client, kendrascottes):
    tickets = [
        TicketFactory(brand=kendrascottes, received_at=timezone.now() - timedelta(hours=i))
        for i in range(51)
    ]

    with CaptureQueriesContext(connection) as queries:
        first = ks_agent_client.get(TICKETS_URL)
    second = ks_agent_client.get(TICKETS_URL, {"p": 2})
    beyond = ks_agent_client.get(TICKETS_URL, {"p": 3})

    assert shown(first) == [t.reference for t in tickets[:50]]
    assert shown(second) == [tickets[50].reference]
    assert beyond.status_code == 302  # admin's answer to a page that is not there
    assert 'class="next-page"' in first.content.decode()
    assert 'class="next-page"' not in second.content.decode()
    assert 'class="previous-page"' in second.content.decode()
    assert not any("COUNT(" in query["sql"].upper() for query in queries.captured_queries)


def column(name: str) -> int:
    """The `o` number of a list column (admin counts its checkbox column first)."""
    return ["action_checkbox", *TicketAdmin.list_display].index(name)


@pytest.mark.django_db
def test_the_list_sorts_by_the_columns_an_index_serves_both_ways(ks_agent_client, kendrascottes):
    now = timezone.now()
    older = TicketFactory(brand=kendrascottes, subject="A", received_at=now - timedelta(hours=2))
    newer = TicketFactory(
        brand=kendrascottes, subject="B", is_urgent=True, received_at=now - timedelta(hours=1)
    )
    waiting = TicketFactory(brand=kendrascottes, subject="C", received_at=now - timedelta(hours=3))
    ticket_set_status(waiting, Ticket.Status.WAITING)  # owes nothing now: no due time
    # Past a million the reference grows a digit: its text would sort KS-1000000 first.
    for ticket, number in ((older, 999_999), (newer, 1_000_000), (waiting, 1_000_001)):
        ticket.number, ticket.reference = number, ticket_reference(kendrascottes, number)
        ticket.save(update_fields=["number", "reference"])

    def by(name: str, descending: bool = False) -> list[str]:
        sort = f"-{column(name)}" if descending else column(name)
        return shown(ks_agent_client.get(TICKETS_URL, {"o": sort}))

    assert by("reference") == [older.reference, newer.reference, waiting.reference]
    assert by("reference", descending=True) == by("reference")[::-1]
    assert by("received") == [waiting.reference, older.reference, newer.reference]
    assert by("received", descending=True) == [newer.reference, older.reference, waiting.reference]
    # Urgent first on the first click, then newest first.
    assert by("urgency") == [newer.reference, older.reference, waiting.reference]
    assert by("next_due")[-1] == waiting.reference  # nothing due comes last...
    assert by("next_due", descending=True)[0] == waiting.reference  # ...and first reversed
    # A column no index orders by (and a crafted number) sorts nothing: the newest made first,
    # not the subjects' A, B, C.
    newest_made = [waiting.reference, newer.reference, older.reference]
    by_subject = ks_agent_client.get(TICKETS_URL, {"o": column("subject_and_match")})
    assert shown(by_subject) == newest_made
    assert shown(ks_agent_client.get(TICKETS_URL, {"o": "99"})) == newest_made


def test_a_chosen_sort_is_read_in_its_index_order_whatever_admin_added():
    assert list_sort_order(["-received_at", "-pk"]) == [F("received_at").desc(), F("id").desc()]
    assert list_sort_order(["reference"]) == [F("brand_id").asc(), F("number").asc()]
    assert list_sort_order([F("next_due_at").desc(nulls_first=True), "-pk"]) == [
        F("next_due_at").desc(),
        F("id").desc(),
    ]
    assert list_sort_order(["subject", "-pk"]) == ["subject", "-pk"]


@pytest.mark.django_db
def test_the_list_says_it_ranks_the_newest_matches_and_links_to_every_match(
    ks_agent_client, kendrascottes, monkeypatch
):
    monkeypatch.setattr("helpdesk.selectors.search.RANK_WINDOW", 2)
    monkeypatch.setattr("helpdesk.admin.ticket_search.RANK_WINDOW", 2)
    now = timezone.now()
    tickets = [
        TicketFactory(
            brand=kendrascottes, subject=f"Necklace {i}", received_at=now - timedelta(days=i)
        )
        for i in range(3)
    ]

    ranked = ks_agent_client.get(TICKETS_URL, {"q": "necklace"})
    content = ranked.content.decode()
    every_url = re.search(r'<a href="([^"]+)" class="every-match">', content)[1]
    every = ks_agent_client.get(TICKETS_URL + html.unescape(every_url))

    assert "among the 2 newest tickets that match" in content
    assert set(shown(ranked)) == {tickets[0].reference, tickets[1].reference}
    assert shown(every) == [t.reference for t in tickets]  # the oldest too, newest first
    assert "every-match" not in every.content.decode()  # sorted: nothing left out to say


@pytest.mark.django_db
def test_a_page_says_more_follow_and_never_offers_to_select_tickets_not_shown(
    ks_agent_client, kendrascottes
):
    for i in range(51):
        TicketFactory(brand=kendrascottes, received_at=timezone.now() - timedelta(minutes=i))

    first = ks_agent_client.get(TICKETS_URL, {"q": "order"}).content.decode()
    last = ks_agent_client.get(TICKETS_URL, {"q": "order", "p": 2}).content.decode()

    assert "50+ results" in first
    assert "51 results" not in first
    assert "1 result" in last
    assert "select the objects across all pages" not in first  # only the tickets ticked
