"""Signals from outside the helpdesk that change who may own tickets: someone left a brand's
staff (`brands.memberships.staff_left_brand`) or was deactivated. Each hands the work to a
task (`tasks.hand_on_departed_assignee_tickets`), so the admin page that made the change
neither waits for the person's every ticket nor fails with them; connected in
`HelpdeskConfig.ready`."""

from django.contrib.auth.models import AbstractBaseUser

from helpdesk import jobs

HAND_ON = "hand_on_departed_assignee_tickets"


def staff_left_brand(sender, *, user: AbstractBaseUser, brand_id: int, **kwargs) -> None:
    jobs.enqueue_on_commit(HAND_ON, user.pk, brand_id)


def user_saved(sender, *, instance: AbstractBaseUser, **kwargs) -> None:
    if not instance.is_active:
        jobs.enqueue_on_commit(HAND_ON, instance.pk, None)
