"""The order numbers a ticket is about: found in the customer's words by the brand's pattern
(its brand file's `order_number_pattern`), given by a storefront, or set by an agent.

The first is also the ticket's `order_number`, the one a category that needs an order number
looks at: once there is one, a ticket waiting for it is no longer incomplete.
"""

from collections.abc import Iterable

from django.db import transaction

from brands.models import Brand
from brands.services import brand_rules
from helpdesk.errors import ApplicationError
from helpdesk.models import Ticket

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


def _apply(ticket: Ticket, numbers: list[str]) -> list[str]:
    """Set the ticket's numbers (not saved); the fields changed."""
    ticket.order_numbers = numbers
    changed = ["order_numbers"]
    first = numbers[0] if numbers else ""
    if ticket.order_number not in numbers:
        ticket.order_number = first
        changed.append("order_number")
    if ticket.is_incomplete and ticket.order_number:
        ticket.is_incomplete = False
        changed.append("is_incomplete")
    return changed


def ticket_order_numbers_set(ticket: Ticket, numbers: list[str]) -> Ticket:
    """An agent's list of the ticket's order numbers (the staff API, the ticket page),
    replacing what was there. A category that needs an order number keeps at least one."""
    errors = order_numbers_errors(numbers)
    if errors:
        raise ApplicationError("The order numbers were refused.", errors)
    numbers = order_numbers_merge(numbers)
    with transaction.atomic():
        ticket = Ticket.objects.locked(ticket.pk)
        category = ticket.category
        if not numbers and category is not None and category.requires_order_number:
            raise ApplicationError(
                "The order numbers were refused.",
                {"order_numbers": f"An order number is required for {category.name}."},
            )
        changed = _apply(ticket, numbers)
        ticket.save(update_fields=[*changed, "updated_at"])
    return ticket


def ticket_order_numbers_add_found(ticket: Ticket, text: str) -> None:
    """Add the numbers the customer wrote in `text` (a reply, perhaps to our request for one)
    to those of the ticket, which the caller holds under its lock."""
    found = order_numbers_find(ticket.brand, text)
    numbers = order_numbers_merge(ticket.order_numbers or [], found)
    if numbers != (ticket.order_numbers or []):
        changed = _apply(ticket, numbers)
        ticket.save(update_fields=[*changed, "updated_at"])
