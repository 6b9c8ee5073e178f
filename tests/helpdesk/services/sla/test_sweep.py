import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import DatabaseError, connection, connections, transaction

from brands.models import DEFAULT_ESCALATION_PHRASES, Brand, BrandMembership, phrase_lines
from brands.services import phrase_pattern
from helpdesk.models import OutboundEmail, SlaClock, SlaEvent, Ticket
from helpdesk.services.sla import sweep as sweep_service
from helpdesk.services.sla.sweep import sla_sweep
from helpdesk.services.tickets.lifecycle import (
    ticket_escalate,
    ticket_reply,
    ticket_set_status,
)
from tests.factories import TicketFactory, agent_of
from tests.notices import notices_window_passes

CHICAGO = ZoneInfo("America/Chicago")
MONDAY = datetime(2026, 11, 9, 10, 0, tzinfo=CHICAGO)


@pytest.fixture
def staff(kendrascottes):
    return {
        "agent": agent_of(kendrascottes, email="agent@ks.example"),
        "senior": agent_of(kendrascottes, BrandMembership.Role.SENIOR, email="senior@ks.example"),
    }


def clock_of(ticket: Ticket, kind: str) -> SlaClock:
    return ticket.clocks.exclude(state="stopped").get(kind=kind)


def sweep(at: datetime, capture) -> int:
    with capture(execute=True):
        return sla_sweep(now=at)


def sent_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


@pytest.mark.django_db
def test_the_target_fires_a_warning_to_the_tiers_agents(
    kendrascottes, staff, django_capture_on_commit_callbacks
):
    ticket = TicketFactory(brand=kendrascottes, received_at=MONDAY)
    assert sweep(MONDAY + timedelta(hours=23), django_capture_on_commit_callbacks) == 0
    assert sweep(MONDAY + timedelta(hours=24), django_capture_on_commit_callbacks) == 1
    event = ticket.sla_events.get()
    assert (event.kind, event.tier) == ("warning", 1)
    assert event.due_at == datetime(2026, 11, 10, 10, 0, tzinfo=CHICAGO)
    (alert,) = sent_to("agent@ks.example")
    assert alert.subject.startswith(f"[{ticket.reference}] Due soon")
    assert clock_of(ticket, "first_response").next_check_at == datetime(
        2026, 11, 11, 10, 0, tzinfo=CHICAGO
    )


@pytest.mark.django_db
def test_a_warning_goes_to_the_assignee_alone_when_there_is_one(
    kendrascottes, staff, django_capture_on_commit_callbacks
):
    ticket = TicketFactory(brand=kendrascottes, received_at=MONDAY)
    Ticket.objects.filter(pk=ticket.pk).update(assignee=staff["agent"])
    agent_of(kendrascottes, username="other", email="other@ks.example")
    sweep(MONDAY + timedelta(hours=25), django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [["agent@ks.example"]]


@pytest.mark.django_db
def test_a_breach_escalates_to_the_senior_tier_and_starts_its_window(
    kendrascottes, staff, django_capture_on_commit_callbacks
):
    ticket = TicketFactory(brand=kendrascottes, received_at=MONDAY)
    breach_time = datetime(2026, 11, 11, 10, 0, tzinfo=CHICAGO)
    assert sweep(breach_time, django_capture_on_commit_callbacks) == 2
    ticket.refresh_from_db()
    assert ticket.tier == 2
    kinds = list(ticket.sla_events.order_by("id").values_list("kind", "tier"))
    assert kinds == [("warning", 1), ("breach", 1), ("escalation", 2)]
    window = clock_of(ticket, "tier_response")
    assert (window.tier, window.started_at) == (2, breach_time)
    assert window.target_at == datetime(2026, 11, 12, 10, 0, tzinfo=CHICAGO)
    assert window.latest_at == datetime(2026, 11, 13, 10, 0, tzinfo=CHICAGO)
    (escalation,) = sent_to("senior@ks.example")
    assert "Escalated to tier 2" in escalation.subject
    assert "Friday 13 November, 10:00 AM CST" in escalation.body


@pytest.mark.django_db
def test_a_breach_at_the_top_tier_alerts_the_seniors(
    kendrascottes, staff, django_capture_on_commit_callbacks
):
    ticket = TicketFactory(brand=kendrascottes, received_at=MONDAY)
    sweep(datetime(2026, 11, 11, 10, 0, tzinfo=CHICAGO), django_capture_on_commit_callbacks)
    mail.outbox.clear()
    sweep(datetime(2026, 11, 13, 10, 0, tzinfo=CHICAGO), django_capture_on_commit_callbacks)
    ticket.refresh_from_db()
    assert ticket.tier == 2
    subjects = [m.subject for m in sent_to("senior@ks.example")]
    assert any("Due soon" in s for s in subjects)
    assert any("Breached: escalation tier response" in s for s in subjects)


@pytest.mark.django_db
def test_sweeping_again_fires_nothing_twice(
    kendrascottes, staff, django_capture_on_commit_callbacks
):
    TicketFactory(brand=kendrascottes, received_at=MONDAY)
    late = datetime(2026, 11, 20, 10, 0, tzinfo=CHICAGO)
    first = sweep(late, django_capture_on_commit_callbacks)
    mails = len(mail.outbox)
    assert sweep(late, django_capture_on_commit_callbacks) == 0
    assert sweep(late + timedelta(minutes=1), django_capture_on_commit_callbacks) == 0
    assert SlaEvent.objects.count() == first + 1  # plus the escalation event
    assert len(mail.outbox) == mails


@pytest.mark.django_db
def test_a_paused_clock_does_not_fire(kendrascottes, staff, django_capture_on_commit_callbacks):
    ticket = TicketFactory(brand=kendrascottes, received_at=MONDAY)
    ticket_set_status(ticket, Ticket.Status.WAITING, at=MONDAY + timedelta(hours=1))
    assert (
        sweep(datetime(2026, 11, 30, 10, 0, tzinfo=CHICAGO), django_capture_on_commit_callbacks)
        == 0
    )
    assert not SlaEvent.objects.exists()


@pytest.mark.django_db
def test_the_sweep_reads_a_fixed_number_of_queries_per_batch(
    kendrascottes, staff, django_assert_max_num_queries
):
    for _ in range(30):
        TicketFactory(brand=kendrascottes, received_at=MONDAY)
    with django_assert_max_num_queries(13):  # 12, and the sweep's heartbeat
        assert sla_sweep(now=MONDAY + timedelta(hours=25)) == 30


@pytest.mark.django_db
def test_an_agent_reply_answers_the_first_response_and_starts_the_update_cadence(
    kendrascottes, staff
):
    ticket = TicketFactory(brand=kendrascottes, received_at=MONDAY)
    tuesday = MONDAY + timedelta(days=1)
    ticket_reply(ticket, author=staff["agent"], body="Looking into it", at=tuesday)
    ticket.refresh_from_db()
    assert ticket.first_responded_at == tuesday
    assert ticket.clocks.get(kind="first_response").state == "stopped"
    cadence = clock_of(ticket, "periodic_update")
    assert cadence.target_at == datetime(2026, 11, 13, 10, 0, tzinfo=CHICAGO)  # 3 business days
    assert cadence.latest_at == datetime(2026, 11, 17, 10, 0, tzinfo=CHICAGO)  # 5 business days


@pytest.mark.django_db
def test_every_reply_restarts_the_update_cadence(kendrascottes, staff):
    ticket = TicketFactory(brand=kendrascottes, received_at=MONDAY)
    ticket_reply(ticket, author=staff["agent"], body="First", at=MONDAY + timedelta(hours=1))
    thursday = datetime(2026, 11, 12, 15, 0, tzinfo=CHICAGO)
    ticket_reply(ticket, author=staff["agent"], body="Refund is on its way", at=thursday)
    cadence = clock_of(ticket, "periodic_update")
    assert cadence.started_at == thursday
    assert cadence.target_at == datetime(2026, 11, 17, 15, 0, tzinfo=CHICAGO)
    assert ticket.clocks.filter(kind="periodic_update").count() == 2


@pytest.mark.django_db
def test_the_update_reminder_goes_to_the_agent(
    kendrascottes, staff, django_capture_on_commit_callbacks
):
    ticket = TicketFactory(brand=kendrascottes, received_at=MONDAY)
    ticket_reply(ticket, author=staff["agent"], body="On it", at=MONDAY)
    mail.outbox.clear()
    sweep(datetime(2026, 11, 12, 10, 0, 1, tzinfo=CHICAGO), django_capture_on_commit_callbacks)
    (reminder,) = sent_to("agent@ks.example")
    assert "An update to the customer is owed" in reminder.subject
    assert ticket.sla_events.get().clock.kind == "periodic_update"


@pytest.mark.django_db
def test_crocso_has_no_update_cadence_but_tells_the_customer_each_step(crocso):
    agent = agent_of(crocso, email="agent@cr.example")
    ticket = TicketFactory(brand=crocso, received_at=MONDAY)
    ticket_reply(ticket, author=agent, body="We are checking", at=MONDAY)
    assert not ticket.clocks.filter(kind="periodic_update").exists()
    ticket_set_status(ticket, Ticket.Status.RESOLVED, at=MONDAY + timedelta(hours=2))
    notices_window_passes()
    notice = OutboundEmail.objects.get(kind=OutboundEmail.Kind.STATUS_NOTICE)
    assert notice.to == ["ann@customer.example"]


@pytest.mark.django_db
def test_a_complaint_gets_the_resolution_proposal_clock(kendrascottes):
    ticket = TicketFactory(
        brand=kendrascottes,
        received_at=MONDAY,
        category=kendrascottes.categories.get(slug="complaint"),
        order_number="KS-1",
    )
    proposal = clock_of(ticket, "complaint_proposal")
    assert proposal.latest_at == datetime(2026, 11, 11, 10, 0, tzinfo=CHICAGO)
    assert proposal.target_at == datetime(2026, 11, 10, 22, 0, tzinfo=CHICAGO)  # 75% of 48


@pytest.mark.django_db
def test_a_reply_proposing_a_resolution_answers_the_complaint_clock(kendrascottes, staff):
    ticket = TicketFactory(
        brand=kendrascottes,
        received_at=MONDAY,
        category=kendrascottes.categories.get(slug="complaint"),
        order_number="KS-1",
    )
    ticket_reply(
        ticket,
        author=staff["agent"],
        body="We will replace it",
        proposes_resolution=True,
        at=MONDAY + timedelta(hours=3),
    )
    assert ticket.clocks.get(kind="complaint_proposal").state == "stopped"


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("Please ESCALATE this", True),
        ("I want this escalated now", True),
        ("Can a senior   team member look?", True),
        ("Our management team is fine", False),  # "manager" is a whole word
        ("A seniority question", False),
        ("Escalation, please.", True),
    ],
)
def test_escalation_phrases_match_whole_words_and_stems(text, asks):
    pattern = phrase_pattern(phrase_lines(DEFAULT_ESCALATION_PHRASES))
    assert bool(pattern.search(text)) is asks


def test_no_phrases_make_no_pattern():
    assert phrase_pattern(["", "  *  "]) is None


@pytest.mark.parametrize(
    ("text", "found"),
    [("Please help! It broke.", True), ("(urgent) reply", True), ("helpless", False)],
)
def test_phrases_may_begin_or_end_with_punctuation(text, found):
    assert bool(phrase_pattern(["help!", "(urgent)"]).search(text)) is found


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL SKIP LOCKED")
def test_two_sweeps_at_once_fire_each_event_once(kendrascottes):
    agent_of(kendrascottes, email="agent@ks.example")
    for _ in range(40):
        TicketFactory(brand=kendrascottes, received_at=MONDAY)
    at = MONDAY + timedelta(hours=25)
    results, barrier = [], threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        try:
            results.append(sla_sweep(now=at, batch_size=5))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 40
    assert SlaEvent.objects.filter(kind="warning").count() == 40
    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.STAFF_ALERT).count() == 40


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL SKIP LOCKED")
def test_the_sweep_leaves_a_ticket_someone_is_working_on_and_its_clocks_free(
    kendrascottes, monkeypatch
):
    agent_of(kendrascottes, email="agent@ks.example")
    agent_of(kendrascottes, BrandMembership.Role.SENIOR, email="senior@ks.example")
    busy, idle = (
        TicketFactory(brand=kendrascottes, received_at=MONDAY),
        TicketFactory(brand=kendrascottes, received_at=MONDAY),
    )
    at = MONDAY + timedelta(hours=49)  # both first responses breached: the idle one escalates
    locked, sweeping, answered = threading.Event(), threading.Event(), threading.Event()
    clock_was_free = []

    def reply_to_busy_ticket() -> None:
        # As a reply does: the ticket's lock first, then its clock, here while the sweep is
        # in the middle of its work (NOWAIT: a clock the sweep held would fail at once).
        try:
            with transaction.atomic():
                Ticket.objects.for_update().get(pk=busy.pk)
                locked.set()
                assert sweeping.wait(timeout=30)
                clock = busy.clocks.get(kind="first_response")
                try:
                    SlaClock.objects.select_for_update(nowait=True).get(pk=clock.pk)
                    clock_was_free.append(True)
                except DatabaseError:
                    clock_was_free.append(False)
                answered.set()
        finally:
            connections.close_all()

    real_fire = sweep_service._fire

    def fire_while_the_reply_works(clocks, now):
        sweeping.set()
        assert answered.wait(timeout=30)
        return real_fire(clocks, now)

    monkeypatch.setattr(sweep_service, "_fire", fire_while_the_reply_works)
    worker = threading.Thread(target=reply_to_busy_ticket)
    worker.start()
    try:
        assert locked.wait(timeout=30)
        assert sla_sweep(now=at) == 2  # the idle ticket's warning and breach
    finally:
        sweeping.set()
        worker.join()
    assert clock_was_free == [True]
    assert set(SlaEvent.objects.values_list("ticket_id", flat=True)) == {idle.pk}
    assert Ticket.objects.get(pk=idle.pk).tier == 2
    monkeypatch.setattr(sweep_service, "_fire", real_fire)
    assert sla_sweep(now=at) == 2  # the next sweep fires what was left
    assert SlaEvent.objects.filter(ticket=busy, kind=SlaEvent.Kind.BREACH).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_working_on_a_ticket_locks_the_ticket_not_its_brand(kendrascottes):
    ticket = TicketFactory(brand=kendrascottes, received_at=MONDAY)
    locked, done = threading.Event(), threading.Event()

    def escalate() -> None:
        # ticket_escalate holds the ticket's lock until its transaction ends; the check runs
        # while it does.
        try:
            with transaction.atomic():
                ticket_escalate(ticket, by_customer=True)
                locked.set()
                assert done.wait(timeout=30)
        finally:
            connections.close_all()

    worker = threading.Thread(target=escalate)
    worker.start()
    try:
        assert locked.wait(timeout=30)
        with transaction.atomic():  # as a policy save or another ticket's writer would
            Brand.objects.select_for_update(nowait=True).get(pk=kendrascottes.pk)
            with pytest.raises(DatabaseError):
                Ticket.objects.select_for_update(nowait=True).get(pk=ticket.pk)
    finally:
        done.set()
        worker.join()
