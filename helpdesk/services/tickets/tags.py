"""Tags on tickets: labels of the ticket's brand (a small `Tag` table the ticket list filters
by), set by an agent with `ticket_tags_set` (the side panel's "tags" property and macros call
it with the names written, e.g. `tag_names_parse("refund, vip")`), recorded in the audit
trail with who set them. A name not used in the brand yet becomes a new tag."""

import re
from collections.abc import Iterable

from django.db import transaction

from helpdesk.errors import ApplicationError
from helpdesk.models import Tag, Ticket, TicketEvent
from helpdesk.services.audit import SYSTEM, Actor, ticket_event_record

MOST_TAGS = 20
TAG_LENGTH = Tag._meta.get_field("name").max_length
# Letters (any script), digits, spaces, dashes and underscores: what reads as a label.
TAG_NAME = re.compile(r"^[\w][\w \-]*$")


def tag_names_parse(text: str) -> list[str]:
    """The names in a comma-separated list as an agent types it."""
    return [name for name in (part.strip() for part in text.split(",")) if name]


def _clean(names: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for name in names:
        name = " ".join(name.split()).lower()
        if not name:
            continue
        if len(name) > TAG_LENGTH or not TAG_NAME.match(name):
            raise ApplicationError(
                "A tag was refused.",
                {"tags": f"Tags are words of at most {TAG_LENGTH} letters, digits or dashes."},
            )
        if name not in cleaned:
            cleaned.append(name)
    if len(cleaned) > MOST_TAGS:
        raise ApplicationError("Too many tags.", {"tags": f"At most {MOST_TAGS} tags a ticket."})
    return sorted(cleaned)


def ticket_tags_set(ticket: Ticket, names: Iterable[str], *, actor: Actor = SYSTEM) -> list[str]:
    """Give the ticket exactly these tags (names, case-insensitive); returns them sorted."""
    wanted = _clean(names)
    with transaction.atomic():
        locked = Ticket.objects.locked(ticket.pk)
        before = sorted(locked.tags.values_list("name", flat=True))
        if before == wanted:
            return wanted
        existing = {
            tag.name: tag for tag in Tag.objects.filter(brand=locked.brand, name__in=wanted)
        }
        missing = [Tag(brand=locked.brand, name=name) for name in wanted if name not in existing]
        # Another agent may create the same tag at once: the unique name lets both go on.
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        tags = Tag.objects.filter(brand=locked.brand, name__in=wanted)
        locked.tags.set(tags)
        ticket_event_record(
            locked.pk,
            TicketEvent.Kind.TAGS,
            actor=actor,
            before=", ".join(before),
            after=", ".join(wanted),
        )
    return wanted
