"""The order numbers a ticket is about: found in the customer's words by the brand's pattern
(its brand file's `order_number_pattern`), given by a storefront, or set by an agent.

The first is also the ticket's `order_number`, the one a category that needs an order number
looks at. A ticket whose category needs one and has none is incomplete: the customer is asked
for it (by the acknowledgement when it is so from the start, by a mail of its own when an
agent's category or edit makes it so), and the number their next message brings completes it.
Every change of the numbers after creation is recorded with who made it.
"""

from collections.abc import Iterable

from django.db import transaction

from brands.models import Brand, Category
from brands.services import brand_rules
from helpdesk.errors import ApplicationError
from helpdesk.models import Ticket, TicketEvent
from helpdesk.services.audit import CUSTOMER, SYSTEM, Actor, ticket_event_record
from helpdesk.services.notices.customer import customer_order_number_request

ORDER_NUMBERS_MAX = 20
ORDER_NUMBER_MAX_CHARS = 64
# The pattern is the brand's own: it reads a bounded start of each text, so a long mail costs
# the same as a short one.
SCAN_CHARS = 20_000


def order_numbers_find(brand: Brand, text: str) -> list[str]:
    """The brand's order numbers written in `text`, in order, each once."""
    pattern = brand_rules(brand).order_number_pattern
    if pattern is None or not text:
        return []
    found = (
        match.group(1) if pattern.groups else match.group(0)
        for match in pattern.finditer(text[:SCAN_CHARS])
    )
    return order_numbers_merge(found)


def order_numbers_merge(*lists: Iterable[str]) -> list[str]:
    """The numbers of all lists, stripped, in order, each once, within the bounds."""
    merged: list[str] = []
    for numbers in lists:
        for number in numbers:
            number = (number or "").strip()[:ORDER_NUMBER_MAX_CHARS]
            if number and number not in merged:
                merged.append(number)
    return merged[:ORDER_NUMBERS_MAX]


def order_numbers_errors(numbers: list[str]) -> dict[str, str]:
    if len(numbers) > ORDER_NUMBERS_MAX:
        return {"order_numbers": f"At most {ORDER_NUMBERS_MAX} order numbers."}
    if any(not isinstance(n, str) or len(n.strip()) > ORDER_NUMBER_MAX_CHARS for n in numbers):
        return {
            "order_numbers": f"Each order number has at most {ORDER_NUMBER_MAX_CHARS} characters."
        }
    return {}


def order_number_missing(category: Category | None, order_number: str) -> bool:
    """Whether `category` needs an order number and `order_number` is none."""
    return bool(category and category.requires_order_number and not order_number.strip())


def ticket_completeness_apply(ticket: Ticket) -> list[str]:
    """Mark the ticket, held under its lock, incomplete when its category needs an order
    number it lacks, complete once it has one (not saved); the fields changed. A ticket
    that becomes incomplete has the customer asked for the number."""
    missing = order_number_missing(ticket.category, ticket.order_number)
    if missing == ticket.is_incomplete:
        return []
    ticket.is_incomplete = missing
    if missing:
        customer_order_number_request(ticket)
    return ["is_incomplete"]


def order_numbers_text(ticket: Ticket) -> str:
    """The ticket's order numbers as the timeline shows them: its order number first."""
    return ", ".join(order_numbers_merge([ticket.order_number], ticket.order_numbers or []))


def order_numbers_change_record(before: str, ticket: Ticket, *, actor: Actor) -> None:
    """Record the change from `before` (an `order_numbers_text`) to the ticket's numbers now,
    if they differ."""
    after = order_numbers_text(ticket)
    if after != before:
        ticket_event_record(
            ticket.pk, TicketEvent.Kind.ORDER_NUMBERS, actor=actor, before=before, after=after
        )


def _apply(ticket: Ticket, numbers: list[str], *, actor: Actor) -> None:
    """Give the locked ticket `numbers`, save and record the change."""
    before = order_numbers_text(ticket)
    ticket.order_numbers = numbers
    if ticket.order_number not in numbers:
        ticket.order_number = numbers[0] if numbers else ""
    changed = ticket_completeness_apply(ticket)
    ticket.save(update_fields=["order_numbers", "order_number", *changed, "updated_at"])
    order_numbers_change_record(before, ticket, actor=actor)


def ticket_order_numbers_set(
    ticket: Ticket, numbers: list[str], *, actor: Actor = SYSTEM
) -> Ticket:
    """The list of the ticket's order numbers `actor` gives (an agent on the ticket page or
    through the staff API), replacing what was there. Leaving none where the category needs
    one makes the ticket incomplete, and the customer is asked for it."""
    errors = order_numbers_errors(numbers)
    if errors:
        raise ApplicationError("The order numbers were refused.", errors)
    numbers = order_numbers_merge(numbers)
    with transaction.atomic():
        ticket = Ticket.objects.locked(ticket.pk)
        _apply(ticket, numbers, actor=actor)
    return ticket


def ticket_order_numbers_add_found(ticket: Ticket, text: str) -> None:
    """Add the numbers the customer wrote in `text` (a reply, perhaps to our request for one)
    to those of the ticket, which the caller holds under its lock."""
    found = order_numbers_find(ticket.brand, text)
    numbers = order_numbers_merge(ticket.order_numbers or [], found)
    if numbers != (ticket.order_numbers or []):
        _apply(ticket, numbers, actor=CUSTOMER)
