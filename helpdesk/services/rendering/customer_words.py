"""The words a customer reads, in their language: which language that is, and the ticket's
status as they would say it. Mail and the status page both use these."""

from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from brands.promises import promise_text
from helpdesk.models import Ticket

# The ticket's status as the customer reads it.
CUSTOMER_STATUS = {
    Ticket.Status.NEW: _("Received: we will answer you"),
    Ticket.Status.OPEN: _("In progress: we are working on it"),
    Ticket.Status.WAITING: _("Waiting for your answer"),
    Ticket.Status.RESOLVED: _("Resolved"),
    Ticket.Status.CLOSED: _("Closed"),
}


def customer_language(language: str) -> str:
    """The language customer text is written in for a ticket in `language`: the language
    itself where there is a catalogue for it (fr, es, de, en), else English."""
    base = (language or "").lower().replace("_", "-").split("-")[0]
    return base if base in {code for code, _name in settings.LANGUAGES} else "en"


def customer_promise_text(ticket: Ticket, moment: datetime) -> str:
    """A due time as the ticket's customer reads it: in the language they are written to and
    the brand's time zone (the notices' "we answer by" and a macro's {promised_time})."""
    return promise_text(moment, ticket.brand.time_zone, customer_language(ticket.language))
