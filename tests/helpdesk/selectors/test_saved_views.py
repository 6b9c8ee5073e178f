"""Saved views: each a filter on the ticket list, due times in the brand's business hours."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from helpdesk.models import SlaClock, Ticket
from helpdesk.selectors.saved_views import saved_view_q
from helpdesk.services.sla.clocks import ticket_next_due_refresh
from helpdesk.services.sla.sweep import sla_sweep
from helpdesk.services.tickets.lifecycle import ticket_assign, ticket_set_status
from tests.factories import TicketFactory, agent_of

pytestmark = pytest.mark.django_db
CHICAGO = ZoneInfo("America/Chicago")
FRIDAY_NIGHT = datetime(2026, 11, 13, 22, 0, tzinfo=CHICAGO)


def view(name: str, user, brands, now) -> list[str]:
    tickets = Ticket.objects.filter(saved_view_q(name, user, brands, now))
    return sorted(tickets.values_list("subject", flat=True))


def due_at(ticket: Ticket, latest: datetime) -> None:
    SlaClock.objects.filter(ticket=ticket).update(latest_at=latest, target_at=latest)
    ticket_next_due_refresh(ticket.pk)  # as the clock service does on every change


def test_due_within_4_business_hours_counts_the_brands_open_hours(kendrascottes):
    # Friday 22:00: two business hours left in the week, then Monday from midnight.
    soon = TicketFactory(brand=kendrascottes, subject="Monday 01:00", received_at=FRIDAY_NIGHT)
    later = TicketFactory(brand=kendrascottes, subject="Monday 03:00", received_at=FRIDAY_NIGHT)
    due_at(soon, datetime(2026, 11, 16, 1, 0, tzinfo=CHICAGO))  # 3 business hours, 51 wall
    due_at(later, datetime(2026, 11, 16, 3, 0, tzinfo=CHICAGO))  # 5 business hours
    agent = agent_of(kendrascottes)
    assert view("due_soon", agent, [kendrascottes], FRIDAY_NIGHT) == ["Monday 01:00"]


def test_mine_unassigned_and_waiting(kendrascottes):
    kim = agent_of(kendrascottes, username="kim")
    mine = TicketFactory(brand=kendrascottes, subject="mine")
    TicketFactory(brand=kendrascottes, subject="nobody's")
    waiting = TicketFactory(brand=kendrascottes, subject="waiting")
    ticket_assign(mine, kim)
    ticket_assign(waiting, kim)
    ticket_set_status(waiting, Ticket.Status.WAITING)
    now = FRIDAY_NIGHT
    assert view("mine", kim, [kendrascottes], now) == ["mine", "waiting"]
    assert view("unassigned", kim, [kendrascottes], now) == ["nobody's"]
    assert view("waiting", kim, [kendrascottes], now) == ["waiting"]


def test_warning_and_breached_follow_the_one_rule(crocso):
    agent = agent_of(crocso)
    now = datetime(2026, 11, 18, 12, 0, tzinfo=ZoneInfo("America/Denver"))
    late = TicketFactory(brand=crocso, subject="late", received_at=now - timedelta(days=10))
    TicketFactory(brand=crocso, subject="warned", received_at=now - timedelta(hours=30))
    TicketFactory(brand=crocso, subject="fresh", received_at=now - timedelta(hours=1))
    sla_sweep(now)
    assert view("breached", agent, [crocso], now) == ["late"]
    assert view("warning", agent, [crocso], now) == ["warned"]
    ticket_set_status(late, Ticket.Status.RESOLVED, at=now)
    assert view("breached", agent, [crocso], now) == []
