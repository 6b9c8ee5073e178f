"""Automatic assignment, round-robin or least-open, among available agents: of new tickets,
of tickets nobody owns by the beat, and of reopened tickets whose agent has left."""

from datetime import timedelta

import pytest
from django.utils import timezone

from brands.memberships import membership_change, membership_revoke
from brands.models import Brand, BrandMembership, StaffPreference
from brands.services import staff_alerts_set
from helpdesk.models import Alert, Ticket, TicketEvent
from helpdesk.services.tickets.lifecycle import (
    ticket_assign,
    ticket_customer_reply,
    ticket_set_status,
    unowned_tickets_assign,
)
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


# -- tickets nobody owns: the beat's round and reopened tickets --------------------------------


def unavailable(user) -> None:
    staff_alerts_set(user, alert_delivery=StaffPreference.AlertDelivery.IN_APP, is_available=False)


def available(user) -> None:
    staff_alerts_set(user, alert_delivery=StaffPreference.AlertDelivery.IN_APP, is_available=True)


def test_the_beat_gives_a_ticket_that_found_nobody_to_the_first_agent_available(kendrascottes):
    turn_on(kendrascottes, Brand.AutoAssign.ROUND_ROBIN)
    ann = agent_of(kendrascottes, username="ann")
    unavailable(ann)
    ticket = TicketFactory(brand=kendrascottes)
    assert ticket.assignee is None
    assert unowned_tickets_assign() == 0  # still nobody there

    available(ann)
    assert unowned_tickets_assign() == 1

    ticket.refresh_from_db()
    assert ticket.assignee == ann
    [event] = ticket.events.filter(kind=TicketEvent.Kind.ASSIGNEE)
    assert (event.before, event.after, event.actor_kind) == ("", "ann", "system")
    assert event.detail == "automatic assignment: nobody owned it"
    [alert] = Alert.objects.filter(user=ann)
    assert (alert.kind, alert.ticket) == (Alert.Kind.ASSIGNED, ticket)
    assert unowned_tickets_assign() == 0  # a second run finds nothing left to do


def test_the_beat_hands_out_the_most_pressing_tickets_first_a_batch_at_a_time(kendrascottes):
    turn_on(kendrascottes, Brand.AutoAssign.ROUND_ROBIN)
    ann = agent_of(kendrascottes, username="ann")
    unavailable(ann)
    now = timezone.now()
    newest = TicketFactory(brand=kendrascottes, received_at=now - timedelta(minutes=5))
    oldest = TicketFactory(brand=kendrascottes, received_at=now - timedelta(hours=3))
    urgent = TicketFactory(
        brand=kendrascottes, received_at=now - timedelta(minutes=1), is_urgent=True
    )
    available(ann)

    assert unowned_tickets_assign(limit=2) == 2

    mine = set(Ticket.objects.filter(assignee=ann).values_list("pk", flat=True))
    assert mine == {urgent.pk, oldest.pk}  # the urgent one is due soonest, then the oldest
    assert unowned_tickets_assign(limit=2) == 1  # the next run goes on
    newest.refresh_from_db()
    assert newest.assignee == ann


def test_the_beat_leaves_finished_tickets_other_tiers_and_brands_without_the_rule(
    kendrascottes, crocso
):
    turn_on(kendrascottes, Brand.AutoAssign.ROUND_ROBIN)
    ann = agent_of(kendrascottes, username="ann")
    agent_of(crocso, username="carl")  # Crocso's rule is off
    unavailable(ann)
    resolved = TicketFactory(brand=kendrascottes)
    ticket_set_status(resolved, Ticket.Status.RESOLVED)
    senior_ticket = TicketFactory(brand=kendrascottes)
    Ticket.objects.filter(pk=senior_ticket.pk).update(tier=2)  # no senior is available
    TicketFactory(brand=crocso)
    available(ann)

    assert unowned_tickets_assign() == 0
    assert not Ticket.objects.filter(assignee__isnull=False).exists()


def test_switching_availability_off_keeps_the_tickets_one_has(kendrascottes):
    turn_on(kendrascottes, Brand.AutoAssign.ROUND_ROBIN)
    ann = agent_of(kendrascottes, username="ann")
    agent_of(kendrascottes, username="bob")
    ticket = TicketFactory(brand=kendrascottes)
    assert ticket.assignee == ann
    unavailable(ann)

    assert unowned_tickets_assign() == 0
    ticket_set_status(ticket, Ticket.Status.RESOLVED)
    ticket_customer_reply(ticket, body="One more question.")  # reopens it

    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee) == (Ticket.Status.OPEN, ann)
    assert ticket.events.filter(kind=TicketEvent.Kind.ASSIGNEE).count() == 1


def test_a_reopened_ticket_of_an_agent_who_left_the_brand_goes_to_one_available(kendrascottes):
    turn_on(kendrascottes, Brand.AutoAssign.ROUND_ROBIN)
    ann = agent_of(kendrascottes, username="ann")
    ticket = TicketFactory(brand=kendrascottes)
    ticket_set_status(ticket, Ticket.Status.RESOLVED)
    membership_revoke(BrandMembership.objects.get(user=ann))
    bob = agent_of(kendrascottes, username="bob")

    ticket_customer_reply(ticket, body="It broke again.")

    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee) == (Ticket.Status.OPEN, bob)
    event = ticket.events.filter(kind=TicketEvent.Kind.ASSIGNEE).last()
    assert (event.before, event.after, event.actor_kind) == ("ann", "bob", "system")
    assert event.detail == "automatic assignment: the assignee no longer works for the brand"
    assert set(Alert.objects.filter(user=bob).values_list("kind", flat=True)) == {
        Alert.Kind.ASSIGNED,
        Alert.Kind.CUSTOMER_REPLIED,
    }


def test_a_reopened_ticket_of_a_deactivated_agent_waits_unassigned_for_the_beat(kendrascottes):
    turn_on(kendrascottes, Brand.AutoAssign.LEAST_OPEN)
    ann = agent_of(kendrascottes, username="ann")
    bob = agent_of(kendrascottes, username="bob")
    unavailable(bob)
    ticket = TicketFactory(brand=kendrascottes)
    ticket_set_status(ticket, Ticket.Status.RESOLVED)
    ann.is_active = False
    ann.save(update_fields=["is_active"])

    ticket_customer_reply(ticket, body="Still waiting for the refund.")

    ticket.refresh_from_db()
    assert ticket.assignee is None  # nobody available: off the departed agent's hands
    available(bob)
    assert unowned_tickets_assign() == 1
    ticket.refresh_from_db()
    assert ticket.assignee == bob


def test_an_agent_who_leaves_the_brand_hands_their_open_tickets_back_when_the_rule_is_off(
    kendrascottes, crocso, django_capture_on_commit_callbacks
):
    ann = agent_of(kendrascottes, username="ann")
    BrandMembership.objects.create(user=ann, brand=crocso, role=BrandMembership.Role.AGENT)
    open_here = TicketFactory(brand=kendrascottes)
    done_here = TicketFactory(brand=kendrascottes)
    elsewhere = TicketFactory(brand=crocso)
    for ticket in (open_here, done_here, elsewhere):
        ticket_assign(ticket, ann)
    ticket_set_status(done_here, Ticket.Status.RESOLVED)

    with django_capture_on_commit_callbacks(execute=True):
        membership_revoke(BrandMembership.objects.get(user=ann, brand=kendrascottes))

    for ticket in (open_here, done_here, elsewhere):
        ticket.refresh_from_db()
    assert open_here.assignee is None  # in the colleagues' queue again
    assert (done_here.assignee, elsewhere.assignee) == (ann, ann)
    event = open_here.events.filter(kind=TicketEvent.Kind.ASSIGNEE).last()
    assert (event.before, event.after, event.actor_kind) == ("ann", "", "system")
    assert event.detail == "the assignee no longer works for the brand"


def test_an_agent_who_leaves_hands_their_open_tickets_to_whom_the_rule_chooses(
    kendrascottes, django_capture_on_commit_callbacks
):
    turn_on(kendrascottes, Brand.AutoAssign.ROUND_ROBIN)
    ann = agent_of(kendrascottes, username="ann")
    ticket = TicketFactory(brand=kendrascottes)
    assert ticket.assignee == ann
    bob = agent_of(kendrascottes, username="bob")

    with django_capture_on_commit_callbacks(execute=True):
        # Made an owner only: no longer one who answers the brand's tickets.
        membership = BrandMembership.objects.get(user=ann)
        previous = BrandMembership.objects.get(pk=membership.pk)
        membership.role = BrandMembership.Role.OWNER
        membership.save()
        membership_change(membership, previous)

    ticket.refresh_from_db()
    assert ticket.assignee == bob
    assert Alert.objects.filter(user=bob, kind=Alert.Kind.ASSIGNED, ticket=ticket).exists()


def test_a_deactivated_agent_hands_their_open_tickets_on(
    kendrascottes, django_capture_on_commit_callbacks
):
    ann = agent_of(kendrascottes, username="ann")
    ticket = TicketFactory(brand=kendrascottes)
    ticket_assign(ticket, ann)

    with django_capture_on_commit_callbacks(execute=True):
        ann.is_active = False
        ann.save()

    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_an_agent_who_keeps_another_role_there_keeps_their_tickets(
    kendrascottes, django_capture_on_commit_callbacks
):
    ann = agent_of(kendrascottes, username="ann")
    BrandMembership.objects.create(user=ann, brand=kendrascottes, role=BrandMembership.Role.SENIOR)
    ticket = TicketFactory(brand=kendrascottes)
    ticket_assign(ticket, ann)

    with django_capture_on_commit_callbacks(execute=True):
        membership_revoke(BrandMembership.objects.get(user=ann, role=BrandMembership.Role.AGENT))

    ticket.refresh_from_db()
    assert ticket.assignee == ann
