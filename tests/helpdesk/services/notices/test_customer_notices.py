"""What the customer is told, and when: status changes close together make one mail, an
agent's reply is the news itself, a resolved ticket gets one rating request a day later; all of
it in the ticket's language."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from brands.models import EmailTemplate
from brands.promises import promise_text
from brands.services import policy_version_record
from helpdesk.models import Feedback, OutboundEmail, PendingStatusNotice, Ticket
from helpdesk.services.notices.customer import customer_notices_send_due
from helpdesk.services.tickets.lifecycle import (
    ticket_customer_reply,
    ticket_reply,
    ticket_resolve,
    ticket_set_status,
)
from tests.factories import TicketFactory, agent_of
from tests.notices import assert_status_links, notices_window_passes

WINDOW = timedelta(seconds=settings.CUSTOMER_NOTICE_WINDOW_SECONDS)


def sent(ticket: Ticket, kind: str) -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(ticket=ticket, kind=kind).order_by("id"))


# -- status notices, batched ----------------------------------------------------------------------


@pytest.mark.django_db
def test_changes_within_the_window_reach_the_customer_as_one_mail(crocso):
    ticket = TicketFactory(brand=crocso)
    ticket_reply(ticket, author=agent_of(crocso), body="We are on it.")
    now = timezone.now()

    ticket_set_status(ticket, Ticket.Status.WAITING, at=now)
    ticket_set_status(ticket, Ticket.Status.OPEN, at=now + timedelta(seconds=30))
    ticket_resolve(ticket, reason="The carrier found your parcel.")

    assert sent(ticket, OutboundEmail.Kind.STATUS_NOTICE) == []  # the window is still open
    customer_notices_send_due(now + WINDOW - timedelta(seconds=1))
    assert sent(ticket, OutboundEmail.Kind.STATUS_NOTICE) == []

    customer_notices_send_due(now + WINDOW)

    (notice,) = sent(ticket, OutboundEmail.Kind.STATUS_NOTICE)
    assert 'its status is now "Resolved" (it was "In progress: we are working on it")' in (
        notice.body_text
    )
    assert "What happened: The carrier found your parcel." in notice.body_text
    assert_status_links(notice, ticket)
    assert not PendingStatusNotice.objects.exists()
    customer_notices_send_due(now + WINDOW * 3)  # the beat again: nothing more
    assert len(sent(ticket, OutboundEmail.Kind.STATUS_NOTICE)) == 1


@pytest.mark.django_db
def test_a_change_undone_within_the_window_tells_the_customer_nothing(crocso):
    ticket = TicketFactory(brand=crocso)
    ticket_set_status(ticket, Ticket.Status.OPEN)
    notices_window_passes()

    ticket_set_status(ticket, Ticket.Status.WAITING)
    ticket_set_status(ticket, Ticket.Status.OPEN)
    notices_window_passes()

    assert len(sent(ticket, OutboundEmail.Kind.STATUS_NOTICE)) == 1  # only new -> open


@pytest.mark.django_db
def test_an_agents_reply_is_the_news_and_takes_the_waiting_notice_with_it(crocso):
    ticket = TicketFactory(brand=crocso)
    ticket_set_status(ticket, Ticket.Status.OPEN)

    ticket_reply(ticket, author=agent_of(crocso), body="Found it.", status="resolved")
    notices_window_passes()

    assert sent(ticket, OutboundEmail.Kind.STATUS_NOTICE) == []
    assert len(sent(ticket, OutboundEmail.Kind.REPLY)) == 1


# -- rating requests ------------------------------------------------------------------------------


def _resolved(brand, agent, hours_ago: float, **fields) -> Ticket:
    ticket = TicketFactory(brand=brand, **fields)
    ticket_reply(ticket, author=agent, body="Done.", status="resolved")
    Ticket.objects.filter(pk=ticket.pk).update(
        resolved_at=timezone.now() - timedelta(hours=hours_ago)
    )
    return Ticket.objects.get(pk=ticket.pk)


@pytest.mark.django_db
def test_a_ticket_resolved_a_day_ago_and_not_rated_gets_one_rating_request(kendrascottes):
    agent = agent_of(kendrascottes)
    ticket = _resolved(kendrascottes, agent, settings.RATING_REQUEST_AFTER_HOURS + 1)
    early = _resolved(
        kendrascottes, agent, settings.RATING_REQUEST_AFTER_HOURS - 1, customer_email="b@c.example"
    )

    customer_notices_send_due()
    customer_notices_send_due()

    (request,) = sent(ticket, OutboundEmail.Kind.RATING_REQUEST)
    assert request.to == [ticket.customer_email]
    assert "Would you rate our help, from 1 to 5" in request.body_text
    assert_status_links(request, ticket)
    assert request.headers["Auto-Submitted"] == "auto-replied"
    assert sent(early, OutboundEmail.Kind.RATING_REQUEST) == []


@pytest.mark.django_db
def test_no_rating_request_for_a_rated_a_reopened_or_an_old_ticket(kendrascottes):
    after, agent = settings.RATING_REQUEST_AFTER_HOURS + 1, agent_of(kendrascottes)
    rated = _resolved(kendrascottes, agent, after, customer_email="rated@customer.example")
    Feedback.objects.create(ticket=rated, rating=5, created_at=timezone.now())
    reopened = _resolved(kendrascottes, agent, after, customer_email="again@customer.example")
    ticket_customer_reply(reopened, body="Not solved, sorry.")
    old = _resolved(kendrascottes, agent, after + 24 * 10, customer_email="old@customer.example")

    customer_notices_send_due()

    assert not OutboundEmail.objects.filter(kind=OutboundEmail.Kind.RATING_REQUEST).exists()
    assert Ticket.objects.get(pk=reopened.pk).status == Ticket.Status.OPEN
    assert old.status == Ticket.Status.RESOLVED


# -- in the ticket's language ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "greeting", "promise", "extension"),
    [
        ("fr", "Merci d'avoir écrit à Kendrascottes", "Vous aurez notre réponse", "24 heures"),
        ("es", "Gracias por escribir a Kendrascottes", "Recibirá nuestra respuesta", "24 horas"),
        ("de", "Vielen Dank für Ihre Nachricht", "Sie erhalten unsere Antwort", "24 Geschäfts"),
    ],
)
def test_the_acknowledgement_is_in_the_tickets_language_with_its_extension(
    kendrascottes, language, greeting, promise, extension
):
    ticket = TicketFactory(brand=kendrascottes, language=language, acknowledge=True)

    (ack,) = sent(ticket, OutboundEmail.Kind.ACKNOWLEDGEMENT)

    clock = ticket.clocks.get(kind="first_response")
    assert clock.latest_seconds == (48 + 24) * 3600  # the extension for another language
    assert greeting in ack.body_text
    assert promise in ack.body_text
    assert promise_text(clock.latest_at, kendrascottes.time_zone, language) in ack.body_text
    assert extension in ack.body_text
    assert "Thank you for writing" not in ack.body_text
    assert_status_links(ack, ticket)


@pytest.mark.django_db
def test_a_language_without_a_catalogue_is_written_to_in_english(kendrascottes):
    ticket = TicketFactory(brand=kendrascottes, language="it", acknowledge=True)

    (ack,) = sent(ticket, OutboundEmail.Kind.ACKNOWLEDGEMENT)

    assert "Thank you for writing to Kendrascottes" in ack.body_text
    assert "We answer in your language as well as we can" in ack.body_text


@pytest.mark.django_db
def test_a_brands_own_wording_for_a_language_comes_before_its_wording_for_all(kendrascottes):
    for language, words in (("", "Thanks from all of us"), ("fr", "Merci de toute l'équipe")):
        EmailTemplate.objects.create(
            brand=kendrascottes,
            name="acknowledgement",
            language=language,
            subject="{{ ticket.reference }}",
            body_text=f"{words} ({{{{ ticket.reference }}}})",
        )
    policy_version_record(kendrascottes, source="test")
    kendrascottes.refresh_from_db()

    french = TicketFactory(brand=kendrascottes, language="fr", acknowledge=True)
    german = TicketFactory(
        brand=kendrascottes, language="de", acknowledge=True, customer_email="b@customer.example"
    )

    (french_ack,) = sent(french, OutboundEmail.Kind.ACKNOWLEDGEMENT)
    (german_ack,) = sent(german, OutboundEmail.Kind.ACKNOWLEDGEMENT)
    assert french_ack.body_text.startswith(f"Merci de toute l'équipe ({french.reference})")
    assert german_ack.body_text.startswith(f"Thanks from all of us ({german.reference})")
