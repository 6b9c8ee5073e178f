"""Where the ticket admin's pages are."""

from helpdesk.models import Ticket

TICKETS_URL = "/admin/helpdesk/ticket/"


def page_url(ticket: Ticket, action: str = "change") -> str:
    """A ticket's page in admin, or one of its views (`reply`, `note`, `escalate`...)."""
    return f"{TICKETS_URL}{ticket.pk}/{action}/"
