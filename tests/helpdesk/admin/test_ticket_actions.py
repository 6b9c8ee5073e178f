from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from brands.models import Brand, BrandMembership, SlaPolicy
from brands.services import policy_version_record
from helpdesk.models import SlaEvent
from helpdesk.services.sla.clocks import ticket_recompute_clocks
from helpdesk.services.sla.sweep import sla_sweep
from tests.factories import TicketFactory, admin_form_data, agent_of, first_response
from tests.helpdesk.admin.pages import page_url
from tests.notices import notices_window_passes

CHICAGO = ZoneInfo("America/Chicago")
MONDAY = datetime(2026, 11, 9, 10, 0, tzinfo=CHICAGO)


@pytest.mark.django_db
def test_setting_waiting_in_admin_pauses_the_clocks(client, kendrascottes):
    ticket = TicketFactory(brand=kendrascottes, received_at=MONDAY)
    client.force_login(agent_of(kendrascottes))
    page = client.get(page_url(ticket))
    response = client.post(page_url(ticket), admin_form_data(page, {"status": "waiting"}))
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "waiting"
    assert first_response(ticket).state == "paused"


@pytest.mark.django_db
def test_resolving_in_admin_stops_the_clocks_and_tells_a_crocso_customer(
    client, crocso, django_capture_on_commit_callbacks
):
    ticket = TicketFactory(brand=crocso, received_at=MONDAY)
    client.force_login(agent_of(crocso))
    page = client.get(page_url(ticket))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page_url(ticket), admin_form_data(page, {"status": "resolved"}))
    assert first_response(ticket).state == "stopped"
    assert mail.outbox == []  # told once the notice window has passed, as one mail
    with django_capture_on_commit_callbacks(execute=True):
        notices_window_passes()
    assert [m.to for m in mail.outbox] == [["ann@customer.example"]]
    assert "Resolved" in mail.outbox[0].body


@pytest.mark.django_db
def test_tier_and_urgency_cannot_be_typed_in(client, kendrascottes):
    ticket = TicketFactory(brand=kendrascottes, received_at=MONDAY)
    client.force_login(agent_of(kendrascottes))
    page = client.get(page_url(ticket))
    client.post(page_url(ticket), admin_form_data(page, {"tier": "2", "is_urgent": "on"}))
    ticket.refresh_from_db()
    assert (ticket.tier, ticket.is_urgent) == (1, False)


@pytest.mark.django_db
def test_a_policy_change_applies_to_new_tickets_and_leaves_existing_due_times(kendrascottes):
    before = TicketFactory(brand=kendrascottes, received_at=MONDAY)
    SlaPolicy.objects.filter(brand=kendrascottes).update(first_response_latest_hours=36)
    policy_version_record(kendrascottes, source="test")
    after = TicketFactory(brand=Brand.objects.get(pk=kendrascottes.pk), received_at=MONDAY)
    assert first_response(before).latest_at == MONDAY + timedelta(days=2)
    assert first_response(after).latest_at == MONDAY + timedelta(hours=36)
    assert after.policy_version.number == before.policy_version.number + 1


@pytest.mark.django_db
def test_the_recompute_action_applies_the_current_policy_to_chosen_tickets(client, kendrascottes):
    chosen, other = (
        TicketFactory(brand=kendrascottes, received_at=MONDAY),
        TicketFactory(brand=kendrascottes, received_at=MONDAY),
    )
    SlaPolicy.objects.filter(brand=kendrascottes).update(first_response_latest_hours=36)
    version = policy_version_record(kendrascottes, source="test")
    client.force_login(agent_of(kendrascottes))
    client.post(
        "/admin/helpdesk/ticket/",
        {"action": "recompute_clocks", "_selected_action": [chosen.pk]},
    )
    assert first_response(chosen).latest_at == MONDAY + timedelta(hours=36)
    assert first_response(other).latest_at == MONDAY + timedelta(days=2)
    chosen.refresh_from_db()
    assert chosen.policy_version == version


@pytest.mark.django_db
def test_recomputing_a_paused_clock_keeps_the_time_it_used(kendrascottes):
    from helpdesk.services.tickets.lifecycle import ticket_set_status

    ticket = TicketFactory(brand=kendrascottes, received_at=MONDAY)
    ticket_set_status(ticket, "waiting", at=MONDAY + timedelta(hours=6))
    SlaPolicy.objects.filter(brand=kendrascottes).update(first_response_latest_hours=36)
    policy_version_record(kendrascottes, source="test")
    ticket_recompute_clocks(ticket, now=MONDAY + timedelta(hours=7))
    ticket_set_status(ticket, "open", at=datetime(2026, 11, 11, 10, 0, tzinfo=CHICAGO))
    # 6 of 36 hours used before the pause: 30 left from Wednesday 10:00.
    assert first_response(ticket).latest_at == datetime(2026, 11, 12, 16, 0, tzinfo=CHICAGO)


@pytest.mark.django_db
def test_events_show_on_the_ticket_and_in_their_own_list_scoped_by_brand(
    client, kendrascottes, crocso
):
    ks_ticket, cr_ticket = (
        TicketFactory(brand=kendrascottes, received_at=MONDAY),
        TicketFactory(brand=crocso, received_at=MONDAY),
    )
    sla_sweep(now=MONDAY + timedelta(days=10))
    assert SlaEvent.objects.filter(ticket=cr_ticket).exists()
    client.force_login(agent_of(kendrascottes, BrandMembership.Role.SENIOR))
    page = client.get(page_url(ks_ticket)).content.decode()
    assert "Breach" in page and "Escalation" in page
    listing = client.get("/admin/helpdesk/slaevent/?kind=breach").content.decode()
    assert ks_ticket.reference in listing
    assert cr_ticket.reference not in listing


@pytest.mark.django_db
def test_a_complaint_without_an_order_number_is_kept_incomplete_in_admin(client, kendrascottes):
    ticket = TicketFactory(brand=kendrascottes, received_at=MONDAY)
    complaint = kendrascottes.categories.get(slug="complaint")
    client.force_login(agent_of(kendrascottes))
    page = client.get(page_url(ticket))
    saved = client.post(page_url(ticket), admin_form_data(page, {"category": complaint.pk}))
    assert saved.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.category, ticket.is_incomplete) == (complaint, True)
    assert ticket.outbox.filter(kind="order_number_request").exists()


@pytest.mark.django_db
def test_an_order_number_given_in_admin_completes_a_ticket_from_mail(client, kendrascottes):
    complaint = kendrascottes.categories.get(slug="complaint")
    ticket = TicketFactory(
        brand=kendrascottes, received_at=MONDAY, category=complaint, incomplete_ok=True
    )
    assert ticket.is_incomplete
    client.force_login(agent_of(kendrascottes))
    page = client.get(page_url(ticket))
    client.post(page_url(ticket), admin_form_data(page, {"order_number": " KS-1042 "}))
    ticket.refresh_from_db()
    assert (ticket.order_number, ticket.is_incomplete) == ("KS-1042", False)
