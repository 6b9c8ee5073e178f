"""The staff API's `q`: the staff search, scoped to the user's brands, with a snippet; and its
pages, which never count the list."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from helpdesk.services.tickets.lifecycle import ticket_customer_reply
from tests.factories import TicketFactory

LIST = "/api/v1/staff/tickets/"


def results(client, **params) -> list[dict]:
    response = client.get(LIST, params)
    assert response.status_code == 200, response.json()
    return response.json()["results"]


@pytest.mark.django_db
def test_q_finds_a_word_only_in_a_message_with_its_snippet(staff, kendrascottes):
    ticket = TicketFactory(brand=kendrascottes, subject="A question")
    TicketFactory(brand=kendrascottes, subject="Another")
    ticket_customer_reply(ticket, body="The clasp of my bracelet snapped.")

    [found] = results(staff, q="clasp")

    assert found["reference"] == ticket.reference
    assert "<mark>clasp</mark>" in found["search_snippet"]


@pytest.mark.django_db
def test_q_finds_an_order_number_and_a_reference(staff, kendrascottes):
    ordered = TicketFactory(brand=kendrascottes, subject="Hello")
    ordered.order_numbers = ["104233"]
    ordered.save(update_fields=["order_numbers"])
    other = TicketFactory(brand=kendrascottes)

    [by_number] = results(staff, q="104233")
    assert (by_number["reference"], by_number["order_numbers"]) == (ordered.reference, ["104233"])
    assert [t["reference"] for t in results(staff, q=other.reference)] == [other.reference]


@pytest.mark.django_db
def test_q_never_finds_another_brand_s_ticket(staff, kendrascottes, crocso):
    theirs = TicketFactory(brand=crocso, body="My sandals have a broken strap.")

    assert results(staff, q="sandals") == []
    assert results(staff, q=theirs.reference) == []


@pytest.mark.django_db
def test_an_overlong_q_is_a_400_naming_it(staff):
    response = staff.get(LIST, {"q": "x" * 201})

    assert response.status_code == 400
    assert "q" in response.json()["fields"]


@pytest.mark.django_db
def test_pages_link_to_the_next_without_counting(staff, kendrascottes):
    tickets = [
        TicketFactory(brand=kendrascottes, received_at=timezone.now() - timedelta(hours=i))
        for i in range(3)
    ]

    with CaptureQueriesContext(connection) as queries:
        first = staff.get(LIST, {"page_size": 2}).json()
    second = staff.get(first["next"]).json()

    assert [t["reference"] for t in first["results"]] == [t.reference for t in tickets[:2]]
    assert [t["reference"] for t in second["results"]] == [tickets[2].reference]
    assert second["next"] is None and second["previous"] is not None
    assert "count" not in first
    assert not any("COUNT(" in query["sql"].upper() for query in queries.captured_queries)
    assert staff.get(LIST, {"page": 3, "page_size": 2}).status_code == 404


@pytest.mark.django_db
def test_an_agent_sets_the_order_numbers(staff, kendrascottes):
    ticket = TicketFactory(brand=kendrascottes, subject="Order #104233")

    response = staff.post(
        f"{LIST}{ticket.reference}/order-numbers/",
        {"order_numbers": ["104233", "555666"]},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["order_numbers"] == ["104233", "555666"]
    assert [t["reference"] for t in results(staff, q="555666")] == [ticket.reference]


@pytest.mark.django_db
def test_order_numbers_are_refused_when_malformed_or_of_another_brand(staff, crocso, kendrascottes):
    ticket = TicketFactory(brand=kendrascottes)
    theirs = TicketFactory(brand=crocso)
    url = f"{LIST}{ticket.reference}/order-numbers/"

    too_long = staff.post(url, {"order_numbers": ["x" * 65]}, format="json")
    too_many = staff.post(url, {"order_numbers": [str(n) for n in range(21)]}, format="json")
    not_a_list = staff.post(url, {"order_numbers": "104233"}, format="json")
    elsewhere = staff.post(
        f"{LIST}{theirs.reference}/order-numbers/", {"order_numbers": ["1"]}, format="json"
    )

    assert [too_long.status_code, too_many.status_code, not_a_list.status_code] == [400] * 3
    assert list(too_long.json()["fields"]) == ["order_numbers.0"]
    assert elsewhere.status_code == 404
    theirs.refresh_from_db()
    assert theirs.order_numbers == []


@pytest.mark.django_db
@pytest.mark.parametrize("rare_matches", [1000, 1])  # read first, or found in the order's walk
def test_q_ranks_the_newest_matches_and_with_an_ordering_lists_every_match(
    staff, kendrascottes, monkeypatch, rare_matches
):
    monkeypatch.setattr("helpdesk.selectors.search.RANK_WINDOW", 2)
    monkeypatch.setattr("helpdesk.selectors.search.RARE_MATCHES", rare_matches)
    now = timezone.now()
    oldest = TicketFactory(
        brand=kendrascottes, subject="Necklace", received_at=now - timedelta(days=3)
    )
    newer = [
        TicketFactory(
            brand=kendrascottes,
            subject="Question",
            body="About a necklace.",
            received_at=now - timedelta(days=2 - i),
        )
        for i in range(2)
    ]

    ranked = [row["reference"] for row in results(staff, q="necklace")]
    every = [row["reference"] for row in results(staff, q="necklace", ordering="-created")]

    assert sorted(ranked) == sorted(t.reference for t in newer)  # the newest two, ranked
    assert every == [newer[1].reference, newer[0].reference, oldest.reference]
