"""Automatic assignment of new tickets, round-robin or least-open, among available agents."""

import pytest

from brands.models import Brand, BrandMembership, StaffPreference
from helpdesk.models import Alert, Ticket, TicketEvent
from helpdesk.services.tickets.lifecycle import ticket_set_status
from tests.factories import TicketFactory, agent_of

pytestmark = pytest.mark.django_db


def turn_on(brand: Brand, rule: str) -> None:
    brand.auto_assign = rule
    brand.save(update_fields=["auto_assign"])


def owners(brand: Brand, count: int) -> list[str]:
    return [TicketFactory(brand=brand).assignee.username for _ in range(count)]


def test_off_leaves_new_tickets_in_the_queue(kendrascottes):
    agent_of(kendrascottes)
    assert TicketFactory(brand=kendrascottes).assignee is None


def test_round_robin_takes_turns_among_available_agents(kendrascottes):
    turn_on(kendrascottes, Brand.AutoAssign.ROUND_ROBIN)
    for name in ("ann", "bob", "cat"):
        agent_of(kendrascottes, username=name)
    away = agent_of(kendrascottes, username="away")
    StaffPreference.objects.create(user=away, is_available=False)
    agent_of(kendrascottes, BrandMembership.Role.SENIOR, username="senior")
    assert owners(kendrascottes, 6) == ["ann", "bob", "cat"] * 2


def test_least_open_gives_the_ticket_to_whoever_has_fewest_open(kendrascottes):
    turn_on(kendrascottes, Brand.AutoAssign.LEAST_OPEN)
    ann, bob = agent_of(kendrascottes, username="ann"), agent_of(kendrascottes, username="bob")
    assert owners(kendrascottes, 2) == ["ann", "bob"]
    for ticket in Ticket.objects.filter(assignee=bob):
        ticket_set_status(ticket, Ticket.Status.RESOLVED)
    # Ann has one open ticket, Bob none: Bob gets the next; then they are even and Ann has
    # waited longer.
    assert owners(kendrascottes, 3) == ["bob", "ann", "bob"]
    assert ann.assigned_tickets.exclude(status="resolved").count() == 2


def test_an_automatic_assignment_is_the_systems_and_alerts_the_agent(kendrascottes):
    turn_on(kendrascottes, Brand.AutoAssign.ROUND_ROBIN)
    ann = agent_of(kendrascottes, username="ann")
    ticket = TicketFactory(brand=kendrascottes)
    [event] = ticket.events.filter(kind=TicketEvent.Kind.ASSIGNEE)
    assert (event.after, event.actor_kind) == ("ann", TicketEvent.ActorKind.SYSTEM)
    assert Alert.objects.get(user=ann).kind == Alert.Kind.ASSIGNED


def test_nobody_available_leaves_the_ticket_unassigned(kendrascottes, crocso):
    turn_on(kendrascottes, Brand.AutoAssign.ROUND_ROBIN)
    agent_of(crocso)  # another brand's agent is never chosen
    away = agent_of(kendrascottes, username="away")
    StaffPreference.objects.create(user=away, is_available=False)
    assert TicketFactory(brand=kendrascottes).assignee is None
