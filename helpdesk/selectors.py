"""Queries that read tickets, scoped to the brands a user works for."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import DateTimeField, OuterRef, QuerySet, Subquery

from brands.selectors import staffed_brands
from helpdesk.models import SlaClock, Ticket


def tickets_for_user(user: AbstractBaseUser) -> QuerySet[Ticket]:
    return Ticket.objects.filter(brand__in=staffed_brands(user))


def with_first_response_due(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Annotate each ticket with its live first-response clock's target and latest instants."""
    clock = SlaClock.objects.filter(
        ticket=OuterRef("pk"), kind=SlaClock.Kind.FIRST_RESPONSE
    ).exclude(state=SlaClock.State.STOPPED)
    return tickets.annotate(
        first_response_target_at=Subquery(
            clock.values("target_at")[:1], output_field=DateTimeField()
        ),
        first_response_due_at=Subquery(clock.values("latest_at")[:1], output_field=DateTimeField()),
    )
