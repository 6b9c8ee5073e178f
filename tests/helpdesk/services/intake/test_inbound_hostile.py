"""Hostile mail: addresses from the headers' structure only, values bounded to their columns,
mail with no usable sender kept for an agent, and database faults that leave work to retry."""

import base64
from datetime import timedelta
from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from brands.models import BrandMembership
from helpdesk.models import Attachment, InboundEmail, Ticket
from helpdesk.services.intake import inbound as inbound_service
from helpdesk.services.intake.inbound import inbound_reprocess, inbound_requeue_stuck
from helpdesk.services.raw_mail import inbound_raw_read
from tests.factories import MembershipFactory, agent_of
from tests.helpdesk.mail import ANN, CR, KS, acknowledgements, make_mail, post_inbound

REAL = "real.sender@customer.example"


def encoded(text: str) -> str:
    """An RFC 2047 encoded word, as a hostile sender writes a display name."""
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


def raw_mail(
    *, sender: str, to: str = KS, subject: str = "Help", body: str = "Hello there.", extra=""
) -> bytes:
    """Headers written byte for byte (a mail library would re-encode what we mean to send)."""
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
        f"Message-ID: <{abs(hash((sender, to, subject, body)))}@customer.example>\r\n{extra}"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


def acknowledged_to() -> list[list[str]]:
    return [m.to for m in acknowledgements()]


# ---------------------------------------------------------------- the real sender


@pytest.mark.django_db
@pytest.mark.parametrize(
    "display",
    [
        "someone@else.example <someone@else.example>,",
        "someone@else.example",
        "Eve\r\nBcc: someone@else.example",
        "Eve\nTo: someone@else.example,",
    ],
)
def test_an_encoded_display_name_never_becomes_the_customer(
    client, kendrascottes, display, django_capture_on_commit_callbacks
):
    raw = raw_mail(sender=f"{encoded(display)} <{REAL}>")
    with django_capture_on_commit_callbacks(execute=True):
        assert post_inbound(client, raw, sender=REAL).status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.customer_email == REAL
    assert "\r" not in ticket.customer_name and "\n" not in ticket.customer_name
    assert acknowledged_to() == [[REAL]]
    assert "someone@else.example" not in {a for to in acknowledged_to() for a in to}


@pytest.mark.django_db
def test_the_first_valid_mailbox_of_several_in_from_is_the_customer(kendrascottes, deliver):
    sender = f"{encoded('x@y.example')}, <{'a' * 300}@long.example>, Ann <{ANN}>, <b@c.example>"
    deliver(raw_mail(sender=sender))
    assert Ticket.objects.get().customer_email == ANN
    assert acknowledged_to() == [[ANN]]


@pytest.mark.django_db
def test_an_address_in_an_encoded_to_name_does_not_route_to_that_brand(
    kendrascottes, crocso, deliver
):
    to = f"{encoded(f'{CR}')} <{KS}>"
    deliver(raw_mail(sender=f"Ann <{ANN}>", to=to))
    assert list(Ticket.objects.values_list("brand__slug", flat=True)) == ["kendrascottes"]


@pytest.mark.django_db
def test_an_encoded_envelope_like_recipient_header_is_display_text_only(crocso, deliver):
    # Delivered-To decides routing before To; its encoded word must not be read as an address.
    extra = f"Delivered-To: {encoded(KS)} <nobody@elsewhere.example>\r\n"
    stored = deliver(raw_mail(sender=f"Ann <{ANN}>", to="nobody@elsewhere.example", extra=extra))
    assert stored.status == InboundEmail.Status.UNROUTED
    assert not Ticket.objects.exists()


# ---------------------------------------------------------------- values that fit their columns


@pytest.mark.django_db
def test_an_over_long_address_is_no_address(kendrascottes, deliver):
    long_address = f"{'a' * 250}@customer.example"
    stored = deliver(raw_mail(sender=f"Ann <{long_address}>"))
    assert stored.status == InboundEmail.Status.NO_SENDER
    assert stored.from_email == ""
    assert not Ticket.objects.exists()
    assert acknowledged_to() == []


@pytest.mark.django_db
def test_over_long_display_text_is_shortened_visibly_not_refused(kendrascottes, deliver):
    name = "N" * 500
    subject = "S" * 600
    attachment_name = "f" * 400 + ".pdf"
    raw = make_mail(
        sender=f"{name} <{ANN}>",
        subject=subject,
        attachments=(
            (attachment_name, "application/pdf", b"%PDF"),
            ("photo.png", "image/" + "x" * 300, b"\x89PNG"),
        ),
    )
    stored = deliver(raw)
    assert stored.status == InboundEmail.Status.PROCESSED, stored.error
    ticket = Ticket.objects.get()
    assert len(ticket.customer_name) == 200 and ticket.customer_name.endswith("\u2026")
    assert len(ticket.subject) == 255 and ticket.subject.endswith("\u2026")
    first = ticket.messages.get(kind="inbound")
    assert first.sender_name == ticket.customer_name
    files = {a.filename: a for a in Attachment.objects.all()}
    long_name = next(name for name in files if name.endswith(".pdf"))
    assert len(long_name) == 255 and "\u2026" in long_name
    assert files["photo.png"].content_type == "application/octet-stream"


@pytest.mark.django_db
def test_an_over_long_content_id_is_dropped_and_the_file_still_kept(kendrascottes, deliver):
    raw = (
        f"From: Ann <{ANN}>\r\nTo: {KS}\r\nSubject: Picture\r\nMessage-ID: <cid-long@x>\r\n"
        'Content-Type: multipart/related; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/html\r\n\r\n<p>see</p>\r\n"
        f"--b\r\nContent-Type: image/png\r\nContent-ID: <{'c' * 400}@x>\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\niVBORw==\r\n--b--\r\n"
    ).encode()
    assert deliver(raw).status == InboundEmail.Status.PROCESSED
    attachment = Attachment.objects.get()
    assert attachment.content_id == ""
    assert attachment.size == 4


# ---------------------------------------------------------------- mail with no usable sender


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sender",
    ["", "undisclosed-recipients:;", encoded("ann@customer.example"), "not an address"],
)
def test_mail_with_no_usable_sender_waits_for_an_agent_out_of_the_retry_loop(
    kendrascottes, deliver, sender
):
    header = f"From: {sender}\r\n" if sender else ""
    raw = f"{header}To: {KS}\r\nSubject: who am I\r\n\r\nbody\r\n".encode()
    stored = deliver(raw, sender="<>")
    assert stored.status == InboundEmail.Status.NO_SENDER
    assert stored.brand == kendrascottes
    assert "names no valid address" in stored.error
    assert not Ticket.objects.exists()
    assert inbound_reprocess() == []
    assert inbound_reprocess([stored.pk]) == []
    stored.refresh_from_db()
    assert stored.status == InboundEmail.Status.NO_SENDER


@pytest.mark.django_db
def test_a_valid_envelope_sender_answers_for_a_mail_without_from(kendrascottes, deliver):
    raw = f"To: {KS}\r\nSubject: who am I\r\n\r\nbody\r\n".encode()
    assert deliver(raw, sender=ANN).status == InboundEmail.Status.PROCESSED
    assert Ticket.objects.get().customer_email == ANN


@pytest.mark.django_db
def test_an_agent_files_mail_with_no_sender_as_a_ticket_for_the_address_they_enter(
    client, kendrascottes, deliver, django_capture_on_commit_callbacks
):
    stored = deliver(raw_mail(sender="undisclosed-recipients:;", subject="Broken ring"))
    client.force_login(agent_of(kendrascottes))
    listing = client.get("/admin/helpdesk/inboundemail/?status__exact=no_sender")
    assert "Broken ring" in listing.content.decode()
    detail = client.get(f"/admin/helpdesk/inboundemail/{stored.pk}/change/").content.decode()
    assert "names no valid address" in detail
    page_url = f"/admin/helpdesk/inboundemail/{stored.pk}/reply-address/"
    assert "names no valid address" in client.get(page_url).content.decode()

    refused = client.post(page_url, {"do": "file", "reply_address": "not-an-address"})
    assert refused.status_code == 200
    assert "valid email address" in refused.content.decode()
    stored.refresh_from_db()
    assert stored.status == InboundEmail.Status.NO_SENDER

    with django_capture_on_commit_callbacks(execute=True):
        filed = client.post(page_url, {"do": "file", "reply_address": " Ann@Customer.Example "})
    assert filed.status_code == 302
    stored.refresh_from_db()
    assert stored.status == InboundEmail.Status.PROCESSED
    assert stored.reply_address == ANN
    ticket = Ticket.objects.get()
    assert (ticket.customer_email, ticket.subject) == (ANN, "Broken ring")
    assert acknowledged_to() == [[ANN]]


@pytest.mark.django_db
def test_an_agent_discards_mail_with_no_sender_and_it_says_who(client, kendrascottes, deliver):
    stored = deliver(raw_mail(sender="nobody", subject="Spam"))
    agent = agent_of(kendrascottes)
    client.force_login(agent)
    response = client.post(
        f"/admin/helpdesk/inboundemail/{stored.pk}/reply-address/", {"do": "discard"}
    )
    assert response.status_code == 302
    stored.refresh_from_db()
    assert stored.status == InboundEmail.Status.DISCARDED
    assert f"Discarded by {agent.username}" in stored.error
    assert inbound_raw_read(stored)  # still kept
    again = client.post(f"/admin/helpdesk/inboundemail/{stored.pk}/reply-address/", {"do": "file"})
    assert again.status_code == 404


@pytest.mark.django_db
def test_another_brands_agent_cannot_see_or_file_mail_with_no_sender(
    client, kendrascottes, crocso, deliver
):
    stored = deliver(raw_mail(sender="nobody", subject="Mine only"))
    client.force_login(agent_of(crocso))
    assert "Mine only" not in client.get("/admin/helpdesk/inboundemail/").content.decode()
    url = f"/admin/helpdesk/inboundemail/{stored.pk}/reply-address/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"do": "file", "reply_address": ANN}).status_code == 404
    stored.refresh_from_db()
    assert stored.status == InboundEmail.Status.NO_SENDER


@pytest.mark.django_db
def test_an_esp_retry_of_mail_with_no_sender_is_listed_once(kendrascottes, deliver):
    raw = raw_mail(sender="nobody")
    first, second = deliver(raw), deliver(raw)
    assert (first.status, second.status) == (
        InboundEmail.Status.NO_SENDER,
        InboundEmail.Status.DUPLICATE,
    )


# ---------------------------------------------------------------- database faults


@pytest.mark.django_db
@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_database_error_leaves_the_mail_to_be_retried_automatically(
    kendrascottes, deliver, django_capture_on_commit_callbacks, error
):
    with mock.patch.object(inbound_service, "_process", side_effect=error("connection lost")):
        stored = deliver(make_mail())
    assert stored.status == InboundEmail.Status.RECEIVED
    assert (stored.error, stored.attempts) == ("", 0)
    InboundEmail.objects.filter(pk=stored.pk).update(
        received_at=timezone.now() - timedelta(minutes=30)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert inbound_requeue_stuck() == 1
    stored.refresh_from_db()
    assert stored.status == InboundEmail.Status.PROCESSED
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
def test_an_owner_who_is_no_agent_of_the_brand_gets_403_on_its_mail_views(
    client, kendrascottes, crocso, deliver
):
    stored = deliver(raw_mail(sender="nobody", subject="Owner looks"))
    user = agent_of(crocso)
    MembershipFactory(user=user, brand=kendrascottes, role=BrandMembership.Role.OWNER)
    client.force_login(user)
    for view in ("raw", "reply-address"):
        assert client.get(f"/admin/helpdesk/inboundemail/{stored.pk}/{view}/").status_code == 403
