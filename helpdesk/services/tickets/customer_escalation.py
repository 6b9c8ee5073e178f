"""When the customer may ask for a senior review themselves (the status page's button, a
storefront's escalate call), and the asking.

The moment is the brand's setting (`SlaPolicy.customer_escalation_after`), as its policy
words it: Kendrascottes escalates a complaint whose proposed resolution did not satisfy,
Crocso on request once the customer has our first answer.
"""

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from brands.models import SlaPolicy
from brands.services import brand_rules
from helpdesk.errors import ApplicationError
from helpdesk.models import Message, Ticket
from helpdesk.selectors.storefront import StorefrontTicket
from helpdesk.services.audit import CUSTOMER, Actor
from helpdesk.services.sla.tiers import next_tier
from helpdesk.services.tickets.lifecycle import ticket_accepts_reply, ticket_escalate

After = SlaPolicy.CustomerEscalation


def customer_escalation_refusal(
    ticket: Ticket | StorefrontTicket, at: datetime | None = None
) -> str | None:
    """Why the customer may not ask for escalation now, in words for them (in the active
    language: the status page's is the ticket's); None when they may.

    Never on a merged ticket or one that takes no reply (closed, or resolved longer ago than
    the reopen window), only once a ticket, only below the top tier, and only after what the
    brand's policy waits for. The rule tells no time when that will be: it waits on events (our
    answer, a proposed resolution), not on a clock.
    `ticket` is a model or the storefront's detail, which read the rest with the ticket.
    """
    at = at or timezone.now()
    if ticket.merged_into_id is not None or not ticket_accepts_reply(ticket, at):
        return _("%(reference)s is closed; open a new request to write about it again.") % {
            "reference": ticket.reference
        }
    if ticket.escalation_requested_at is not None:
        return _("%(reference)s was escalated on request before.") % {"reference": ticket.reference}
    if not _has_next_tier(ticket):
        return _("%(reference)s is already with our senior team.") % {"reference": ticket.reference}
    after = ticket.brand.policy.customer_escalation_after
    if after == After.NEVER:
        return _("This request cannot be escalated on request.")
    if after == After.FIRST_RESPONSE and ticket.first_responded_at is None:
        return _("You can ask for a senior review once we have answered you.")
    if after == After.RESOLUTION_PROPOSAL and not _resolution_proposed(ticket):
        return _("You can ask for a senior review once we have proposed a resolution.")
    return None


def customer_may_escalate(ticket: Ticket, at: datetime | None = None) -> bool:
    """Whether the customer may ask for a senior review now (the page shows its button)."""
    return customer_escalation_refusal(ticket, at) is None


def ticket_escalate_on_request(
    ticket: Ticket, at: datetime | None = None, *, actor: Actor = CUSTOMER
) -> bool:
    """The customer asks for a senior review: refused with the reason when the brand's policy
    does not allow it now, else the ticket moves to the next tier and the customer is told.
    `actor`: the customer on the status page, the storefront's key through the API."""
    at = at or timezone.now()
    refusal = customer_escalation_refusal(ticket, at)
    if refusal is not None:
        already = ticket.escalation_requested_at is not None
        message = "Escalation was already requested." if already else "Escalation is not possible."
        raise ApplicationError(message, {"ticket": refusal})
    # ticket_escalate checks "once" again under the ticket's lock, for two requests at once.
    return ticket_escalate(ticket, at=at, by_customer=True, actor=actor)


def ticket_escalate_if_asked(message: Message) -> bool:
    """A customer's message that asks for a senior review in the brand's words ("please
    escalate", "a supervisor") escalates the ticket, once, when the brand's policy lets the
    customer ask now; otherwise it is a message like any other, for the agent to answer.
    Matched on the message's new text, not the quoted history. Whether it escalated."""
    ticket = message.ticket
    asks = brand_rules(ticket.brand).escalation_pattern
    if asks is None or not asks.search(message.new_text or message.body_text):
        return False
    if customer_escalation_refusal(ticket, message.created_at) is not None:
        return False
    return ticket_escalate(ticket, at=message.created_at, by_customer=True, quiet=True)


def _has_next_tier(ticket: Ticket | StorefrontTicket) -> bool:
    if isinstance(ticket, StorefrontTicket):
        return ticket.has_next_tier
    return next_tier(ticket.brand, ticket.tier) is not None


def _resolution_proposed(ticket: Ticket | StorefrontTicket) -> bool:
    if isinstance(ticket, StorefrontTicket):
        return ticket.resolution_proposed
    return ticket.messages.filter(kind=Message.Kind.OUTBOUND, proposes_resolution=True).exists()
