"""Signals from outside the helpdesk that change who may own tickets: someone left a brand's
staff (`brands.memberships.staff_left_brand`) or was deactivated. Each hands the work to a
task (`tasks.hand_on_departed_assignee_tickets`), so the admin page that made the change
neither waits for the person's every ticket nor fails with them; with the broker down, no
row would remember the work, so the page does it itself. Connected in
`HelpdeskConfig.ready`."""

from django.contrib.auth.models import AbstractBaseUser

from helpdesk import jobs
from helpdesk.services.tickets.lifecycle import departed_assignee_tickets_hand_on

HAND_ON = "hand_on_departed_assignee_tickets"


def _hand_on(user_id: int, brand_id: int | None) -> None:
    jobs.enqueue_on_commit(
        HAND_ON,
        user_id,
        brand_id,
        if_broker_down=lambda: departed_assignee_tickets_hand_on(user_id, brand_id),
    )


def staff_left_brand(sender, *, user: AbstractBaseUser, brand_id: int, **kwargs) -> None:
    _hand_on(user.pk, brand_id)


def user_saved(sender, *, instance: AbstractBaseUser, **kwargs) -> None:
    if not instance.is_active:
        _hand_on(instance.pk, None)
