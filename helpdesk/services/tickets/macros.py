"""Macros: a brand's canned replies, filled in for one ticket, and what applying one does."""

import re
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from helpdesk.errors import ApplicationError
from helpdesk.models import Macro, SlaClock, Ticket
from helpdesk.services.audit import SYSTEM, Actor
from helpdesk.services.rendering.customer_words import customer_promise_text
from helpdesk.services.sla import clocks
from helpdesk.services.tickets.properties import ticket_category_set
from helpdesk.services.tickets.tags import tag_names_parse, ticket_tags_set

PLACEHOLDERS = {
    "customer_name": "the customer's name (or address, when the name is unknown)",
    "customer_email": "the customer's address",
    "reference": "the ticket's reference, e.g. KS-000123",
    "subject": "the ticket's subject",
    "order_number": "the ticket's order number",
    "promised_time": "when the customer hears from us next, in their language and the brand's zone",
    "agent_name": "the replying agent's name",
    "brand_name": "the brand's name",
}
# Only {name} with a known name is replaced: no attribute or index lookups, as str.format
# would allow, and any other braces stay as written.
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def placeholder_marker(name: str) -> str:
    """What a placeholder with no value for the ticket leaves in the macro's text: a visible
    blank ("[order number]") the agent fills in, where an empty value would read as a slip
    ("About order  for Ann")."""
    return f"[{name.replace('_', ' ')}]"


def placeholder_markers_left(body: str) -> list[str]:
    """The blanks a macro left that are still in a reply (`placeholder_marker`): such a
    reply is not sent (`composer.composer_reply_send`)."""
    return [marker for name in PLACEHOLDERS if (marker := placeholder_marker(name)) in body]


def macro_placeholders_unknown(body: str) -> list[str]:
    """The {names} in a macro's body that no ticket fills in (a typo, usually)."""
    return sorted({name for name in PLACEHOLDER.findall(body) if name not in PLACEHOLDERS})


def promised_time(ticket: Ticket, now: datetime) -> datetime:
    """The next time we have promised the customer word: the answer owed (first response,
    next reply or a senior's), else the next periodic update; with none running, the next
    reply time their next message would get."""
    live = {clock.kind: clock for clock in clocks.live_clocks(ticket)}
    for kind in (
        *clocks.ANSWER_OWED,
        SlaClock.Kind.TIER_RESPONSE,
        SlaClock.Kind.COMPLAINT_PROPOSAL,
        SlaClock.Kind.PERIODIC_UPDATE,
    ):
        if kind in live:
            return live[kind].latest_at
    return clocks.next_reply_terms(
        ticket.brand,
        received_at=now,
        is_urgent=ticket.is_urgent,
        language=ticket.language,
        category=ticket.category,
    ).latest_at


def macro_render(
    macro: Macro, ticket: Ticket, agent: AbstractBaseUser, *, now: datetime | None = None
) -> str:
    """The macro's body with its placeholders filled in for `ticket`, answered by `agent`;
    one the ticket has no value for is left as a blank to fill in (`placeholder_marker`)."""
    values = {
        "customer_name": ticket.customer_name or ticket.customer_email,
        "customer_email": ticket.customer_email,
        "reference": ticket.reference,
        "subject": ticket.subject,
        "order_number": ticket.order_number,
        "agent_name": agent.get_full_name() or agent.get_username(),
        "brand_name": ticket.brand.name,
    }
    if "{promised_time}" in macro.body:
        moment = promised_time(ticket, now or timezone.now())
        # In the language the reply mail is written in, as every due time the customer reads.
        values["promised_time"] = customer_promise_text(ticket, moment)

    def filled(match: re.Match) -> str:
        name = match[1]
        if name not in values:
            return match[0]
        return values[name] or placeholder_marker(name)

    return PLACEHOLDER.sub(filled, macro.body)


# What sending with a macro does, in the composer's words (after "This macro sends the reply
# and ...").
MACRO_STATUS_WORDS = {
    Ticket.Status.OPEN: "keeps the ticket open",
    Ticket.Status.WAITING: "waits on the customer",
    Ticket.Status.RESOLVED: "resolves the ticket",
}


def macro_reply_status(macro: Macro | None, chosen: str = "") -> str:
    """The status a reply leaves the ticket in: the agent's explicit choice, else the status
    of the macro it was written with, else open."""
    return chosen or (macro.status if macro is not None else "") or Ticket.Status.OPEN


def macro_status_sentence(macro: Macro) -> str:
    """What sending a reply with `macro` does to the ticket, for the composer to say ("" for a
    macro that sets no status)."""
    words = MACRO_STATUS_WORDS.get(macro.status)
    return f"This macro sends the reply and {words}." if words else ""


def macro_apply(ticket: Ticket, macro: Macro, *, actor: Actor = SYSTEM) -> Ticket:
    """What a macro sets on the ticket once the reply using it is sent: its category, and its
    tags added to the ticket's (the changes recorded as `actor`'s)."""
    if macro.brand_id != ticket.brand_id:
        raise ApplicationError("Unknown macro.", {"macro": "Choose a macro of the ticket's brand."})
    if macro.category_id is not None and macro.category_id != ticket.category_id:
        ticket_category_set(ticket, macro.category, actor=actor)
    if macro.tags:
        current = list(ticket.tags.values_list("name", flat=True))
        ticket_tags_set(ticket, [*current, *tag_names_parse(macro.tags)], actor=actor)
    return ticket
