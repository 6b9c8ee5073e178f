"""The audit trail: each change on a ticket is recorded with who made it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from brands.models import BrandMembership
from helpdesk.models import SlaClock, Ticket, TicketEvent
from helpdesk.services.api_keys import api_key_create
from helpdesk.services.intake.storefront import ticket_reply_from_customer
from helpdesk.services.sla.sweep import sla_sweep
from helpdesk.services.tickets.customer_escalation import ticket_escalate_on_request
from helpdesk.services.tickets.language import ticket_language_set
from helpdesk.services.tickets.lifecycle import (
    ticket_assign,
    ticket_customer_reply,
    ticket_details_save,
    ticket_escalate,
    ticket_reply,
    ticket_set_status,
)
from helpdesk.services.tickets.merge import ticket_merge
from tests.factories import TicketFactory, agent_of

pytestmark = pytest.mark.django_db


def events(ticket: Ticket, kind: str) -> list[TicketEvent]:
    return list(ticket.events.filter(kind=kind))


def test_a_status_change_is_recorded_with_the_agent_and_the_clocks_it_paused(kendrascottes):
    agent = agent_of(kendrascottes)
    ticket = TicketFactory(brand=kendrascottes)
    ticket_set_status(ticket, Ticket.Status.WAITING, actor=agent)
    [status] = events(ticket, TicketEvent.Kind.STATUS)
    assert (status.before, status.after, status.actor, status.actor_kind) == (
        "new",
        "waiting",
        agent,
        TicketEvent.ActorKind.AGENT,
    )
    [pause] = events(ticket, TicketEvent.Kind.CLOCK_PAUSE)
    assert pause.actor == agent and pause.detail == "First response"


def test_the_customers_reply_resumes_the_clocks_as_the_customer(kendrascottes):
    ticket = TicketFactory(brand=kendrascottes)
    ticket_set_status(ticket, Ticket.Status.WAITING)
    ticket_customer_reply(ticket, body="Here is the photo.")
    resumed = events(ticket, TicketEvent.Kind.STATUS)[-1]
    assert (resumed.after, resumed.actor_kind) == ("open", TicketEvent.ActorKind.CUSTOMER)
    [resume] = events(ticket, TicketEvent.Kind.CLOCK_RESUME)
    assert resume.actor_kind == TicketEvent.ActorKind.CUSTOMER


def test_a_new_ticket_records_its_clocks_starting_as_the_system(kendrascottes):
    ticket = TicketFactory(brand=kendrascottes)
    [start] = events(ticket, TicketEvent.Kind.CLOCK_START)
    assert (start.detail, start.actor_kind) == ("First response", TicketEvent.ActorKind.SYSTEM)


def test_an_assignment_names_who_gave_it_to_whom(kendrascottes):
    agent, other = agent_of(kendrascottes), agent_of(kendrascottes, username="other")
    ticket = TicketFactory(brand=kendrascottes)
    ticket_assign(ticket, other, actor=agent)
    ticket_assign(ticket, other, actor=agent)  # no change, nothing recorded
    ticket_assign(ticket, None, actor=other)
    assigned, unassigned = events(ticket, TicketEvent.Kind.ASSIGNEE)
    assert (assigned.before, assigned.after, assigned.actor) == ("", "other", agent)
    assert (unassigned.before, unassigned.after, unassigned.actor) == ("other", "", other)


def test_who_escalated_is_recorded_agent_customer_or_api_key(kendrascottes):
    agent = agent_of(kendrascottes)
    by_agent = TicketFactory(brand=kendrascottes)
    ticket_escalate(by_agent, actor=agent)
    [tier] = events(by_agent, TicketEvent.Kind.TIER)
    assert (tier.before, tier.after, tier.actor) == ("1", "2", agent)

    by_mail = TicketFactory(brand=kendrascottes)
    ticket_escalate(by_mail, by_customer=True)
    [tier] = events(by_mail, TicketEvent.Kind.TIER)
    assert tier.actor_kind == TicketEvent.ActorKind.CUSTOMER and tier.detail == "on request"


def test_an_escalation_through_the_storefront_names_its_key(crocso):
    key, _ = api_key_create(crocso, name="Crocso shop")
    ticket = TicketFactory(brand=crocso, received_at=timezone.now() - timedelta(days=1))
    ticket_reply(ticket, author=agent_of(crocso), body="Here is what we can do.")
    ticket.refresh_from_db()
    ticket_escalate_on_request(ticket, actor=key)
    [tier] = events(ticket, TicketEvent.Kind.TIER)
    assert (tier.actor_kind, tier.api_key) == (TicketEvent.ActorKind.API_KEY, key)


def test_category_urgency_and_language_changes_are_recorded(kendrascottes):
    agent = agent_of(kendrascottes)
    ticket = TicketFactory(brand=kendrascottes)
    ticket.category = kendrascottes.categories.get(slug="account")
    ticket.is_urgent = True
    ticket_details_save(ticket, ["category", "is_urgent"], actor=agent)
    [category] = events(ticket, TicketEvent.Kind.CATEGORY)
    [urgency] = events(ticket, TicketEvent.Kind.URGENCY)
    assert (category.before, category.actor) == ("", agent)
    assert category.after == ticket.category.name
    assert (urgency.before, urgency.after) == ("normal", "urgent")
    ticket_language_set(ticket, "fr", actor=agent)
    [language] = events(ticket, TicketEvent.Kind.LANGUAGE)
    assert (language.before, language.after, language.actor) == ("", "fr", agent)


def test_a_merge_is_recorded_on_both_tickets(kendrascottes):
    agent = agent_of(kendrascottes)
    duplicate, target = TicketFactory(brand=kendrascottes), TicketFactory(brand=kendrascottes)
    ticket_merge(duplicate, into=target, actor=agent)
    [into] = events(duplicate, TicketEvent.Kind.MERGE)
    [here] = events(target, TicketEvent.Kind.MERGE)
    assert (into.after, into.actor) == (target.reference, agent)
    assert (here.after, here.actor) == (duplicate.reference, agent)


def test_a_breach_escalation_by_the_sweep_is_the_systems(kendrascottes):
    agent_of(kendrascottes, BrandMembership.Role.SENIOR)
    ticket = TicketFactory(brand=kendrascottes, received_at=timezone.now() - timedelta(days=30))
    sla_sweep()
    [tier] = events(ticket, TicketEvent.Kind.TIER)
    assert tier.actor_kind == TicketEvent.ActorKind.SYSTEM
    assert tier.detail == f"{SlaClock.Kind.FIRST_RESPONSE.label} breached"


def test_a_storefront_customers_reply_is_the_customers(kendrascottes):
    ticket = TicketFactory(brand=kendrascottes)
    ticket_set_status(ticket, Ticket.Status.RESOLVED)
    ticket_reply_from_customer(ticket, message="Still broken.")
    reopened = events(ticket, TicketEvent.Kind.STATUS)[-1]
    assert (reopened.before, reopened.after) == ("resolved", "open")
    assert reopened.actor_kind == TicketEvent.ActorKind.CUSTOMER
