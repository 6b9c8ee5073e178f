"""An agent's word on a ticket's language: the flag and the clocks' language extension follow."""

import pytest
from django.utils import timezone

from helpdesk.errors import ApplicationError
from helpdesk.models import Message
from helpdesk.services.tickets.language import ticket_language_set
from tests.factories import TicketFactory, agent_of, first_response


def _twin(ticket, language: str):
    """A ticket received at the same instant in `language`: the due times to expect."""
    return TicketFactory(brand=ticket.brand, received_at=ticket.received_at, language=language)


@pytest.mark.django_db
def test_an_override_from_french_to_english_takes_the_extension_off_the_running_clock(
    kendrascottes,
):
    agent = agent_of(kendrascottes)
    ticket = TicketFactory(brand=kendrascottes, language="fr")
    french_due = first_response(ticket).latest_at

    ticket_language_set(ticket, "en", agent)

    ticket.refresh_from_db()
    clock = first_response(ticket)
    english = first_response(_twin(ticket, "en"))
    assert (ticket.language, ticket.needs_translation) == ("en", False)
    assert (clock.target_at, clock.latest_at) == (english.target_at, english.latest_at)
    assert clock.latest_at < french_due
    assert clock.state == "running"
    note = ticket.messages.get(kind=Message.Kind.NOTE)
    assert (note.author, note.body_text) == (
        agent,
        "Language changed from fr to en (clocks recomputed).",
    )


@pytest.mark.django_db
def test_an_override_from_english_to_german_adds_the_extension(crocso):
    ticket = TicketFactory(brand=crocso, language="en")
    english_due = first_response(ticket).latest_at

    ticket_language_set(ticket, "de", agent_of(crocso))

    ticket.refresh_from_db()
    clock = first_response(ticket)
    german = first_response(_twin(ticket, "de"))
    assert (ticket.language, ticket.needs_translation) == ("de", True)
    assert (clock.target_at, clock.latest_at) == (german.target_at, german.latest_at)
    assert clock.latest_at > english_due


@pytest.mark.django_db
def test_one_foreign_language_for_another_moves_no_clock(kendrascottes):
    ticket = TicketFactory(brand=kendrascottes, language="fr")
    before = first_response(ticket)

    ticket_language_set(ticket, "es", agent_of(kendrascottes), at=timezone.now())

    ticket.refresh_from_db()
    after = first_response(ticket)
    assert (ticket.language, ticket.needs_translation) == ("es", True)
    assert (after.target_at, after.latest_at) == (before.target_at, before.latest_at)


@pytest.mark.django_db
def test_a_language_that_is_no_code_is_refused(kendrascottes):
    ticket = TicketFactory(brand=kendrascottes, language="fr")

    with pytest.raises(ApplicationError):
        ticket_language_set(ticket, "French!", agent_of(kendrascottes))

    ticket.refresh_from_db()
    assert ticket.language == "fr"
