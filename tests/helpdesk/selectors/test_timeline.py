"""The ticket's timeline: changes with who made them, and deadline events, oldest first."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from brands.models import BrandMembership, SlaPolicy
from brands.services import policy_version_record
from helpdesk.models import Ticket, TicketEvent
from helpdesk.selectors.timeline import ticket_timeline
from helpdesk.services.sla.clocks import ticket_recompute_clocks
from helpdesk.services.sla.sweep import sla_sweep
from helpdesk.services.tickets.lifecycle import ticket_assign, ticket_escalate, ticket_set_status
from helpdesk.services.tickets.properties import ticket_urgency_set
from tests.factories import TicketFactory, agent_of

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")


def test_the_timeline_says_who_did_what_in_order(kendrascottes):
    kim = agent_of(kendrascottes, username="kim", first_name="Kim", last_name="Lee")
    ticket = TicketFactory(brand=kendrascottes)
    ticket_assign(ticket, kim, actor=kim)
    ticket_set_status(ticket, Ticket.Status.WAITING, actor=kim)
    ticket_set_status(ticket, Ticket.Status.OPEN)
    ticket_escalate(ticket, actor=kim)
    lines = [(entry.text, entry.actor) for entry in ticket_timeline(ticket)]
    assert lines == [
        ("First response clock started", "system"),
        ("Assigned to kim", "Kim Lee"),
        ("First response clock paused", "Kim Lee"),
        ("Status New → Waiting on customer", "Kim Lee"),
        ("First response clock resumed", "system"),
        ("Status Waiting on customer → Open", "system"),
        ("Escalated from tier 1 to tier 2", "Kim Lee"),
        ("Unassigned (was kim): handed to tier 2", "Kim Lee"),
        ("Escalation tier response clock started", "system"),
    ]


def test_warnings_and_breaches_join_the_timeline_as_the_systems(kendrascottes):
    agent_of(kendrascottes, BrandMembership.Role.SENIOR)
    ticket = TicketFactory(brand=kendrascottes, received_at=timezone.now() - timedelta(days=30))
    sla_sweep()
    texts = [entry.text for entry in ticket_timeline(ticket) if entry.actor_kind == "system"]
    assert "Warning: first response passed its target (tier 1)" in texts
    assert "Breach: first response passed its latest time (tier 1)" in texts
    assert "Escalated from tier 1 to tier 2: First response breached" in texts


def test_the_timeline_takes_two_queries_however_long(kendrascottes, django_assert_num_queries):
    ticket, agent = TicketFactory(brand=kendrascottes), agent_of(kendrascottes)
    for status in ["waiting", "open"] * 5:
        ticket_set_status(ticket, status, actor=agent)
    with django_assert_num_queries(2):
        ticket_timeline(ticket)


def test_a_recompute_says_which_clock_moved_from_when_to_when_and_who(kendrascottes):
    kim = agent_of(kendrascottes, username="kim", first_name="Kim", last_name="Lee")
    monday = datetime(2026, 11, 9, 10, 0, tzinfo=CHICAGO)
    ticket = TicketFactory(brand=kendrascottes, received_at=monday)
    SlaPolicy.objects.filter(brand=kendrascottes).update(first_response_latest_hours=36)
    policy_version_record(kendrascottes, source="test")

    ticket_recompute_clocks(ticket, monday + timedelta(hours=1), actor=kim)
    ticket_recompute_clocks(ticket, monday + timedelta(hours=2))  # the system, nothing moves

    event = ticket.events.filter(kind=TicketEvent.Kind.CLOCK_RECOMPUTE).first()
    assert (event.detail, event.actor) == ("First response", kim)
    assert datetime.fromisoformat(event.before) == monday + timedelta(hours=48)
    assert datetime.fromisoformat(event.after) == monday + timedelta(hours=36)
    with timezone.override(CHICAGO):
        lines = [
            (entry.kind, entry.text, entry.actor)
            for entry in ticket_timeline(ticket)
            if entry.kind == TicketEvent.Kind.CLOCK_RECOMPUTE
        ]
    assert lines == [
        (
            "clock_recompute",
            "First response clock recomputed: due 2026-11-11 10:00 CST → 2026-11-10 22:00 CST",
            "Kim Lee",
        ),
        ("clock_recompute", "First response clock recomputed: due unchanged", "system"),
    ]


def test_an_agents_urgency_change_records_the_recompute_it_causes_as_theirs(kendrascottes):
    kim = agent_of(kendrascottes, username="kim")
    ticket = TicketFactory(brand=kendrascottes)

    ticket_urgency_set(ticket, True, actor=kim)

    [event] = ticket.events.filter(kind=TicketEvent.Kind.CLOCK_RECOMPUTE)
    assert event.actor == kim
    assert datetime.fromisoformat(event.after) < datetime.fromisoformat(event.before)
