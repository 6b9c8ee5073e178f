"""Merging a duplicate ticket into another, so one conversation carries one set of promises."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from helpdesk.errors import ApplicationError
from helpdesk.models import Message, OutboundEmail, Ticket, TicketEvent
from helpdesk.services.audit import ticket_event_record
from helpdesk.services.tickets.lifecycle import ticket_add_note, ticket_set_status


def ticket_merge(duplicate: Ticket, *, into: Ticket, actor: AbstractBaseUser) -> Ticket:
    """Move every message of `duplicate` onto `into` and close the duplicate with a link.

    The target keeps its own clocks: its promises were made first-hand and still stand; the
    duplicate's clocks stop with its closing, so the customer's second mail about the same
    matter is not owed a second first response. Mail the duplicate sent moves along with its
    thread messages, so replies quoting those Message-IDs thread onto the target.
    """
    if duplicate.pk == into.pk:
        raise ApplicationError(
            "A ticket cannot be merged into itself.", {"into": "Choose another ticket."}
        )
    with transaction.atomic():
        # Both rows locked, in id order, so two merges of the same pair cannot deadlock.
        locked = {
            ticket.pk: ticket
            for ticket in Ticket.objects.for_update()
            .select_related("brand")
            .filter(pk__in=[duplicate.pk, into.pk])
            .order_by("pk")
        }
        duplicate, into = locked[duplicate.pk], locked[into.pk]
        _check_mergeable(duplicate, into)
        moved = Message.objects.filter(ticket=duplicate).update(ticket=into)
        OutboundEmail.objects.filter(ticket=duplicate).update(ticket=into)
        duplicate.merged_into = into
        duplicate.save(update_fields=["merged_into", "updated_at"])
        ticket_set_status(duplicate, Ticket.Status.CLOSED, notify=False, actor=actor)
        ticket_event_record(
            duplicate.pk, TicketEvent.Kind.MERGE, actor=actor, after=into.reference, detail="into"
        )
        ticket_event_record(
            into.pk, TicketEvent.Kind.MERGE, actor=actor, after=duplicate.reference, detail="from"
        )
        ticket_add_note(
            into,
            author=actor,
            body=f"Merged {duplicate.reference} (“{duplicate.subject}”) into this ticket: "
            f"{moved} message(s) moved here.",
        )
        ticket_add_note(duplicate, author=actor, body=f"Merged into {into.reference}.")
    into.refresh_from_db()
    return into


def _check_mergeable(duplicate: Ticket, into: Ticket) -> None:
    if duplicate.brand_id != into.brand_id:
        raise ApplicationError(
            "Tickets of different brands cannot be merged.",
            {"into": f"{into.reference} belongs to another brand."},
        )
    if duplicate.merged_into_id is not None:
        raise ApplicationError(
            "This ticket was merged already.",
            {"ticket": f"{duplicate.reference} was merged into another ticket."},
        )
    if into.merged_into_id is not None:
        raise ApplicationError(
            "The target was merged into another ticket.",
            {"into": f"{into.reference} is itself a merged duplicate."},
        )
    if into.status == Ticket.Status.CLOSED:
        raise ApplicationError(
            "A closed ticket cannot take more messages.", {"into": f"{into.reference} is closed."}
        )
