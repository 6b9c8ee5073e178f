"""What the composer adds to a reply or note: the signature, attachments, @mentions."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from brands.models import EmailTemplate
from brands.services import policy_version_record
from helpdesk.errors import ApplicationError
from helpdesk.models import Alert, Attachment, OutboundEmail, Signature
from helpdesk.services.outbox.sending import outbound_send
from helpdesk.services.tickets.lifecycle import (
    note_mentions,
    ticket_add_note,
    ticket_customer_reply,
    ticket_reply,
)
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
def test_a_signed_reply_is_signed_once_and_keeps_its_reference(kendrascottes):
    kim = agent_of(kendrascottes, username="kim", first_name="Kim")
    Signature.objects.create(user=kim, brand=kendrascottes, text="Kim, Kendrascottes care")
    ticket = TicketFactory(brand=kendrascottes)

    outbound_send(ticket_reply(ticket, author=kim, body="On its way.").outbound_email.pk)

    sent = mail.outbox[-1]
    assert sent.body.startswith(
        f"On its way.\n\n-- \nKim, Kendrascottes care\n\nReference: {ticket.reference}\n"
    )
    assert "Customer Service" not in sent.body
    html = sent.alternatives[0][0]
    assert "Kim, Kendrascottes care" in html
    assert f"<p>Reference: {ticket.reference}</p>" in html
    assert "Customer Service" not in html


@pytest.mark.django_db
def test_an_unsigned_reply_keeps_the_brands_sign_off(kendrascottes):
    kim = agent_of(kendrascottes, username="kim", first_name="Kim")
    ticket = TicketFactory(brand=kendrascottes)

    outbound_send(ticket_reply(ticket, author=kim, body="On its way.").outbound_email.pk)

    sent = mail.outbox[-1]
    sign_off = f"Kim, {kendrascottes.from_name or kendrascottes.name}"
    assert sent.body.startswith(f"On its way.\n\n{sign_off}\nReference: {ticket.reference}\n")
    assert f"<p>{sign_off}<br>\nReference: {ticket.reference}</p>" in sent.alternatives[0][0]


@pytest.mark.django_db
def test_a_brands_own_reply_wording_knows_whether_the_agent_signed(crocso):
    EmailTemplate.objects.create(
        brand=crocso,
        name="reply",
        subject="Re: {{ ticket.subject }}",
        body_text="{{ body }}{% if not signed %}\n\nThe Crocso team{% endif %}",
    )
    policy_version_record(crocso, source="test")
    crocso.refresh_from_db()
    cleo, max_ = agent_of(crocso, username="cleo"), agent_of(crocso, username="max")
    Signature.objects.create(user=cleo, brand=crocso, text="Cleo")
    ticket = TicketFactory(brand=crocso)

    signed = ticket_reply(ticket, author=cleo, body="Sized up.").outbound_email
    ticket_customer_reply(ticket, body="Thanks")
    unsigned = ticket_reply(ticket, author=max_, body="Glad to help.").outbound_email

    assert signed.body_text == "Sized up.\n\n-- \nCleo\n"
    assert unsigned.body_text == "Glad to help.\n\nThe Crocso team\n"


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
