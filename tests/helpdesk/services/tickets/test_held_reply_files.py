"""The composer's reply: files of a reply the collision guard held back are kept for the agent
who wrote it and go with it once confirmed; nobody else sees or sends them; unsent ones go
after a day. A macro's status is what the reply does unless the agent chooses otherwise."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from helpdesk.errors import ApplicationError
from helpdesk.models import Attachment, HeldReplyFile, Macro, OutboundEmail, Ticket
from helpdesk.services.outbox.sending import outbound_send
from helpdesk.services.tickets.composer import (
    composer_reply_send,
    held_files_of,
    held_files_remove_stale,
)
from helpdesk.services.tickets.lifecycle import reply_held_back, ticket_customer_reply
from tests.factories import TicketFactory, agent_of

LABEL = b"%PDF-1.4 a return label"


def label() -> SimpleUploadedFile:
    return SimpleUploadedFile("return-label.pdf", LABEL, "application/pdf")


def newest_message_id(ticket: Ticket) -> int:
    return ticket.messages.order_by("-id").values_list("id", flat=True).first()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def ticket(kendrascottes):
    return TicketFactory(brand=kendrascottes, customer_email="ann@customer.example")


@pytest.fixture
def kim(kendrascottes):
    return agent_of(kendrascottes, username="kim")


@pytest.fixture
def held(ticket, kim, media, django_capture_on_commit_callbacks) -> HeldReplyFile:
    """Kim's reply with a label, written before the customer wrote again: held back."""
    seen = newest_message_id(ticket)
    ticket_customer_reply(ticket, body="Also, the box was open.")
    with (
        pytest.raises(ApplicationError) as refused,
        django_capture_on_commit_callbacks(execute=True),
    ):
        composer_reply_send(
            ticket,
            author=kim,
            body="Here is the label.",
            last_seen_message=seen,
            attachments=[label()],
        )
    assert reply_held_back(refused.value)
    return held_files_of(ticket, kim).get()


@pytest.mark.django_db
def test_a_held_replys_file_is_kept_for_its_agent_and_nothing_is_sent(held, ticket, kim):
    assert (held.filename, held.size, held.content_type) == (
        "return-label.pdf",
        len(LABEL),
        "application/pdf",
    )
    with default_storage.open(held.file.name) as kept:
        assert kept.read() == LABEL
    assert not OutboundEmail.objects.filter(kind=OutboundEmail.Kind.REPLY).exists()
    assert not Attachment.objects.exists()


@pytest.mark.django_db
def test_confirming_sends_the_held_file_and_one_added_on_the_second_try(
    held, ticket, kim, django_capture_on_commit_callbacks
):
    photo = SimpleUploadedFile("ring.png", b"\x89PNG a photo", "image/png")
    with django_capture_on_commit_callbacks(execute=True):
        message = composer_reply_send(
            ticket,
            author=kim,
            body="Here is the label.",
            last_seen_message=newest_message_id(ticket),
            attachments=[photo],
            held_files=[held.pk],
        )
    outbound_send(message.outbound_email.pk)

    assert sorted(mail.outbox[-1].attachments) == [
        ("return-label.pdf", LABEL, "application/pdf"),
        ("ring.png", b"\x89PNG a photo", "image/png"),
    ]
    # Sent, the held file is the reply's attachment where it lay, and no longer held.
    sent = Attachment.objects.get(message=message, filename="return-label.pdf")
    assert sent.file.name == held.file.name
    assert default_storage.exists(held.file.name)
    assert not HeldReplyFile.objects.exists()


@pytest.mark.django_db
def test_another_agent_can_neither_see_nor_send_someone_elses_held_file(
    held, ticket, kendrascottes
):
    lee = agent_of(kendrascottes, username="lee")

    assert not held_files_of(ticket, lee).exists()
    with pytest.raises(ApplicationError) as refused:
        composer_reply_send(
            ticket,
            author=lee,
            body="Sending Kim's label.",
            last_seen_message=newest_message_id(ticket),
            held_files=[held.pk],
        )

    assert "held_files" in refused.value.fields
    assert not OutboundEmail.objects.filter(kind=OutboundEmail.Kind.REPLY).exists()
    assert HeldReplyFile.objects.get() == held
    assert default_storage.exists(held.file.name)


@pytest.mark.django_db
def test_a_held_file_is_sent_only_on_its_own_ticket(held, kim, kendrascottes):
    other = TicketFactory(brand=kendrascottes)

    with pytest.raises(ApplicationError) as refused:
        composer_reply_send(other, author=kim, body="Here.", held_files=[held.pk])

    assert "held_files" in refused.value.fields
    assert HeldReplyFile.objects.get() == held


@pytest.mark.django_db
def test_held_files_the_agent_unticks_are_dropped_when_the_reply_goes(
    held, ticket, kim, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = composer_reply_send(
            ticket,
            author=kim,
            body="No label after all.",
            last_seen_message=newest_message_id(ticket),
        )

    assert not message.attachments.exists()
    assert not HeldReplyFile.objects.exists()
    assert not default_storage.exists(held.file.name)


@pytest.mark.django_db
def test_held_again_the_reply_keeps_its_held_files_and_the_new_ones(
    held, ticket, kim, django_capture_on_commit_callbacks
):
    seen = newest_message_id(ticket)
    ticket_customer_reply(ticket, body="Hello?")
    with pytest.raises(ApplicationError), django_capture_on_commit_callbacks(execute=True):
        composer_reply_send(
            ticket,
            author=kim,
            body="Here is the label.",
            last_seen_message=seen,
            attachments=[SimpleUploadedFile("ring.png", b"\x89PNG", "image/png")],
            held_files=[held.pk],
        )

    assert sorted(held_files_of(ticket, kim).values_list("filename", flat=True)) == [
        "return-label.pdf",
        "ring.png",
    ]


@pytest.mark.django_db
def test_held_and_new_files_together_keep_the_reply_limit(held, ticket, kim, settings):
    settings.API_ATTACHMENTS_MAX = 1

    with pytest.raises(ApplicationError) as refused:
        composer_reply_send(
            ticket,
            author=kim,
            body="Here.",
            last_seen_message=newest_message_id(ticket),
            attachments=[SimpleUploadedFile("ring.png", b"\x89PNG", "image/png")],
            held_files=[held.pk],
        )

    assert refused.value.fields["attachments"] == "At most 1 files per reply."
    assert HeldReplyFile.objects.get() == held


@pytest.mark.django_db
def test_held_files_nobody_sent_go_after_a_day_and_newer_ones_stay(
    held, ticket, kim, django_capture_on_commit_callbacks
):
    newer = HeldReplyFile.objects.create(
        ticket=ticket, author=kim, file="attachments/newer.txt", created_at=timezone.now()
    )
    default_storage.save(newer.file.name, SimpleUploadedFile("newer.txt", b"x"))
    HeldReplyFile.objects.filter(pk=held.pk).update(created_at=timezone.now() - timedelta(hours=25))

    with django_capture_on_commit_callbacks(execute=True):
        assert held_files_remove_stale() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert held_files_remove_stale() == 0

    assert list(HeldReplyFile.objects.all()) == [newer]
    assert not default_storage.exists(held.file.name)
    assert default_storage.exists(newer.file.name)


@pytest.mark.django_db
def test_a_macros_status_is_what_the_reply_does_unless_the_agent_chooses(ticket, kim):
    resolving = Macro.objects.create(
        brand=ticket.brand, name="Done", body="All done.", status=Ticket.Status.RESOLVED
    )

    composer_reply_send(ticket, author=kim, body="All done.", macro=resolving)
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.RESOLVED

    ticket_customer_reply(ticket, body="Not quite.")
    composer_reply_send(
        ticket, author=kim, body="Looking.", macro=resolving, chosen_status=Ticket.Status.WAITING
    )
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.WAITING
