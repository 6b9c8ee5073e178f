"""What the composer adds to a reply or note: the signature, attachments, @mentions."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from helpdesk.errors import ApplicationError
from helpdesk.models import Alert, Attachment, OutboundEmail, Signature
from helpdesk.services.outbox.sending import outbound_send
from helpdesk.services.tickets.lifecycle import note_mentions, ticket_add_note, ticket_reply
from tests.factories import TicketFactory, agent_of


@pytest.mark.django_db
def test_the_agents_signature_for_the_brand_ends_the_reply(kendrascottes, crocso):
    kim = agent_of(kendrascottes, username="kim")
    Signature.objects.create(user=kim, brand=kendrascottes, text="Kim\nKendrascottes care")
    Signature.objects.create(user=kim, brand=crocso, text="Kim at Crocso")
    ticket = TicketFactory(brand=kendrascottes)

    message = ticket_reply(ticket, author=kim, body="On its way.")

    assert message.body_text == "On its way.\n\n-- \nKim\nKendrascottes care"
    outbound = OutboundEmail.objects.get(kind=OutboundEmail.Kind.REPLY)
    assert "On its way.\n\n-- \nKim\nKendrascottes care" in outbound.body_text
    assert "Crocso" not in outbound.body_text


@pytest.mark.django_db
def test_a_reply_carries_its_attachments_to_the_customer(kendrascottes):
    kim = agent_of(kendrascottes, username="kim")
    ticket = TicketFactory(brand=kendrascottes)
    label = SimpleUploadedFile("return-label.pdf", b"%PDF-1.4 label", "application/pdf")

    message = ticket_reply(ticket, author=kim, body="Here is the label.", attachments=[label])
    outbound_send(message.outbound_email.pk)

    kept = Attachment.objects.get(message=message)
    assert (kept.filename, kept.size) == ("return-label.pdf", len(b"%PDF-1.4 label"))
    assert mail.outbox[-1].attachments == [
        ("return-label.pdf", b"%PDF-1.4 label", "application/pdf")
    ]


@pytest.mark.django_db
def test_reply_attachments_have_the_inbound_limits(kendrascottes, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    settings.API_ATTACHMENTS_MAX = 2
    kim = agent_of(kendrascottes, username="kim")
    ticket = TicketFactory(brand=kendrascottes)

    with pytest.raises(ApplicationError) as too_big:
        ticket_reply(
            ticket,
            author=kim,
            body="Here.",
            attachments=[SimpleUploadedFile("big.bin", b"x" * 11)],
        )
    assert "big.bin is larger than 10" in too_big.value.fields["attachments"]
    with pytest.raises(ApplicationError) as too_many:
        ticket_reply(
            ticket,
            author=kim,
            body="Here.",
            attachments=[SimpleUploadedFile(f"{n}.txt", b"x") for n in range(3)],
        )
    assert too_many.value.fields["attachments"] == "At most 2 files per reply."
    assert not OutboundEmail.objects.filter(kind=OutboundEmail.Kind.REPLY).exists()
    assert not Attachment.objects.exists()


@pytest.mark.django_db
def test_a_note_names_the_brands_staff_it_mentions_and_nobody_else(kendrascottes, crocso):
    kim = agent_of(kendrascottes, username="kim")
    lee = agent_of(kendrascottes, username="lee.senior")
    agent_of(crocso, username="carl")
    ticket = TicketFactory(brand=kendrascottes)

    note = ticket_add_note(
        ticket,
        author=kim,
        body="@Lee.Senior can you look? Not @carl, and ann@customer.example is the customer.",
    )

    assert note.mentioned == [lee]
    assert note_mentions(kendrascottes.pk, "no one here") == []


@pytest.mark.django_db
def test_the_colleagues_a_note_mentions_get_an_alert_and_its_author_none(kendrascottes):
    kim = agent_of(kendrascottes, username="kim")
    agent_of(kendrascottes, username="lee")
    ticket = TicketFactory(brand=kendrascottes)

    ticket_add_note(ticket, author=kim, body="@lee have a look; @kim noted.")

    assert list(Alert.objects.values_list("user__username", "kind")) == [("lee", "mention")]
