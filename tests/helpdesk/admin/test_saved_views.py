"""The ticket list's saved views and tag filter, scoped to the user's brands."""

from datetime import timedelta

import pytest
from django.utils import timezone

from helpdesk.models import Tag
from helpdesk.services.sla.sweep import sla_sweep
from helpdesk.services.tickets.tags import ticket_tags_set
from tests.factories import TicketFactory, agent_of
from tests.helpdesk.admin.pages import TICKETS_URL

pytestmark = pytest.mark.django_db


def listed(client, query: str) -> str:
    response = client.get(f"{TICKETS_URL}?{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_the_breached_view_lists_only_breached_tickets(client, kendrascottes):
    TicketFactory(
        brand=kendrascottes, subject="Late one", received_at=timezone.now() - timedelta(days=30)
    )
    TicketFactory(brand=kendrascottes, subject="Fresh one")
    sla_sweep()
    client.force_login(agent_of(kendrascottes))
    page = listed(client, "view=breached")
    assert "Late one" in page and "Fresh one" not in page
    assert "Due within 4 business hours" in page  # every view is one click away


def test_tags_filter_the_list_and_only_the_users_brands_tags_are_offered(
    client, kendrascottes, crocso
):
    vip = TicketFactory(brand=kendrascottes, subject="Very important")
    TicketFactory(brand=kendrascottes, subject="Ordinary")
    ticket_tags_set(vip, ["vip"])
    ticket_tags_set(TicketFactory(brand=crocso, subject="Crocso VIP"), ["crocso-only"])
    client.force_login(agent_of(kendrascottes))
    tag = Tag.objects.get(name="vip")
    page = listed(client, f"tag={tag.pk}")
    assert "Very important" in page and "Ordinary" not in page
    assert "crocso-only" not in page


def test_another_brands_tag_shows_none_of_its_tickets(client, kendrascottes, crocso):
    ticket_tags_set(TicketFactory(brand=crocso, subject="Crocso VIP"), ["vip"])
    client.force_login(agent_of(kendrascottes))
    page = listed(client, f"tag={Tag.objects.get(brand=crocso).pk}")
    assert "Crocso VIP" not in page


@pytest.mark.parametrize("query", ["view=everything", "tag=abc", "tag=" + "9" * 30])
def test_unknown_views_and_tags_are_refused(client, kendrascottes, query):
    client.force_login(agent_of(kendrascottes))
    response = client.get(f"{TICKETS_URL}?{query}")
    assert response.status_code == 302 and "e=1" in response["Location"]
