"""The customer's status links as a property of the ticket: revoking them."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from helpdesk.models import Message, Ticket


def ticket_status_links_revoke(ticket: Ticket, *, actor: AbstractBaseUser) -> Ticket:
    """Make every status link the customer was sent for `ticket` stop working (a forwarded
    mail, a shared screen). Mail sent from now on carries a new link; the note says who did it."""
    now = timezone.now()
    with transaction.atomic():
        Ticket.objects.filter(pk=ticket.pk).update(
            status_link_version=F("status_link_version") + 1, updated_at=now
        )
        Message.objects.create(
            ticket=ticket,
            brand_id=ticket.brand_id,
            kind=Message.Kind.NOTE,
            author=actor,
            sender_email=actor.email,
            body_text="Revoked the customer's status links; new mail carries a new link.",
            created_at=now,
        )
    ticket.refresh_from_db(fields=["status_link_version", "updated_at"])
    return ticket
