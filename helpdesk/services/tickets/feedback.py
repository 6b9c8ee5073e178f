"""The customer's rating of how their request was handled: once per resolved ticket."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from helpdesk.errors import ApplicationError
from helpdesk.models import Feedback, Ticket

RATINGS = range(1, 6)


def feedback_record(ticket: Ticket, *, rating: int, comment: str = "") -> Feedback:
    """Store the rating of a resolved (or closed) ticket; a second rating is refused.

    The one-to-one column decides between two concurrent submissions: the loser gets the
    same refusal as a later one.
    """
    if rating not in RATINGS:
        raise ApplicationError("Invalid rating.", {"rating": "Rate from 1 to 5."})
    if ticket.status not in Ticket.FINISHED_STATES:
        raise ApplicationError(
            "Feedback is for resolved tickets.",
            {"ticket": f"{ticket.reference} is not resolved yet."},
        )
    refused = ApplicationError(
        "Feedback was already given.", {"ticket": f"{ticket.reference} has been rated."}
    )
    if Feedback.objects.filter(ticket=ticket).exists():
        raise refused
    try:
        with transaction.atomic():
            return Feedback.objects.create(
                ticket=ticket, rating=rating, comment=comment.strip(), created_at=timezone.now()
            )
    except IntegrityError:
        raise refused from None
