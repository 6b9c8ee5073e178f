"""With the broker unreachable, work is still accepted and stored, and goes out afterwards."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from brands.memberships import membership_revoke
from brands.models import BrandMembership
from helpdesk.models import OutboundEmail, SlaEvent
from helpdesk.services.outbox.sending import outbox_requeue_stuck
from helpdesk.services.sla.sweep import sla_sweep
from helpdesk.services.tickets.lifecycle import ticket_assign, ticket_escalate
from tests.conftest import celery_broker
from tests.factories import TicketFactory, agent_of

CHICAGO = ZoneInfo("America/Chicago")
# Nothing listens on port 1: connecting is refused at once, as with a stopped Redis.
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def broker_down():
    with celery_broker(UNREACHABLE_BROKER) as app:
        yield app


@pytest.mark.django_db
def test_tickets_and_alerts_are_kept_while_the_broker_is_down_and_sent_after(
    kendrascottes, broker_down, django_capture_on_commit_callbacks
):
    agent_of(kendrascottes, email="agent@ks.example")
    agent_of(kendrascottes, BrandMembership.Role.SENIOR, email="senior@ks.example")
    received = datetime(2026, 11, 9, 10, 0, tzinfo=CHICAGO)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = TicketFactory(brand=kendrascottes, received_at=received)
        sla_sweep(now=received + timedelta(hours=25))
        ticket_escalate(ticket)
    assert SlaEvent.objects.filter(ticket=ticket).count() == 2  # warning, escalation
    queued = OutboundEmail.objects.filter(status=OutboundEmail.Status.QUEUED)
    assert queued.count() == 2
    assert mail.outbox == []

    broker_down.conf.update(task_always_eager=True)  # the broker is back (tasks run here)
    with django_capture_on_commit_callbacks(execute=True):
        requeued = outbox_requeue_stuck(now=datetime.now(tz=CHICAGO) + timedelta(minutes=10))
    assert requeued == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["agent@ks.example", "senior@ks.example"]
    assert not OutboundEmail.objects.exclude(status=OutboundEmail.Status.SENT).exists()


@pytest.mark.django_db
def test_an_agent_who_leaves_while_the_broker_is_down_still_hands_their_tickets_on(
    kendrascottes, broker_down, django_capture_on_commit_callbacks
):
    ann = agent_of(kendrascottes, username="ann")
    ticket = TicketFactory(brand=kendrascottes)
    ticket_assign(ticket, ann)

    with django_capture_on_commit_callbacks(execute=True):
        membership_revoke(BrandMembership.objects.get(user=ann))

    ticket.refresh_from_db()
    assert ticket.assignee is None  # no row would have remembered it for later
