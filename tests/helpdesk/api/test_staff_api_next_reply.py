"""The staff API shows a customer's follow-up as a running next-reply clock."""

import pytest

from helpdesk.services.tickets.lifecycle import ticket_customer_reply, ticket_reply


@pytest.mark.django_db
def test_the_staff_detail_shows_the_running_next_reply_clock(staff, ks_ticket, ks_agent):
    ticket_reply(ks_ticket, author=ks_agent, body="Size 7 fits.")
    ticket_customer_reply(ks_ticket, body="And a size 8?")

    body = staff.get(f"/api/v1/staff/tickets/{ks_ticket.reference}/").json()

    clocks = {clock["kind"]: clock for clock in body["clocks"]}
    assert clocks["first_response"]["state"] == "stopped"
    assert clocks["next_reply"]["state"] == "running"
    assert clocks["next_reply"]["latest_at"] is not None
