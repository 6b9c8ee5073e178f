"""The ticket list's search box: the staff search, with the matching message's snippet, only
the agent's brands, and a pager that counts nothing."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from helpdesk.services.tickets.lifecycle import ticket_customer_reply
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


@pytest.mark.django_db
def test_the_list_sorts_only_by_what_an_index_serves(ks_agent_client, kendrascottes):
    older = TicketFactory(
        brand=kendrascottes, subject="A", received_at=timezone.now() - timedelta(hours=2)
    )
    newer = TicketFactory(brand=kendrascottes, subject="B")
    subject_column = 3  # reference, brand, subject, ...

    by_subject = ks_agent_client.get(TICKETS_URL, {"o": subject_column})
    by_reference = ks_agent_client.get(TICKETS_URL, {"o": 1})

    assert shown(by_subject) == [newer.reference, older.reference]  # newest first, unsorted
    assert shown(by_reference) == [older.reference, newer.reference]
