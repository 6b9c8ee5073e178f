"""The alert inbox in admin and the unread count in its header."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from helpdesk.models import Alert
from helpdesk.services.tickets.lifecycle import ticket_assign
from tests.factories import TicketFactory, agent_of
from tests.helpdesk.admin.pages import page_url

pytestmark = pytest.mark.django_db


def count_in_header(client) -> str:
    page = client.get("/admin/").content.decode()
    start = page.index('class="alert-count"')
    return page[page.index(">", start) + 1 : page.index("</span>", start)]


def test_the_header_counts_unread_alerts_and_opening_one_goes_to_its_ticket(client, kendrascottes):
    kim = agent_of(kendrascottes, username="kim")
    first, second = TicketFactory(brand=kendrascottes), TicketFactory(brand=kendrascottes)
    ticket_assign(first, kim)
    ticket_assign(second, kim)
    client.force_login(kim)
    assert count_in_header(client) == "2"
    inbox = client.get("/admin/alerts/").content.decode()
    assert f"Assigned to you: {first.reference}" in inbox
    alert = Alert.objects.get(user=kim, ticket=first)
    response = client.get(f"/admin/alerts/{alert.pk}/")
    assert response.status_code == 302 and response["Location"] == page_url(first)
    assert count_in_header(client) == "1"
    client.post("/admin/alerts/read/")
    assert count_in_header(client) == "0"


def test_the_count_costs_one_query_however_many_alerts(client, kendrascottes):
    kim = agent_of(kendrascottes, username="kim")
    client.force_login(kim)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            client.get("/admin/alerts/")
        return sum('"helpdesk_alert"' in q["sql"] and "COUNT" in q["sql"] for q in queries)

    assert count_queries() == 1
    for _ in range(5):
        ticket_assign(TicketFactory(brand=kendrascottes), kim)
    assert count_queries() == 1


def test_another_users_alert_cannot_be_opened(client, kendrascottes):
    kim, other = agent_of(kendrascottes, username="kim"), agent_of(kendrascottes, username="o")
    ticket_assign(TicketFactory(brand=kendrascottes), kim)
    client.force_login(other)
    alert = Alert.objects.get(user=kim)
    assert client.get(f"/admin/alerts/{alert.pk}/").status_code == 404
    assert Alert.objects.get(pk=alert.pk).read_at is None
    assert str(alert.ticket.reference) not in client.get("/admin/alerts/").content.decode()


def test_an_agent_chooses_in_app_only_and_becomes_unavailable(client, kendrascottes):
    kim = agent_of(kendrascottes, username="kim")
    client.force_login(kim)
    response = client.post(
        "/admin/preferences/", {"time_zone": "", "alert_delivery": "in_app", "is_available": ""}
    )
    assert response.status_code == 302
    kim.staff_preference.refresh_from_db()
    assert (kim.staff_preference.alert_delivery, kim.staff_preference.is_available) == (
        "in_app",
        False,
    )


def test_someone_who_left_the_brand_no_longer_reads_its_alerts(client, kendrascottes):
    kim = agent_of(kendrascottes, username="kim")
    ticket = TicketFactory(brand=kendrascottes, subject="Secret subject")
    ticket_assign(ticket, kim)
    kim.brand_memberships.all().delete()
    kim.is_staff = True
    kim.save()
    client.force_login(kim)
    assert count_in_header(client) == "0"
    assert "Secret subject" not in client.get("/admin/alerts/").content.decode()


def test_opening_a_tickets_page_marks_the_viewers_alerts_about_it_read(client, kendrascottes):
    kim, lee = agent_of(kendrascottes, username="kim"), agent_of(kendrascottes, username="lee")
    first, second = TicketFactory(brand=kendrascottes), TicketFactory(brand=kendrascottes)
    for ticket in (first, second):
        ticket_assign(ticket, kim)
        ticket_assign(ticket, lee)
    client.force_login(kim)
    assert count_in_header(client) == "2"

    page = client.get(page_url(first)).content.decode()

    # The page's own header already counts without them.
    start = page.index('class="alert-count"')
    assert page[page.index(">", start) + 1 : page.index("</span>", start)] == "1"
    assert Alert.objects.get(user=kim, ticket=first).read_at is not None
    assert Alert.objects.get(user=kim, ticket=second).read_at is None
    assert Alert.objects.filter(user=lee, read_at__isnull=True).count() == 2


def test_opening_a_tickets_page_marks_its_alerts_read_in_one_update(client, kendrascottes):
    kim = agent_of(kendrascottes, username="kim")
    ticket = TicketFactory(brand=kendrascottes)
    for _ in range(3):
        ticket_assign(ticket, None)
        ticket_assign(ticket, kim)
    client.force_login(kim)
    client.get(page_url(TicketFactory(brand=kendrascottes)))  # warm the per-process caches

    with CaptureQueriesContext(connection) as queries:
        client.get(page_url(ticket))

    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "helpdesk_alert"')]
    assert len(updates) == 1
    assert not Alert.objects.filter(user=kim, read_at__isnull=True).exists()
