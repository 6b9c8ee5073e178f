"""The staff API's timeline of a ticket: who changed what, for the ticket's brand only."""

import pytest

from helpdesk.models import Ticket
from helpdesk.services.tickets.lifecycle import ticket_set_status

pytestmark = pytest.mark.django_db


def test_an_agent_reads_who_changed_what(staff, ks_ticket, ks_agent):
    ticket_set_status(ks_ticket, Ticket.Status.WAITING, actor=ks_agent)
    response = staff.get(f"/api/v1/staff/tickets/{ks_ticket.reference}/timeline/")
    assert response.status_code == 200
    status = [entry for entry in response.json() if entry["kind"] == "status"]
    assert status == [
        {
            "at": status[0]["at"],
            "kind": "status",
            "text": "Status New → Waiting on customer",
            "actor_kind": "agent",
            "actor": "Kim Agent",
        }
    ]


def test_another_brands_ticket_is_not_found(staff, cr_ticket):
    response = staff.get(f"/api/v1/staff/tickets/{cr_ticket.reference}/timeline/")
    assert response.status_code == 404


def test_a_storefront_key_cannot_read_the_timeline(storefront, ks_ticket):
    response = storefront.get(f"/api/v1/staff/tickets/{ks_ticket.reference}/timeline/")
    assert response.status_code in (401, 403)


def test_a_language_change_serves_the_clocks_recompute_as_the_agents(staff, ks_ticket):
    response = staff.post(
        f"/api/v1/staff/tickets/{ks_ticket.reference}/language/", {"language": "fr"}
    )
    assert response.status_code == 200

    timeline = staff.get(f"/api/v1/staff/tickets/{ks_ticket.reference}/timeline/").json()

    [recompute] = [entry for entry in timeline if entry["kind"] == "clock_recompute"]
    assert recompute["actor"] == "Kim Agent"
    assert recompute["text"].startswith("First response clock recomputed: due ")
    assert " → " in recompute["text"]  # the language extension moved the due time


def test_order_numbers_set_through_the_api_are_served_as_the_agents(staff, ks_ticket):
    url = f"/api/v1/staff/tickets/{ks_ticket.reference}/"
    assert staff.post(f"{url}order-numbers/", {"order_numbers": ["104233"]}).status_code == 200

    timeline = staff.get(f"{url}timeline/").json()

    [change] = [entry for entry in timeline if entry["kind"] == "order_numbers"]
    assert (change["text"], change["actor_kind"], change["actor"]) == (
        "Order numbers none → 104233",
        "agent",
        "Kim Agent",
    )
