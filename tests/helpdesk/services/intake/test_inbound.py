import io
import sys
import threading
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import OperationalError, connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from brands.models import SupportAddress
from brands.services import policy_version_record
from helpdesk.models import Attachment, InboundEmail, Message, OutboundEmail, Ticket
from helpdesk.services.intake import inbound as inbound_service
from helpdesk.services.intake.inbound import (
    inbound_process,
    inbound_requeue_stuck,
    inbound_store,
)
from helpdesk.services.raw_mail import inbound_raw_read
from helpdesk.services.tickets.lifecycle import ticket_set_status
from tests.factories import TicketFactory, UserFactory, agent_of
from tests.helpdesk.mail import (
    ANN,
    CR,
    KS,
    acknowledgements,
    make_mail,
    message_id_of,
    post_inbound,
    signature_block,
)
from tests.helpdesk.query_plans import brand_history, rows_read_by_selects

# ---------------------------------------------------------------- the webhook


@pytest.mark.django_db
def test_mail_through_the_mailgun_webhook_opens_an_acknowledged_ticket(
    client, kendrascottes, django_capture_on_commit_callbacks
):
    raw = make_mail(subject="Where is my necklace?")
    with django_capture_on_commit_callbacks(execute=True):
        response = post_inbound(client, raw, recipient=KS)
    assert response.status_code == 200
    stored = InboundEmail.objects.get()
    assert inbound_raw_read(stored) == raw
    assert stored.source == "webhook:mailgun"
    assert stored.envelope_recipient == KS
    assert stored.status == InboundEmail.Status.PROCESSED
    ticket = Ticket.objects.get()
    assert (ticket.brand, ticket.customer_email, ticket.customer_name) == (
        kendrascottes,
        ANN,
        "Ann Smith",
    )
    assert ticket.messages.get(kind=Message.Kind.INBOUND).message_id == message_id_of(raw)
    (ack,) = mail.outbox
    assert ack.subject == "[KS-000001] Where is my necklace?"
    assert ack.to == [ANN]


@pytest.mark.django_db
def test_the_webhook_stores_and_answers_before_anything_is_processed(
    client, kendrascottes, django_capture_on_commit_callbacks
):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post_inbound(client, make_mail())
    assert response.status_code == 200
    assert time.monotonic() - started < 1
    assert InboundEmail.objects.get().status == InboundEmail.Status.RECEIVED
    assert not Ticket.objects.exists()
    assert len(callbacks) == 1  # the processing task, enqueued once the row is committed


@pytest.mark.django_db
def test_the_webhook_keeps_mail_in_another_charset_byte_for_byte(
    client, kendrascottes, django_capture_on_commit_callbacks
):
    raw = (
        b"From: Zo\xe9 <zoe@customer.example>\r\nTo: support@kendrascottes.example\r\n"
        b"Subject: Bague ab\xeem\xe9e\r\nMessage-ID: <latin1@customer.example>\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n"
        b"\r\nMa bague est arriv\xe9e ab\xeem\xe9e, je suis tr\xe8s d\xe9\xe7ue.\r\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert post_inbound(client, raw).status_code == 200
    assert inbound_raw_read(InboundEmail.objects.get()) == raw
    ticket = Ticket.objects.get()
    assert ticket.subject == "Bague abîmée"
    assert ticket.customer_name == "Zoé"
    assert "arrivée abîmée" in ticket.messages.get(kind=Message.Kind.INBOUND).body_text


@pytest.mark.django_db
@pytest.mark.parametrize(
    "auth", [None, "mailgun:wrong-secret"], ids=["without the secret", "with a wrong secret"]
)
def test_the_webhook_refuses_a_request_without_the_basic_auth_secret(client, kendrascottes, auth):
    response = post_inbound(client, make_mail(), auth=auth)
    assert response.status_code == 400
    assert not InboundEmail.objects.exists()


@pytest.mark.django_db
def test_the_webhook_refuses_a_bad_signature(client, kendrascottes):
    response = post_inbound(client, make_mail(), signature=signature_block(key="not-the-key"))
    assert response.status_code == 400
    assert not InboundEmail.objects.exists()


@pytest.mark.django_db
def test_the_webhook_refuses_a_replayed_token(client, kendrascottes):
    signature = signature_block()
    raw = make_mail()
    assert post_inbound(client, raw, signature=signature).status_code == 200
    assert post_inbound(client, raw, signature=signature).status_code == 400
    assert InboundEmail.objects.count() == 1


@pytest.mark.django_db
def test_the_webhook_refuses_an_old_signature(client, kendrascottes, settings):
    settings.INBOUND_WEBHOOK_MAX_AGE_SECONDS = 300
    stale = signature_block(timestamp=int(time.time()) - 301)
    assert post_inbound(client, make_mail(), signature=stale).status_code == 400
    assert not InboundEmail.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("esp", ["postmark", "sendgrid", "mailgun/inbound_unknown"])
def test_other_esps_inbound_urls_are_not_open_even_with_the_secret(client, kendrascottes, esp):
    response = post_inbound(client, make_mail(), url=f"/anymail/{esp}/inbound/")
    assert response.status_code == 404
    assert not InboundEmail.objects.exists()


@pytest.mark.django_db
def test_the_webhook_refuses_a_signature_from_the_future(client, kendrascottes):
    ahead = signature_block(timestamp=int(time.time()) + 3600)
    assert post_inbound(client, make_mail(), signature=ahead).status_code == 400
    slightly_ahead = signature_block(timestamp=int(time.time()) + 60)  # clocks differ a little
    assert post_inbound(client, make_mail(), signature=slightly_ahead).status_code == 200
    assert InboundEmail.objects.count() == 1


@pytest.mark.django_db
def test_mailguns_last_retry_hours_later_is_accepted_with_its_first_signature(
    client, kendrascottes
):
    # Mailgun retries a failed post for 8 hours; the last retry comes about 7.5 hours in.
    first_attempt = signature_block(timestamp=int(time.time()) - int(7.5 * 3600))
    assert post_inbound(client, make_mail(), signature=first_attempt).status_code == 200
    assert InboundEmail.objects.count() == 1


@pytest.mark.django_db
def test_a_request_that_failed_to_store_can_be_retried_with_its_token(kendrascottes):
    from django.test import Client

    client = Client(raise_request_exception=False)
    signature = signature_block()
    with mock.patch.object(inbound_service.InboundEmail.objects, "create", side_effect=OSError):
        assert post_inbound(client, make_mail(), signature=signature).status_code == 500
    assert post_inbound(client, make_mail(), signature=signature).status_code == 200
    assert InboundEmail.objects.count() == 1


# ---------------------------------------------------------------- the command


@pytest.mark.django_db
def test_ingest_email_reads_files_and_stdin(kendrascottes, tmp_path, monkeypatch):
    first = tmp_path / "first.eml"
    first.write_bytes(make_mail(subject="From a file"))
    stdin = io.TextIOWrapper(io.BytesIO(make_mail(subject="From a pipe")))
    monkeypatch.setattr(sys, "stdin", stdin)
    out = io.StringIO()
    call_command("ingest_email", str(first), "-", "--now", stdout=out)
    subjects = sorted(Ticket.objects.values_list("subject", flat=True))
    assert subjects == ["From a file", "From a pipe"]
    assert set(InboundEmail.objects.values_list("source", flat=True)) == {"ingest_email"}
    assert out.getvalue().count("(processed)") == 2


@pytest.mark.django_db
def test_ingest_email_leaves_the_work_to_the_worker_by_default(
    kendrascottes, tmp_path, django_capture_on_commit_callbacks
):
    message = tmp_path / "m.eml"
    message.write_bytes(make_mail())
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command("ingest_email", str(message), "--recipient", KS, stdout=io.StringIO())
    assert len(callbacks) >= 1
    stored = InboundEmail.objects.get()
    assert (stored.status, stored.envelope_recipient) == (InboundEmail.Status.PROCESSED, KS)


@pytest.mark.django_db
def test_ingest_email_exits_75_when_it_cannot_store_the_message(kendrascottes, tmp_path):
    message = tmp_path / "m.eml"
    message.write_bytes(make_mail())
    down = OperationalError("could not connect to server")
    with (
        mock.patch.object(inbound_service.InboundEmail.objects, "create", side_effect=down),
        pytest.raises(SystemExit) as exit_info,
    ):
        call_command("ingest_email", str(message), stderr=io.StringIO())
    assert exit_info.value.code == 75


@pytest.mark.django_db
def test_ingest_email_succeeds_once_the_message_is_stored_whatever_fails_after(
    kendrascottes, tmp_path
):
    message = tmp_path / "m.eml"
    message.write_bytes(make_mail())
    down = OperationalError("server closed the connection unexpectedly")
    errors = io.StringIO()
    with mock.patch.object(InboundEmail, "refresh_from_db", side_effect=down):
        call_command("ingest_email", str(message), stderr=errors)  # no SystemExit: exit 0
    stored = InboundEmail.objects.get()
    assert f"stored as inbound email {stored.pk}" in errors.getvalue()
    assert "server closed the connection" in errors.getvalue()


# ---------------------------------------------------------------- threading


@pytest.mark.django_db
def test_a_reply_is_threaded_by_in_reply_to(kendrascottes, deliver):
    first = make_mail()
    deliver(first)
    reply = make_mail(subject="Re: something else", headers={"In-Reply-To": message_id_of(first)})
    assert deliver(reply).status == InboundEmail.Status.PROCESSED
    ticket = Ticket.objects.get()
    assert ticket.messages.filter(kind=Message.Kind.INBOUND).count() == 2
    assert len(acknowledgements()) == 1  # a reply is not acknowledged again


@pytest.mark.django_db
def test_a_reply_to_our_acknowledgement_is_threaded_by_references(kendrascottes, deliver):
    deliver(make_mail())
    ack_id = Message.objects.get(kind=Message.Kind.OUTBOUND).message_id
    reply = make_mail(
        subject="Thanks", sender="Ann at work <ann@work.example>", headers={"References": ack_id}
    )
    deliver(reply)
    assert Ticket.objects.count() == 1
    replies = Ticket.objects.get().messages.filter(kind=Message.Kind.INBOUND)
    assert replies.count() == 2
    # Threaded by headers from another address: the thread shows who actually wrote.
    assert (replies.last().sender_email, replies.last().sender_name) == (
        "ann@work.example",
        "Ann at work",
    )


@pytest.mark.django_db
def test_a_reply_quoting_the_message_id_the_esp_substituted_is_threaded(kendrascottes, deliver):
    deliver(make_mail())
    # Amazon SES replaces our Message-ID with its own and anymail reports that ID at send time.
    Message.objects.filter(kind=Message.Kind.OUTBOUND).update(esp_message_id="0100018f-ses-id")
    reply = make_mail(headers={"In-Reply-To": "<0100018f-ses-id@email.amazonses.com>"})
    deliver(reply)
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
def test_a_reply_from_the_customer_is_threaded_by_the_reference_in_the_subject(
    kendrascottes, deliver
):
    deliver(make_mail())
    deliver(make_mail(subject="Re: [KS-000001] Where is my order?", sender=ANN.upper()))
    assert Ticket.objects.count() == 1
    assert Message.objects.filter(kind=Message.Kind.INBOUND).count() == 2


@pytest.mark.django_db
def test_a_forged_subject_reference_from_another_sender_opens_a_new_ticket(kendrascottes, deliver):
    deliver(make_mail())
    deliver(make_mail(subject="Re: [KS-000001] Where is my order?", sender="eve@evil.example"))
    assert Ticket.objects.count() == 2
    original = Ticket.objects.get(reference="KS-000001")
    assert original.messages.filter(kind=Message.Kind.INBOUND).count() == 1
    assert Ticket.objects.get(reference="KS-000002").customer_email == "eve@evil.example"


@pytest.mark.django_db
def test_another_brands_reference_in_the_subject_does_not_thread(kendrascottes, crocso, deliver):
    deliver(make_mail(to=CR))
    deliver(make_mail(subject="Re: [CR-000001] Where is my order?", to=KS))
    assert Ticket.objects.filter(brand=kendrascottes).count() == 1


@pytest.mark.django_db
def test_a_reply_to_a_resolved_ticket_within_the_window_reopens_it(kendrascottes, deliver):
    first = make_mail()
    deliver(first)
    ticket = Ticket.objects.get()
    ticket_set_status(ticket, Ticket.Status.RESOLVED)
    deliver(make_mail(headers={"In-Reply-To": message_id_of(first)}))
    ticket.refresh_from_db()
    assert Ticket.objects.count() == 1
    assert ticket.status == Ticket.Status.OPEN


@pytest.mark.django_db
def test_a_reply_after_the_window_opens_a_new_ticket_linked_to_the_old(kendrascottes, deliver):
    first = make_mail()
    deliver(first)
    old = Ticket.objects.get()
    ticket_set_status(old, Ticket.Status.RESOLVED)
    Ticket.objects.filter(pk=old.pk).update(resolved_at=timezone.now() - timedelta(days=15))
    deliver(make_mail(headers={"In-Reply-To": message_id_of(first)}))
    new = Ticket.objects.exclude(pk=old.pk).get()
    assert new.linked_ticket == old
    assert Ticket.objects.get(pk=old.pk).status == Ticket.Status.RESOLVED
    assert len(acknowledgements()) == 2


@pytest.mark.django_db
def test_a_reply_to_a_closed_ticket_opens_a_new_ticket_linked_to_the_old(kendrascottes, deliver):
    first = make_mail()
    deliver(first)
    old = Ticket.objects.get()
    ticket_set_status(old, Ticket.Status.CLOSED)
    deliver(make_mail(subject="Re: [KS-000001] Where is my order?"))
    assert Ticket.objects.exclude(pk=old.pk).get().linked_ticket == old
    assert Ticket.objects.get(pk=old.pk).status == Ticket.Status.CLOSED


# ---------------------------------------------------------------- dedup


@pytest.mark.django_db
def test_the_same_message_id_delivered_twice_makes_one_message(kendrascottes, deliver):
    raw = make_mail()
    assert deliver(raw, recipient=KS).status == InboundEmail.Status.PROCESSED
    again = make_mail(message_id=message_id_of(raw), subject="Same id, retried by the ESP")
    assert deliver(again, recipient=KS).status == InboundEmail.Status.DUPLICATE
    assert Message.objects.filter(kind=Message.Kind.INBOUND).count() == 1
    assert InboundEmail.objects.count() == 2  # both deliveries are on record
    assert len(acknowledgements()) == 1


@pytest.mark.django_db
def test_the_same_bytes_without_a_message_id_twice_make_one_message(kendrascottes, deliver):
    raw = make_mail(message_id=None)
    deliver(raw)
    assert deliver(raw).status == InboundEmail.Status.DUPLICATE
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
def test_different_mail_without_a_message_id_is_not_a_duplicate(kendrascottes, deliver):
    deliver(make_mail(message_id=None, subject="One"))
    deliver(make_mail(message_id=None, subject="Two"))
    assert Ticket.objects.count() == 2


@pytest.mark.django_db
def test_one_mail_to_two_brands_is_one_ticket_in_each(kendrascottes, crocso, deliver):
    raw = make_mail(to=f"{KS}, {CR}")
    deliver(raw)
    assert sorted(Ticket.objects.values_list("reference", flat=True)) == ["CR-000001", "KS-000001"]
    # The ESP's per-recipient copies of the same mail add nothing.
    assert deliver(raw, recipient=KS).status == InboundEmail.Status.DUPLICATE
    assert deliver(raw, recipient=CR).status == InboundEmail.Status.DUPLICATE
    # One acknowledgement from each brand, each from its own address.
    assert sorted(m.from_email for m in acknowledgements()) == [
        "Crocso Customer Service <support@crocso.example>",
        "Kendrascottes Customer Service <support@kendrascottes.example>",
    ]


@pytest.mark.django_db(transaction=True)
def test_the_same_message_id_from_two_threads_at_once_makes_one_ticket(shipped_brands):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks and concurrent transactions")
    raw = make_mail()
    # Stored without handing them to Celery (which would process each at once), so that the
    # two threads below process both copies at the same time.
    with mock.patch.object(inbound_service, "enqueue_on_commit"):
        stored = [
            inbound_store(raw, source="test", envelope_recipient=KS),
            inbound_store(make_mail(message_id=message_id_of(raw)), source="test"),
        ]
    assert {row.status for row in InboundEmail.objects.all()} == {InboundEmail.Status.RECEIVED}
    barrier = threading.Barrier(2)
    results = {}

    def process(inbound_id: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[inbound_id] = inbound_process(inbound_id)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=process, args=(row.pk,)) for row in stored]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results.values()) == ["duplicate", "processed"]
    assert Ticket.objects.count() == 1
    assert Message.objects.filter(kind=Message.Kind.INBOUND).count() == 1
    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.ACKNOWLEDGEMENT).count() == 1


@pytest.mark.django_db
def test_a_copy_that_loses_the_race_is_undone_whole_and_found_a_duplicate(
    kendrascottes, deliver, monkeypatch
):
    raw = make_mail()
    deliver(raw)
    # The second copy looks before the first is visible to it, as under concurrent delivery:
    # its insert then meets the unique constraint.
    lookups = []
    real_lookup = inbound_service._thread_facts

    def lookup(brand, ids, sender):
        lookups.append(ids)
        facts = real_lookup(brand, ids, sender)
        return facts._replace(known=[]) if len(lookups) == 1 else facts

    monkeypatch.setattr(inbound_service, "_thread_facts", lookup)
    copy = inbound_store(raw, source="test", envelope_recipient=KS)
    assert inbound_process(copy.pk) == InboundEmail.Status.DUPLICATE
    assert len(lookups) == 2
    assert Ticket.objects.count() == 1
    assert OutboundEmail.objects.count() == 1


@pytest.mark.django_db
def test_a_copy_to_two_brands_losing_both_races_is_still_found_a_duplicate(
    kendrascottes, crocso, deliver, monkeypatch
):
    raw = make_mail(to=f"{KS}, {CR}")
    deliver(raw)
    # Each brand's copy of the first mail becomes visible only after this copy inserted its
    # own: first for Kendrascottes, then, on the second run, for Crocso.
    lookups = []
    real_lookup = inbound_service._thread_facts

    def lookup(brand, ids, sender):
        lookups.append(brand.slug)
        facts = real_lookup(brand, ids, sender)
        return facts._replace(known=[]) if len(lookups) in (1, 3) else facts

    monkeypatch.setattr(inbound_service, "_thread_facts", lookup)
    copy = inbound_store(raw, source="test")
    assert inbound_process(copy.pk) == InboundEmail.Status.DUPLICATE
    assert lookups == ["kendrascottes", "kendrascottes", "crocso", "kendrascottes", "crocso"]
    assert Ticket.objects.count() == 2


@pytest.mark.django_db
def test_mail_without_thread_ids_finds_no_message_whatever_lacks_an_id(kendrascottes):
    # Contact-form messages have no Message-ID: an empty list of ids must not match them.
    TicketFactory(brand=kendrascottes)
    facts = inbound_service._thread_facts(kendrascottes, [], "ann@customer.example")
    assert facts.known == []
    assert facts.acknowledgements_last_hour == 0


@pytest.mark.django_db
def test_processing_a_message_twice_does_nothing_more(kendrascottes, deliver):
    stored = deliver(make_mail())
    assert inbound_process(stored.pk) == InboundEmail.Status.PROCESSED
    assert Ticket.objects.count() == 1
    assert OutboundEmail.objects.count() == 1


# ---------------------------------------------------------------- loops and automatic mail


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"List-Id": "Deals <deals.shop.example>"},
        {"X-Autoreply": "yes"},
        {"X-Auto-Response-Suppress": "OOF"},
        {"Return-Path": "<>"},
    ],
)
def test_an_auto_reply_gets_a_ticket_but_no_acknowledgement(kendrascottes, deliver, headers):
    deliver(make_mail(subject="Out of office", headers=headers))
    assert Ticket.objects.count() == 1
    assert not OutboundEmail.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_an_out_of_office_reply_on_a_thread_moves_nothing(kendrascottes, deliver):
    first = make_mail()
    deliver(first)
    ticket = Ticket.objects.get()
    ticket_set_status(ticket, Ticket.Status.RESOLVED)
    auto = make_mail(
        subject="Automatic reply: Where is my order?",
        headers={"In-Reply-To": message_id_of(first), "Auto-Submitted": "auto-replied"},
    )
    deliver(auto)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED
    assert ticket.messages.filter(kind=Message.Kind.INBOUND).count() == 2


@pytest.mark.django_db
def test_mail_from_our_own_address_gets_no_acknowledgement(kendrascottes, crocso, deliver):
    deliver(make_mail(sender=f"Crocso <{CR}>", to=KS))
    assert Ticket.objects.get().brand == kendrascottes
    assert mail.outbox == []


@pytest.mark.django_db
def test_acknowledgements_are_limited_per_sender_and_hour(kendrascottes, deliver):
    kendrascottes.acknowledgements_per_hour = 2
    kendrascottes.save()
    for number in range(4):
        deliver(make_mail(subject=f"Request {number}"))
    assert Ticket.objects.count() == 4
    assert len(acknowledgements()) == 2
    deliver(make_mail(subject="Someone else", sender="bob@customer.example"))
    assert len(acknowledgements()) == 3


@pytest.mark.django_db
def test_acknowledgements_older_than_an_hour_no_longer_count(kendrascottes, deliver):
    kendrascottes.acknowledgements_per_hour = 1
    kendrascottes.save()
    deliver(make_mail(subject="Request 1"))
    OutboundEmail.objects.update(created_at=timezone.now() - timedelta(minutes=61))
    deliver(make_mail(subject="Request 2"))
    assert len(acknowledgements()) == 2
    deliver(make_mail(subject="Request 3"))
    assert len(acknowledgements()) == 2


@pytest.mark.django_db
def test_a_bounce_report_by_mail_marks_our_mail_bounced_instead_of_opening_a_ticket(
    kendrascottes, deliver
):
    deliver(make_mail())
    ack = Message.objects.get(kind=Message.Kind.OUTBOUND)
    report = (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.example>\r\n"
        b"To: support@kendrascottes.example\r\nSubject: Undelivered Mail\r\n"
        b"Message-ID: <dsn-1@mx.example>\r\nAuto-Submitted: auto-replied\r\n"
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n"
        b"--B\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n"
        b"--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.example\r\n\r\n"
        b"Final-Recipient: rfc822; ann@customer.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        b"Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n"
        b"--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        + f"Message-ID: {ack.message_id}\r\n".encode()
        + b"--B--\r\n"
    )
    deliver(report)
    ack.refresh_from_db()
    assert ack.delivery_status == Message.Delivery.BOUNCED
    assert Ticket.objects.count() == 1
    note = Message.objects.get(kind=Message.Kind.NOTE)
    assert "User unknown" in note.body_text


# ---------------------------------------------------------------- routing


@pytest.mark.django_db
def test_mail_is_routed_by_the_envelope_recipient_before_the_headers(
    kendrascottes, crocso, deliver
):
    deliver(make_mail(to="someone@elsewhere.example"), recipient=CR.upper())
    assert Ticket.objects.get().brand == crocso


@pytest.mark.django_db
def test_an_alias_and_a_plus_address_route_to_the_brand(kendrascottes, deliver):
    SupportAddress.objects.create(brand=kendrascottes, email="Help@Kendrascottes.example")
    deliver(make_mail(to="HELP@kendrascottes.example"))
    deliver(make_mail(to="support+orders@kendrascottes.example"))
    assert Ticket.objects.filter(brand=kendrascottes).count() == 2


@pytest.mark.django_db
def test_an_alias_added_as_a_policy_change_routes_at_once(kendrascottes, deliver):
    deliver(make_mail())  # the addresses are read (and cached) before the change
    SupportAddress.objects.create(brand=kendrascottes, email="vip@kendrascottes.example")
    policy_version_record(kendrascottes, source="admin")
    routed = deliver(make_mail(to="vip@kendrascottes.example"))
    assert routed.status == InboundEmail.Status.PROCESSED
    assert Ticket.objects.filter(brand=kendrascottes).count() == 2


@pytest.mark.django_db
def test_mail_to_an_unknown_address_is_kept_unrouted_until_a_brand_is_assigned(
    kendrascottes, deliver, django_capture_on_commit_callbacks
):
    stored = deliver(make_mail(to="nobody@elsewhere.example"))
    assert stored.status == InboundEmail.Status.UNROUTED
    assert not Ticket.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        inbound_service.inbound_assign_brand(stored, kendrascottes)
    stored.refresh_from_db()
    assert stored.status == InboundEmail.Status.PROCESSED
    assert Ticket.objects.get().brand == kendrascottes


# ---------------------------------------------------------------- parsing on the way in


@pytest.mark.django_db
def test_a_broken_charset_is_read_with_replacements_instead_of_failing(kendrascottes, deliver):
    raw = (
        b"From: ann@customer.example\r\nTo: support@kendrascottes.example\r\n"
        b"Subject: =?x-broken?q?Comm=E9nde?=\r\nMessage-ID: <broken@customer.example>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Ma commande \xe9tait \x81\x8d cass\xc3\xa9e\x00.\r\n"
    )
    assert deliver(raw).status == InboundEmail.Status.PROCESSED
    ticket = Ticket.objects.get()
    assert ticket.subject == "Comménde"
    body = ticket.messages.get(kind=Message.Kind.INBOUND).body_text
    assert body.startswith("Ma commande") and "\x00" not in body


@pytest.mark.django_db
def test_an_attachment_over_the_limit_is_recorded_with_a_note(kendrascottes, deliver, settings):
    settings.ATTACHMENT_MAX_BYTES = 10_000
    raw = make_mail(
        attachments=(
            ("photo.jpg", "image/jpeg", b"\xff\xd8" + b"j" * 50_000),
            ("receipt.pdf", "application/pdf", b"%PDF small"),
        )
    )
    deliver(raw)
    big = Attachment.objects.get(filename="photo.jpg")
    assert big.size == 50_002 and not big.file and "over the" in big.note
    small = Attachment.objects.get(filename="receipt.pdf")
    assert small.file.read() == b"%PDF small" and small.note == ""


@pytest.mark.django_db
def test_the_new_text_of_a_reply_is_kept_apart_from_the_quoted_history(kendrascottes, deliver):
    first = make_mail()
    deliver(first)
    body = "It arrived, thanks!\n\nOn Mon, 2 Nov 2026, Kendrascottes wrote:\n> We have your request"
    deliver(make_mail(body=body, headers={"In-Reply-To": message_id_of(first)}))
    reply = Message.objects.filter(kind=Message.Kind.INBOUND).last()
    assert reply.new_text == "It arrived, thanks!"
    assert "We have your request" in reply.body_text


@pytest.mark.django_db
def test_an_urgent_reason_in_the_text_marks_the_ticket_urgent(kendrascottes, deliver):
    deliver(make_mail(subject="Help", body="My bracelet arrived damaged, the clasp is broken."))
    ticket = Ticket.objects.get()
    assert ticket.is_urgent
    clock = ticket.clocks.get(kind="first_response")
    assert clock.latest_seconds == 12 * 3600


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "urgent"),
    [
        ("I received the wrong items in my parcel.", True),  # wrong item*: any ending
        ("The WRONG   COLOURS arrived.", True),  # any case and spacing
        ("My lost packages were found.", True),
        ("This awrong itemization is odd.", False),  # phrases start at a word
    ],
)
def test_urgent_phrases_match_words_and_the_endings_the_brand_allows(crocso, deliver, body, urgent):
    deliver(make_mail(to=CR, subject="Order", body=body))
    assert Ticket.objects.get().is_urgent is urgent


@pytest.mark.django_db
def test_mail_without_urgent_words_is_not_urgent(kendrascottes, deliver):
    deliver(make_mail())
    assert not Ticket.objects.get().is_urgent


@pytest.mark.django_db
def test_another_language_flags_translation_and_extends_the_promise(kendrascottes, deliver):
    deliver(
        make_mail(
            subject="Ma commande",
            body="Bonjour, je n'ai toujours pas reçu ma commande. Pouvez-vous m'aider ?",
        )
    )
    ticket = Ticket.objects.get()
    assert (ticket.language, ticket.needs_translation) == ("fr", True)
    assert ticket.clocks.get(kind="first_response").latest_seconds == (48 + 24) * 3600


# ---------------------------------------------------------------- failures and retries


@pytest.mark.django_db
def test_a_failure_is_kept_with_its_error_and_reprocess_inbound_retries_it(
    kendrascottes, deliver, django_capture_on_commit_callbacks
):
    raw = make_mail()
    with mock.patch.object(inbound_service, "ticket_create", side_effect=RuntimeError("boom")):
        stored = deliver(raw)
    assert stored.status == InboundEmail.Status.FAILED
    assert "RuntimeError: boom" in stored.error
    assert inbound_raw_read(stored) == raw
    assert not Ticket.objects.exists()
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reprocess_inbound", stdout=out)
    stored.refresh_from_db()
    assert stored.status == InboundEmail.Status.PROCESSED
    assert stored.attempts == 2
    assert Ticket.objects.count() == 1
    assert "1 inbound email(s)" in out.getvalue()


@pytest.mark.django_db
def test_a_failure_after_saving_attachments_leaves_no_file_behind(
    kendrascottes, deliver, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    raw = make_mail(attachments=(("receipt.pdf", "application/pdf", b"%PDF receipt"),))
    real_save = inbound_service._save_attachments

    def save_then_crash(message, parsed):
        real_save(message, parsed)
        raise RuntimeError("crash after the files were written")

    with mock.patch.object(inbound_service, "_save_attachments", save_then_crash):
        stored = deliver(raw)
    assert stored.status == InboundEmail.Status.FAILED
    attachments = tmp_path / "attachments"  # the raw mail is kept beside them
    assert [path for path in attachments.rglob("*") if path.is_file()] == []
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reprocess_inbound", stdout=io.StringIO())
    files = [path for path in attachments.rglob("*") if path.is_file()]
    assert [path.read_bytes() for path in files] == [b"%PDF receipt"]
    assert Attachment.objects.get().file.read() == b"%PDF receipt"


@pytest.mark.django_db
def test_unreadable_mail_is_stored_and_marked_failed(kendrascottes, deliver):
    stored = deliver(b"\xff\xfe not a mail at all")
    assert stored.status in (InboundEmail.Status.FAILED, InboundEmail.Status.UNROUTED)
    assert inbound_raw_read(stored) == b"\xff\xfe not a mail at all"


@pytest.mark.django_db
def test_mail_without_a_sender_waits_for_an_agent_visibly(kendrascottes, deliver):
    raw = b"To: support@kendrascottes.example\r\nSubject: who am I\r\n\r\nbody\r\n"
    stored = deliver(raw)
    assert stored.status == InboundEmail.Status.NO_SENDER
    assert "no valid address" in stored.error.lower()


@pytest.mark.django_db
def test_messages_the_broker_lost_are_enqueued_again(
    kendrascottes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        stuck = inbound_store(make_mail(), source="test")
        fresh = inbound_store(make_mail(), source="test")
    InboundEmail.objects.filter(pk=stuck.pk).update(
        received_at=timezone.now() - timedelta(minutes=30)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert inbound_requeue_stuck() == 1
    assert InboundEmail.objects.get(pk=stuck.pk).status == InboundEmail.Status.PROCESSED
    assert InboundEmail.objects.get(pk=fresh.pk).status == InboundEmail.Status.RECEIVED


# ---------------------------------------------------------------- admin


@pytest.mark.django_db
def test_agents_see_the_mail_of_their_brand_and_superusers_the_unrouted(
    client, kendrascottes, crocso, deliver
):
    deliver(make_mail(to=KS, subject="For KS"))
    deliver(make_mail(to=CR, subject="For CR"))
    deliver(make_mail(to="nobody@elsewhere.example", subject="For nobody"))
    client.force_login(agent_of(kendrascottes))
    page = client.get("/admin/helpdesk/inboundemail/").content.decode()
    assert "For KS" in page and "For CR" not in page and "For nobody" not in page
    client.force_login(UserFactory(username="root", is_superuser=True))
    page = client.get("/admin/helpdesk/inboundemail/?status__exact=unrouted").content.decode()
    assert "For nobody" in page and "For KS" not in page


@pytest.mark.django_db
def test_admin_shows_and_downloads_the_raw_message(client, kendrascottes, deliver):
    stored = deliver(make_mail(subject="Raw please"))
    client.force_login(agent_of(kendrascottes))
    page = client.get(f"/admin/helpdesk/inboundemail/{stored.pk}/change/").content.decode()
    assert "Subject: Raw please" in page
    download = client.get(f"/admin/helpdesk/inboundemail/{stored.pk}/raw/")
    assert download["Content-Type"] == "message/rfc822"
    assert b"".join(download.streaming_content) == inbound_raw_read(stored)


@pytest.mark.django_db
def test_admin_retry_action_and_brand_assignment(
    client, kendrascottes, deliver, django_capture_on_commit_callbacks
):
    with mock.patch.object(inbound_service, "ticket_create", side_effect=RuntimeError("boom")):
        failed = deliver(make_mail())
    unrouted = deliver(make_mail(to="nobody@elsewhere.example"))
    client.force_login(UserFactory(username="root", is_superuser=True))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/helpdesk/inboundemail/",
            {"action": "retry_processing", "_selected_action": [failed.pk]},
        )
    failed.refresh_from_db()
    assert failed.status == InboundEmail.Status.PROCESSED
    change = client.get(f"/admin/helpdesk/inboundemail/{unrouted.pk}/change/")
    assert change.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/admin/helpdesk/inboundemail/{unrouted.pk}/change/", {"brand": kendrascottes.pk}
        )
    unrouted.refresh_from_db()
    assert (unrouted.status, unrouted.brand) == (InboundEmail.Status.PROCESSED, kendrascottes)
    assert Ticket.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("attachments", [(), (("receipt.pdf", "application/pdf", b"%PDF"),)])
def test_a_new_request_is_stored_filed_and_acknowledged_in_a_fixed_number_of_queries(
    kendrascottes, deliver, settings, tmp_path, attachments
):
    settings.MEDIA_ROOT = tmp_path
    deliver(make_mail(message_id="<warm-up@customer.example>"))  # caches and ticket numbers
    raw = make_mail(subject="Second", attachments=attachments)
    stored = inbound_store(raw, source="test", envelope_recipient=KS)
    with CaptureQueriesContext(connection) as captured:
        assert inbound_process(stored.pk) == InboundEmail.Status.PROCESSED
    # Lock the message (with its raw bytes and the brands' state); look up its Message-IDs
    # with the sender's recent acknowledgements; take a ticket number; insert the ticket, its
    # message and clock (and the clock's start in the audit trail), store the ticket's next
    # due instant, the acknowledgement's message and outbox row; mark the message processed;
    # and the transaction's own begin and end. Every statement is a round trip.
    # Attachments add their rows' one insert, nothing more.
    statements = [query["sql"].split()[0] for query in captured]
    assert len(statements) <= 13 + bool(attachments), statements
    assert Ticket.objects.count() == 2
    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.ACKNOWLEDGEMENT).count() == 2


@pytest.mark.django_db
def test_a_reply_is_threaded_and_filed_in_a_fixed_number_of_queries(kendrascottes, deliver):
    first = make_mail()
    deliver(first)
    reply = make_mail(
        subject="Re: Where is my order?", headers={"In-Reply-To": message_id_of(first)}
    )
    stored = inbound_store(reply, source="test", envelope_recipient=KS)
    with CaptureQueriesContext(connection) as captured:
        assert inbound_process(stored.pk) == InboundEmail.Status.PROCESSED
    # Lock the message, look up its Message-IDs (and the sender's recent acknowledgements, in
    # the same query), lock the ticket they name, insert the reply,
    # mark the message processed; and the transaction's own begin and end.
    statements = [query["sql"].split()[0] for query in captured]
    assert len(statements) <= 7, statements
    assert Ticket.objects.get().messages.filter(kind=Message.Kind.INBOUND).count() == 2


@pytest.mark.django_db
def test_filing_a_message_reads_a_few_rows_however_many_the_brand_has(kendrascottes, deliver):
    if connection.vendor != "postgresql":
        pytest.skip("reads PostgreSQL's per-table statistics")
    # No plan may walk through the brand's messages, mail or tickets for each message
    # received. The tables are analysed once the history is in: in a full run, statistics left
    # by earlier tests (they are not rolled back) made one of these plans walk the brand's rows,
    # which a database whose autovacuum has caught up does not do.
    brand_history(kendrascottes, 20000)
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE helpdesk_ticket, helpdesk_message, helpdesk_outboundemail, "
            "helpdesk_inboundemail, helpdesk_slaclock"
        )
    # The brand's first ticket here makes its number sequence, after the highest number used
    # (read once in a brand's life).
    deliver(make_mail(sender="bob@customer.example"))
    first = make_mail(subject="My order")
    reply = make_mail(
        subject="Re: My order",
        headers={"In-Reply-To": message_id_of(first), "References": message_id_of(first)},
    )
    by_subject = make_mail(subject="Re: [KS-020002] again")
    for raw in (first, reply, by_subject):
        with CaptureQueriesContext(connection) as queries:
            deliver(raw)
        assert rows_read_by_selects(queries.captured_queries) < 20
    assert Ticket.objects.get(reference="KS-020002").messages.count() == 4  # with our answer
