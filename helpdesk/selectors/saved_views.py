"""Saved views of the ticket list: one-click filters every brand's agents share. Each is a Q
expression on tickets (an indexed column, or an EXISTS over the ticket's clocks by its
ticket index), so whoever builds the list's query can add it without losing its plan.

"Due within 4 business hours" means the brand's business hours: each of the user's brands
gets its own horizon from its calendar (`brands.calendars.clock_deadline`), never 4 wall
hours. "In warning" and "breached" are the one rule of `SlaClockQuerySet`.
"""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, OuterRef, Q

from brands.calendars import clock_deadline
from brands.models import Brand
from helpdesk.models import SlaClock, Ticket

DUE_SOON_SECONDS = 4 * 3600

SAVED_VIEWS = [
    ("mine", "Mine"),
    ("unassigned", "Unassigned"),
    ("due_soon", "Due within 4 business hours"),
    ("warning", "In warning"),
    ("breached", "Breached"),
    ("waiting", "Waiting on customer"),
]


def _live_clocks():
    return SlaClock.objects.filter(ticket=OuterRef("pk")).live()


def _due_soon(brands: list[Brand], now: datetime) -> Q:
    """Tickets with a running clock whose latest instant falls within the next 4 business
    hours of their brand (breached ones included: they are due already): their next due
    instant, the earliest of their running clocks', is that soon. Read from the ticket's
    own indexed column, not a subquery per ticket."""
    due = Q(pk__in=[])
    for brand in brands:
        horizon = clock_deadline(brand, SlaClock.Mode.BUSINESS, now, DUE_SOON_SECONDS)
        due |= Q(brand_id=brand.pk, next_due_at__lte=horizon)
    return due


def saved_view_q(view: str, user: AbstractBaseUser, brands: list[Brand], now: datetime) -> Q:
    """The tickets of saved view `view` for `user`, whose brands (for the business-hours
    horizon) are `brands`. Unknown views raise KeyError."""
    open_ = ~Q(status__in=Ticket.FINISHED_STATES)
    views = {
        "mine": lambda: Q(assignee=user) & open_,
        "unassigned": lambda: Q(assignee__isnull=True) & open_,
        "due_soon": lambda: _due_soon(brands, now),
        "warning": lambda: Q(Exists(_live_clocks().in_warning(now))),
        "breached": lambda: Q(Exists(_live_clocks().breached(now))),
        "waiting": lambda: Q(status=Ticket.Status.WAITING),
    }
    return views[view]()
