"""Sending mail while the database restarts or the worker dies, one dangerous moment at a time.

A restart ends every server process, so each connection breaks; `restart` does exactly that
to one connection (pg_terminate_backend), at the statement a test picks.
"""

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from django.core import mail
from django.db import OperationalError, connection, connections
from django.utils import timezone

from helpdesk.models import Message, OutboundEmail
from helpdesk.services.outbox import sending as outbound_service
from helpdesk.services.outbox.sending import outbound_send, outbox_requeue_stuck
from helpdesk.tasks import send_outbound_emails
from tests.conftest import celery_broker
from tests.factories import TicketFactory
from tests.helpdesk.mail import bounce_event, post_tracking

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="ends server processes as a PostgreSQL restart"
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def restart() -> Iterator[Callable]:
    """`restart(wrapper)` ends the server process of that connection, as a database restart
    does, and returns once it has ended (so the next statement on it fails)."""
    other = connections.create_connection("default")

    def terminate(wrapper) -> None:
        with other.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(%s, 10000)", [wrapper.connection.info.backend_pid]
            )

    yield terminate
    other.close()
    connection.close()  # perhaps broken, if a test failed before recovering it


@pytest.fixture
def queued(kendrascottes) -> OutboundEmail:
    """An acknowledgement in the outbox whose task is not run yet (no worker reads this broker)."""
    with celery_broker("memory://"):
        TicketFactory(brand=kendrascottes, acknowledge=True)
    return OutboundEmail.objects.get()


def is_claim(sql: str, params) -> bool:
    return sql.startswith('UPDATE "helpdesk_outboundemail"') and "sending" in (params or ())


def test_a_restart_between_claim_and_send_neither_stops_the_mail_nor_leaves_it_sending(
    queued, restart
):
    restarted = []

    def restart_after_the_claim(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if is_claim(sql, params) and not restarted:
            restarted.append(sql)
            restart(context["connection"])
        return result

    with connection.execute_wrapper(restart_after_the_claim):
        assert outbound_send(queued.pk) == OutboundEmail.Status.SENT

    assert restarted
    (sent,) = mail.outbox
    assert sent.extra_headers["Message-ID"] == queued.message_id
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == (OutboundEmail.Status.SENT, 1)
    assert queued.ticket_message.delivery_status == Message.Delivery.SENT


def test_a_claim_whose_answer_is_lost_goes_back_to_the_queue_and_the_task_sends_it(queued, restart):
    lost = []

    def claim_then_lose_the_answer(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if is_claim(sql, params) and not lost:
            lost.append(sql)  # committed, but the restart takes the answer with it
            restart(context["connection"])
            raise OperationalError("server closed the connection unexpectedly")
        return result

    with connection.execute_wrapper(claim_then_lose_the_answer):
        # Run here as a worker runs it: the database error makes the task retry itself.
        send_outbound_emails.apply(args=[[queued.pk]], throw=False)

    assert lost
    assert len(mail.outbox) == 1
    queued.refresh_from_db()
    # The lost claim was undone and did not count as an attempt at the ESP.
    assert (queued.status, queued.attempts) == (OutboundEmail.Status.SENT, 1)


def test_the_outbox_row_and_its_thread_message_are_recorded_together_or_not_at_all(
    queued, restart, client, monkeypatch
):
    monkeypatch.setattr(outbound_service, "RECORD_WAIT_SECONDS", 0)  # the database stays away

    def restart_before_the_thread_message_is_marked(execute, sql, params, many, context):
        if sql.startswith('UPDATE "helpdesk_message"'):
            restart(context["connection"])
        return execute(sql, params, many, context)

    with (
        connection.execute_wrapper(restart_before_the_thread_message_is_marked),
        pytest.raises(OperationalError),
    ):
        outbound_send(queued.pk)

    assert len(mail.outbox) == 1  # it went out
    queued.refresh_from_db()
    # Neither says it went out; the row waits for evidence ("sending"), not a retry.
    assert queued.status == OutboundEmail.Status.SENDING
    assert queued.ticket_message.delivery_status == Message.Delivery.QUEUED
    delivered = bounce_event(queued.message_id) | {"event": "delivered", "severity": None}
    assert post_tracking(client, delivered).status_code == 200
    queued.refresh_from_db()
    assert queued.status == OutboundEmail.Status.SENT
    assert queued.ticket_message.delivery_status == Message.Delivery.DELIVERED


@pytest.fixture
def interrupted(queued) -> OutboundEmail:
    """The acknowledgement as a worker killed during its send leaves it: claimed, and nothing
    recorded after."""
    OutboundEmail.objects.filter(pk=queued.pk).update(
        status=OutboundEmail.Status.SENDING, attempts=1, last_attempt_at=timezone.now()
    )
    queued.refresh_from_db()
    return queued


@pytest.mark.parametrize(
    ("event", "status", "delivery"),
    [
        ({"event": "accepted"}, "sent", "sent"),
        ({"event": "delivered", "severity": None}, "sent", "delivered"),
        ({}, "failed", "bounced"),  # a hard bounce (this one was already so)
    ],
)
def test_an_interrupted_send_is_settled_by_the_esps_event_and_not_sent_again(
    interrupted, client, event, status, delivery
):
    assert post_tracking(client, bounce_event(interrupted.message_id) | event).status_code == 200

    later = interrupted.last_attempt_at + timedelta(hours=2)
    assert outbox_requeue_stuck(now=later) == 0
    assert mail.outbox == []
    interrupted.refresh_from_db()
    assert interrupted.status == status
    assert interrupted.ticket_message.delivery_status == delivery


def test_an_interrupted_send_without_evidence_is_sent_again_with_its_message_id_and_noted(
    interrupted, settings
):
    started = interrupted.last_attempt_at
    window = timedelta(minutes=settings.OUTBOUND_EVIDENCE_MINUTES)
    outbox_requeue_stuck(now=started + window - timedelta(minutes=1))
    assert mail.outbox == []
    assert OutboundEmail.objects.get().status == OutboundEmail.Status.SENDING

    outbox_requeue_stuck(now=started + window + timedelta(minutes=1))  # sends it here

    (sent,) = mail.outbox
    assert sent.extra_headers["Message-ID"] == interrupted.message_id
    interrupted.refresh_from_db()
    assert (interrupted.status, interrupted.attempts) == (OutboundEmail.Status.SENT, 2)
    note = Message.objects.get(kind=Message.Kind.NOTE)
    assert note.ticket_id == interrupted.ticket_id
    assert "was interrupted" in note.body_text
    assert "sent again with the same Message-ID" in note.body_text


def test_a_mail_interrupted_at_its_last_attempt_fails_where_an_agent_sees_it(interrupted, settings):
    settings.OUTBOUND_MAX_ATTEMPTS = 1
    outbox_requeue_stuck(now=interrupted.last_attempt_at + timedelta(hours=1))

    assert mail.outbox == []
    interrupted.refresh_from_db()
    assert interrupted.status == OutboundEmail.Status.FAILED
    assert interrupted.ticket_message.delivery_status == Message.Delivery.FAILED
    note = Message.objects.get(kind=Message.Kind.NOTE)
    assert "not sent again by itself" in note.body_text
