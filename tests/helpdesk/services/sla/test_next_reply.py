"""The next-reply clock: every message the customer writes after our answer is answered within
the brand's reply targets (by default the first-response numbers)."""

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from brands.loader import brand_files_load
from brands.models import BrandMembership, SlaPolicy
from brands.promises import promise_text
from brands.services import policy_version_current
from helpdesk.models import SlaClock, Ticket
from helpdesk.services.sla.clocks import ticket_recompute_clocks
from helpdesk.services.sla.sweep import sla_sweep
from helpdesk.services.tickets.lifecycle import (
    ticket_add_note,
    ticket_customer_reply,
    ticket_reply,
    ticket_set_status,
)
from tests.conftest import SHIPPED_BRAND_FILES
from tests.factories import TicketFactory, agent_of

User = get_user_model()
CHICAGO = ZoneInfo("America/Chicago")
DENVER = ZoneInfo("America/Denver")
MONDAY = datetime(2026, 11, 9, 10, 0, tzinfo=CHICAGO)
TUESDAY = MONDAY + timedelta(days=1)


def agent(brand):
    """The brand's one agent, made on first use."""
    agents = User.objects.filter(
        brand_memberships__brand=brand, brand_memberships__role=BrandMembership.Role.AGENT
    )
    return agents.first() or agent_of(brand)


def answered_ticket(brand, **fields) -> Ticket:
    """A ticket an agent answered on Monday at noon."""
    ticket = TicketFactory(**({"brand": brand, "received_at": MONDAY} | fields))
    ticket_reply(ticket, author=agent(brand), body="Size 7 fits.", at=MONDAY + timedelta(hours=2))
    return ticket


def next_reply_clocks(ticket: Ticket):
    return ticket.clocks.filter(kind=SlaClock.Kind.NEXT_REPLY)


def running_next_reply(ticket: Ticket) -> SlaClock:
    return next_reply_clocks(ticket).get(state=SlaClock.State.RUNNING)


@pytest.mark.django_db
def test_a_follow_up_after_an_answer_puts_the_ticket_on_a_running_reply_clock(kendrascottes):
    ticket = answered_ticket(kendrascottes)
    ticket_customer_reply(ticket, body="And for a size 8?", received_at=TUESDAY)
    clock = running_next_reply(ticket)
    # The first-response numbers: 24 / 48 business hours.
    assert clock.started_at == TUESDAY
    assert clock.mode == SlaClock.Mode.BUSINESS
    assert clock.target_at == datetime(2026, 11, 11, 10, 0, tzinfo=CHICAGO)
    assert clock.latest_at == datetime(2026, 11, 12, 10, 0, tzinfo=CHICAGO)
    assert clock.next_check_at == clock.target_at


@pytest.mark.django_db
def test_two_follow_ups_before_our_answer_are_one_clock_started_by_the_first(kendrascottes):
    ticket = answered_ticket(kendrascottes)
    ticket_customer_reply(ticket, body="And for a size 8?", received_at=TUESDAY)
    ticket_customer_reply(ticket, body="Hello?", received_at=TUESDAY + timedelta(hours=5))
    (clock,) = next_reply_clocks(ticket)
    assert (clock.state, clock.started_at) == (SlaClock.State.RUNNING, TUESDAY)


@pytest.mark.django_db
def test_a_message_before_our_first_answer_starts_no_reply_clock(kendrascottes):
    ticket = TicketFactory(brand=kendrascottes, received_at=MONDAY)
    ticket_customer_reply(ticket, body="One more thing", received_at=MONDAY + timedelta(hours=1))
    assert not next_reply_clocks(ticket).exists()
    assert ticket.clocks.get(kind=SlaClock.Kind.FIRST_RESPONSE).state == SlaClock.State.RUNNING


@pytest.mark.django_db
def test_an_urgent_ticket_gets_the_urgent_number_in_the_policys_clock(kendrascottes, crocso):
    ticket = answered_ticket(kendrascottes, is_urgent=True)
    ticket_customer_reply(ticket, body="Still broken", received_at=TUESDAY)
    clock = running_next_reply(ticket)
    # Kendrascottes: 12 business hours, the warning at 75% of them.
    assert clock.latest_at - TUESDAY == timedelta(hours=12)
    assert clock.target_at - TUESDAY == timedelta(hours=9)

    # Crocso: 24 calendar hours, so a Friday message is due on Saturday.
    friday = datetime(2026, 11, 13, 10, 0, tzinfo=DENVER)
    ticket = TicketFactory(brand=crocso, received_at=friday - timedelta(hours=3), is_urgent=True)
    ticket_reply(ticket, author=agent(crocso), body="On it", at=friday - timedelta(hours=1))
    ticket_customer_reply(ticket, body="Wrong item again", received_at=friday)
    clock = running_next_reply(ticket)
    assert clock.mode == SlaClock.Mode.CALENDAR
    assert clock.latest_at == datetime(2026, 11, 14, 10, 0, tzinfo=DENVER)


@pytest.mark.django_db
def test_another_language_extends_the_reply_clock(kendrascottes):
    ticket = answered_ticket(kendrascottes, language="fr")
    ticket_customer_reply(ticket, body="Et en taille 8 ?", received_at=TUESDAY)
    clock = running_next_reply(ticket)
    assert clock.target_at == datetime(2026, 11, 12, 10, 0, tzinfo=CHICAGO)
    assert clock.latest_at == datetime(2026, 11, 13, 10, 0, tzinfo=CHICAGO)


@pytest.mark.django_db
def test_an_agents_answer_stops_the_reply_clock_and_an_internal_note_does_not(kendrascottes):
    ticket = answered_ticket(kendrascottes)
    ticket_customer_reply(ticket, body="And for a size 8?", received_at=TUESDAY)
    agent_user = agent(kendrascottes)
    ticket_add_note(ticket, author=agent_user, body="Ask the workshop")
    assert running_next_reply(ticket).stopped_at is None

    answer_at = TUESDAY + timedelta(hours=3)
    ticket_reply(ticket, author=agent_user, body="Size 8 too.", at=answer_at)
    (clock,) = next_reply_clocks(ticket)
    assert (clock.state, clock.stopped_at) == (SlaClock.State.STOPPED, answer_at)

    # The next message after that answer is a new clock.
    ticket_customer_reply(
        ticket, body="Thanks, and a 9?", received_at=answer_at + timedelta(hours=1)
    )
    assert next_reply_clocks(ticket).count() == 2
    assert running_next_reply(ticket).started_at == answer_at + timedelta(hours=1)


@pytest.mark.django_db
def test_a_message_to_a_ticket_waiting_on_the_customer_starts_the_reply_clock(kendrascottes):
    ticket = TicketFactory(brand=kendrascottes, received_at=MONDAY)
    ticket_reply(
        ticket,
        author=agent(kendrascottes),
        body="Which size?",
        status=Ticket.Status.WAITING,
        at=MONDAY + timedelta(hours=2),
    )
    ticket_customer_reply(ticket, body="Size 7", received_at=TUESDAY)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert running_next_reply(ticket).started_at == TUESDAY


@pytest.mark.django_db
def test_a_paused_reply_clock_is_the_same_clock_when_the_customer_writes_again(kendrascottes):
    ticket = answered_ticket(kendrascottes)
    ticket_customer_reply(ticket, body="And for a size 8?", received_at=TUESDAY)
    ticket_set_status(ticket, Ticket.Status.WAITING, at=TUESDAY + timedelta(hours=1))
    ticket_customer_reply(ticket, body="Size 8", received_at=TUESDAY + timedelta(hours=5))
    (clock,) = next_reply_clocks(ticket)
    assert (clock.state, clock.started_at) == (SlaClock.State.RUNNING, TUESDAY)
    # The four hours it waited on the customer are given back.
    assert clock.latest_at == datetime(2026, 11, 12, 14, 0, tzinfo=CHICAGO)


@pytest.mark.django_db
def test_the_brand_file_sets_the_reply_targets_as_a_new_policy_version(kendrascottes, tmp_path):
    before = policy_version_current(kendrascottes)
    assert before.snapshot["policy.next_reply_latest_hours"] is None
    paths = []
    for path in SHIPPED_BRAND_FILES:
        text = Path(path).read_text()
        if Path(path).name == "kendrascottes.toml":
            text = (
                text.replace("next_reply_target_hours = false", "next_reply_target_hours = 8")
                .replace("next_reply_latest_hours = false", "next_reply_latest_hours = 16")
                .replace(
                    "next_reply_urgent_latest_hours = false", "next_reply_urgent_latest_hours = 6"
                )
            )
        paths.append(tmp_path / Path(path).name)
        paths[-1].write_text(text)
    brand_files_load(paths)

    after = policy_version_current(kendrascottes)
    assert after.number == before.number + 1
    assert after.changes["policy.next_reply_target_hours"] == [None, "8"]
    assert after.changes["policy.next_reply_latest_hours"] == [None, "16"]
    assert after.changes["policy.next_reply_urgent_latest_hours"] == [None, "6"]

    kendrascottes.refresh_from_db()
    ticket = answered_ticket(kendrascottes)
    ticket_customer_reply(ticket, body="And for a size 8?", received_at=TUESDAY)
    clock = running_next_reply(ticket)
    assert clock.target_at - TUESDAY == timedelta(hours=8)
    assert clock.latest_at - TUESDAY == timedelta(hours=16)
    # The first response keeps its own numbers.
    first = ticket.clocks.get(kind=SlaClock.Kind.FIRST_RESPONSE)
    assert first.latest_at - first.started_at == timedelta(hours=48)


@pytest.mark.django_db
def test_a_reply_target_after_its_latest_is_refused(kendrascottes):
    policy = SlaPolicy.objects.get(brand=kendrascottes)
    policy.next_reply_target_hours = 60  # beyond the first response's 48, taken as latest
    with pytest.raises(Exception, match="next reply"):
        policy.full_clean()


# -------------------------------------------------------------------------- the sweep


@pytest.mark.django_db
def test_the_sweep_warns_breaches_and_escalates_a_reply_clock(
    kendrascottes, django_capture_on_commit_callbacks
):
    agent_of(kendrascottes, BrandMembership.Role.SENIOR, email="senior@ks.example")
    ticket = answered_ticket(kendrascottes)
    ticket_customer_reply(ticket, body="And for a size 8?", received_at=TUESDAY)
    warning_at = datetime(2026, 11, 11, 10, 0, tzinfo=CHICAGO)
    breach_at = datetime(2026, 11, 12, 10, 0, tzinfo=CHICAGO)

    with django_capture_on_commit_callbacks(execute=True):
        assert sla_sweep(now=warning_at - timedelta(minutes=1)) == 0
        assert sla_sweep(now=warning_at) == 1
    clock = running_next_reply(ticket)
    assert clock.warned_at == warning_at
    (alert,) = [m for m in mail.outbox if "Due soon" in m.subject]
    assert f"Due soon: next reply by {promise_text(breach_at, 'America/Chicago')}" in alert.subject

    with django_capture_on_commit_callbacks(execute=True):
        assert sla_sweep(now=breach_at) == 1
        assert sla_sweep(now=breach_at) == 0
    ticket.refresh_from_db()
    assert ticket.tier == 2
    events = ticket.sla_events.order_by("id").values_list("kind", "clock__kind", "tier")
    assert list(events) == [
        ("warning", "next_reply", 1),
        ("breach", "next_reply", 1),
        ("escalation", "tier_response", 2),
    ]
    (escalation,) = [m for m in mail.outbox if "senior@ks.example" in m.to]
    assert "next reply breached" in escalation.body.lower()


@pytest.mark.django_db
def test_recomputing_a_reply_clock_applies_the_current_reply_targets(kendrascottes):
    ticket = answered_ticket(kendrascottes)
    ticket_customer_reply(ticket, body="And for a size 8?", received_at=TUESDAY)
    SlaPolicy.objects.filter(brand=kendrascottes).update(
        next_reply_target_hours=8, next_reply_latest_hours=16
    )

    ticket_recompute_clocks(ticket, TUESDAY + timedelta(hours=1))

    clock = running_next_reply(ticket)
    assert (clock.target_at, clock.latest_at) == (
        TUESDAY + timedelta(hours=8),
        TUESDAY + timedelta(hours=16),
    )
