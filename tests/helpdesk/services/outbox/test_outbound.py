import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from helpdesk.models import InboundEmail, Message, OutboundEmail, Ticket
from helpdesk.services.intake.inbound import inbound_process, inbound_store
from helpdesk.services.outbox.sending import outbound_send, outbox_requeue_stuck
from helpdesk.services.tickets.lifecycle import ticket_acknowledge, ticket_reply
from tests.factories import TicketFactory, UserFactory, agent_of
from tests.helpdesk.mail import (
    ANN,
    KS,
    bounce_event,
    make_mail,
    message_id_of,
    post_tracking,
    signature_block,
)

CHICAGO = ZoneInfo("America/Chicago")
# Wednesday before Thanksgiving 2025, 10:00 in Chicago: the answer is due the Monday after.
BEFORE_THANKSGIVING = datetime(2025, 11, 26, 10, 0, tzinfo=CHICAGO)


@pytest.fixture
def received(kendrascottes, django_capture_on_commit_callbacks):
    """A customer's mail received before Thanksgiving, processed and acknowledged."""
    raw = make_mail(subject="Ring size", body="Can I change the ring size of order 1234?")
    with django_capture_on_commit_callbacks(execute=False):
        stored = inbound_store(raw, source="test", envelope_recipient=KS)
    InboundEmail.objects.filter(pk=stored.pk).update(received_at=BEFORE_THANKSGIVING)
    with django_capture_on_commit_callbacks(execute=True):
        inbound_process(stored.pk)
    return raw


@pytest.mark.django_db
def test_the_acknowledgement_promises_the_brands_time_from_the_brands_address(received):
    (ack,) = mail.outbox
    assert ack.from_email == "Kendrascottes Customer Service <support@kendrascottes.example>"
    assert ack.to == [ANN]
    assert ack.subject == "[KS-000001] Ring size"
    assert "by Monday 1 December, 10:00 AM CST" in ack.body
    html = ack.alternatives[0][0]
    assert "Monday 1 December, 10:00 AM CST" in html


@pytest.mark.django_db
def test_the_acknowledgement_threads_under_the_customers_mail(received):
    (ack,) = mail.outbox
    customer_id = message_id_of(received)
    assert ack.extra_headers["In-Reply-To"] == customer_id
    assert ack.extra_headers["References"] == customer_id
    assert ack.extra_headers["Auto-Submitted"] == "auto-replied"
    recorded = Message.objects.get(kind=Message.Kind.OUTBOUND)
    assert recorded.message_id == ack.extra_headers["Message-ID"]
    assert recorded.message_id.endswith("@kendrascottes.example>")
    assert recorded.delivery_status == Message.Delivery.SENT


@pytest.mark.django_db
def test_an_agent_reply_threads_under_the_whole_conversation(
    received, kendrascottes, django_capture_on_commit_callbacks
):
    ticket = Ticket.objects.get()
    agent = agent_of(kendrascottes, first_name="Maya")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(ticket, author=agent, body="Yes, we can resize it before it ships.")
    reply = mail.outbox[-1]
    ack_id = mail.outbox[0].extra_headers["Message-ID"]
    assert reply.subject == "Re: [KS-000001] Ring size"
    assert reply.extra_headers["In-Reply-To"] == ack_id
    assert reply.extra_headers["References"].split() == [message_id_of(received), ack_id]
    assert "Auto-Submitted" not in reply.extra_headers  # a person wrote it
    assert "Yes, we can resize it" in reply.body and "Maya" in reply.body
    recorded = Message.objects.filter(kind=Message.Kind.OUTBOUND).last()
    assert recorded.message_id == reply.extra_headers["Message-ID"]


@pytest.mark.django_db
def test_the_customers_answer_to_our_reply_comes_back_to_the_ticket(
    received, kendrascottes, django_capture_on_commit_callbacks
):
    ticket = Ticket.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(ticket, author=agent_of(kendrascottes), body="Which size?", status="waiting")
    ours = mail.outbox[-1].extra_headers["Message-ID"]
    answer = make_mail(subject="Re: Ring size", body="Size 7.", headers={"In-Reply-To": ours})
    with django_capture_on_commit_callbacks(execute=True):
        inbound_store(answer, source="test", envelope_recipient=KS)
    ticket.refresh_from_db()
    assert Ticket.objects.count() == 1
    assert ticket.status == Ticket.Status.OPEN  # the customer answered: the clocks run again


@pytest.mark.django_db
def test_an_outbox_row_is_sent_only_once(received):
    outbound = OutboundEmail.objects.get()
    assert outbound_send(outbound.pk) == OutboundEmail.Status.SENT
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_bounce_event_from_the_tracking_webhook_marks_the_mail_and_tells_the_agent(
    client, received
):
    ack = Message.objects.get(kind=Message.Kind.OUTBOUND)
    response = post_tracking(client, bounce_event(ack.message_id))
    assert response.status_code == 200
    ack.refresh_from_db()
    assert ack.delivery_status == Message.Delivery.BOUNCED
    assert "No such user" in ack.delivery_detail
    outbound = OutboundEmail.objects.get()
    assert outbound.status == OutboundEmail.Status.FAILED
    assert "No such user" in outbound.last_error
    note = Message.objects.get(kind=Message.Kind.NOTE)
    assert note.ticket == ack.ticket and "was not delivered" in note.body_text


@pytest.mark.django_db
def test_a_bounce_reported_twice_leaves_one_note(client, received):
    ack = Message.objects.get(kind=Message.Kind.OUTBOUND)
    post_tracking(client, bounce_event(ack.message_id))
    post_tracking(client, bounce_event(ack.message_id))
    assert Message.objects.filter(kind=Message.Kind.NOTE).count() == 1


@pytest.mark.django_db
def test_a_delivered_event_marks_the_mail_delivered_but_never_hides_a_bounce(client, received):
    ack = Message.objects.get(kind=Message.Kind.OUTBOUND)
    delivered = bounce_event(ack.message_id) | {"event": "delivered", "severity": None}
    post_tracking(client, delivered)
    ack.refresh_from_db()
    assert ack.delivery_status == Message.Delivery.DELIVERED
    post_tracking(client, bounce_event(ack.message_id))
    post_tracking(client, delivered)
    ack.refresh_from_db()
    assert ack.delivery_status == Message.Delivery.BOUNCED


@pytest.mark.django_db
def test_a_tracking_event_matches_the_id_the_esp_gave_the_mail(client, received):
    Message.objects.filter(kind=Message.Kind.OUTBOUND).update(esp_message_id="<esp-42@mg.example>")
    OutboundEmail.objects.update(esp_message_id="<esp-42@mg.example>")
    post_tracking(client, bounce_event("esp-42@mg.example"))
    assert Message.objects.get(kind=Message.Kind.OUTBOUND).delivery_status == "bounced"


@pytest.mark.django_db
def test_the_tracking_webhook_refuses_bad_signatures_replays_and_missing_auth(client, received):
    ack = Message.objects.get(kind=Message.Kind.OUTBOUND)
    event = bounce_event(ack.message_id)
    forged = signature_block(key="not-the-key")
    assert post_tracking(client, event, signature=forged).status_code == 400
    assert post_tracking(client, event, auth=None).status_code == 400
    signature = signature_block()
    assert post_tracking(client, event, signature=signature).status_code == 200
    assert post_tracking(client, event, signature=signature).status_code == 400
    assert Message.objects.filter(kind=Message.Kind.NOTE).count() == 1


@pytest.mark.django_db
def test_admin_lists_outgoing_mail_by_brand_and_retries_failed_mail(
    client, received, crocso, django_capture_on_commit_callbacks
):
    outbound = OutboundEmail.objects.get()
    OutboundEmail.objects.filter(pk=outbound.pk).update(
        status=OutboundEmail.Status.FAILED, last_error="ESP down"
    )
    client.force_login(agent_of(crocso))
    assert "Ring size" not in client.get("/admin/helpdesk/outboundemail/").content.decode()
    client.force_login(UserFactory(username="root", is_superuser=True))
    page = client.get("/admin/helpdesk/outboundemail/?status__exact=failed").content.decode()
    assert "Ring size" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/helpdesk/outboundemail/",
            {"action": "retry", "_selected_action": [outbound.pk]},
        )
    outbound.refresh_from_db()
    assert outbound.status == OutboundEmail.Status.SENT
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_a_delivery_event_arriving_before_the_send_result_is_not_overwritten(kendrascottes):
    ticket = TicketFactory(brand=kendrascottes)
    outbound = ticket_acknowledge(ticket)
    Message.objects.filter(pk=outbound.ticket_message_id).update(delivery_status="delivered")
    assert outbound_send(outbound.pk) == OutboundEmail.Status.SENT
    message = Message.objects.get(pk=outbound.ticket_message_id)
    assert message.delivery_status == "delivered"
    assert message.esp_message_id == OutboundEmail.objects.get(pk=outbound.pk).esp_message_id


class MailgunApi(BaseHTTPRequestHandler):
    """Mailgun's sending API on this machine: answers 503 while `failures` lasts, then
    accepts the message as Mailgun does."""

    failures = 0
    received = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received += 1
        if type(self).failures > 0:
            type(self).failures -= 1
            self.send_response(503)
            self.end_headers()
            self.wfile.write(b"Service Unavailable")
            return
        body = json.dumps({"id": f"<mg-{self.received}@mg.example>", "message": "Queued."})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def mailgun(settings):
    """Sending through anymail's real Mailgun backend, to the API above."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), MailgunApi)
    MailgunApi.failures, MailgunApi.received = 0, 0
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.EMAIL_BACKEND = "anymail.backends.mailgun.EmailBackend"
    settings.ANYMAIL = {
        **settings.ANYMAIL,
        "MAILGUN_API_KEY": "key-test",
        "MAILGUN_SENDER_DOMAIN": "mg.example",
        "MAILGUN_API_URL": f"http://127.0.0.1:{server.server_port}/v3",
    }
    yield MailgunApi
    server.shutdown()
    server.server_close()


@pytest.fixture
def queued_acknowledgement(kendrascottes, django_capture_on_commit_callbacks) -> OutboundEmail:
    with django_capture_on_commit_callbacks(execute=False):
        TicketFactory(brand=kendrascottes, acknowledge=True)
    return OutboundEmail.objects.get()


@pytest.mark.django_db
def test_mail_the_esp_refuses_stays_queued_and_the_requeue_sends_it_later(
    mailgun, queued_acknowledgement, django_capture_on_commit_callbacks
):
    mailgun.failures = 1
    assert outbound_send(queued_acknowledgement.pk) == OutboundEmail.Status.QUEUED
    outbound = OutboundEmail.objects.get()
    assert outbound.attempts == 1
    assert "503" in outbound.last_error
    # Not again before its delay has passed...
    assert outbox_requeue_stuck(now=outbound.last_attempt_at + timedelta(seconds=30)) == 0
    # ...then the requeue hands it to a task, which sends it.
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_requeue_stuck(now=timezone.now() + timedelta(minutes=10)) == 1
    outbound.refresh_from_db()
    assert outbound.status == OutboundEmail.Status.SENT
    assert outbound.attempts == 2
    assert outbound.esp_message_id == "<mg-2@mg.example>"
    assert outbound.ticket_message.delivery_status == Message.Delivery.SENT
    assert mailgun.received == 2


@pytest.mark.django_db
def test_mail_the_esp_keeps_refusing_fails_after_the_last_attempt_and_the_agent_sees_it(
    mailgun, queued_acknowledgement, settings
):
    settings.OUTBOUND_MAX_ATTEMPTS = 3
    mailgun.failures = 10
    statuses = [outbound_send(queued_acknowledgement.pk) for _ in range(4)]
    assert statuses == [
        OutboundEmail.Status.QUEUED,
        OutboundEmail.Status.QUEUED,
        OutboundEmail.Status.FAILED,
        OutboundEmail.Status.FAILED,  # a failed row is not sent again by itself
    ]
    assert mailgun.received == 3
    outbound = OutboundEmail.objects.get()
    assert outbound.ticket_message.delivery_status == Message.Delivery.FAILED
    assert "503" in outbound.ticket_message.delivery_detail
