"""A ticket's language: what an agent, or a customer's first readable words, say it is.

The language decides the "needs translation" flag and the language extension on the clocks
(`sla.clocks.language_is_foreign`), so changing it recomputes the live clocks.
"""

import re
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from helpdesk.errors import ApplicationError
from helpdesk.models import Ticket, TicketEvent
from helpdesk.services.audit import CUSTOMER, ticket_event_record
from helpdesk.services.sla import clocks
from helpdesk.services.tickets.lifecycle import ticket_add_note

# A language code such as en, fr or pt-BR.
LANGUAGE_CODE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$")


def language_code_valid(code: str) -> bool:
    return bool(LANGUAGE_CODE.match(code))


def ticket_language_set(
    ticket: Ticket,
    language: str,
    actor: AbstractBaseUser | None = None,
    *,
    at: datetime | None = None,
) -> Ticket:
    """Set the ticket's language ("" for the brand's own) and its "needs translation" flag.

    When that makes the language foreign or no longer foreign, the live clocks are recomputed
    (`ticket_recompute_clocks`, as the admin's "Recompute clocks" does: the brand's current
    policy, each clock keeping its start and the time it used), so the language extension
    is added to, or taken off, their due times. An agent's change (`actor`) leaves an
    internal note saying who changed what.
    """
    language = language.strip()
    if language and not language_code_valid(language):
        raise ApplicationError(
            "Unknown language.", {"language": "A language code such as en, fr or pt-BR."}
        )
    at = at or timezone.now()
    with transaction.atomic():
        locked = Ticket.objects.locked(ticket.pk)
        before = locked.language
        if language == before:
            return locked
        foreign = clocks.language_is_foreign(locked.brand, language)
        recompute = foreign != locked.needs_translation
        locked.language, locked.needs_translation = language, foreign
        locked.save(update_fields=["language", "needs_translation", "updated_at"])
        ticket_event_record(
            locked.pk,
            TicketEvent.Kind.LANGUAGE,
            # No agent: the customer's own words set it (a reply on a ticket without one).
            actor=actor if actor is not None else CUSTOMER,
            before=before,
            after=language,
            at=at,
        )
        if recompute:
            clocks.ticket_recompute_clocks(locked, at, actor=actor)
        if actor is not None:
            ticket_add_note(
                locked,
                author=actor,
                body=f"Language changed from {before or 'unknown'} to {language or 'unknown'}"
                + (" (clocks recomputed)." if recompute else "."),
            )
    ticket.language, ticket.needs_translation = language, foreign
    return ticket
