"""Signals from outside the helpdesk that change who may own tickets: someone left a brand's
staff (`brands.memberships.staff_left_brand`) or was deactivated. Each calls the one service
that hands their open tickets on; connected in `HelpdeskConfig.ready`."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from helpdesk.services.tickets.lifecycle import departed_assignee_tickets_hand_on


def staff_left_brand(sender, *, user: AbstractBaseUser, brand_id: int, **kwargs) -> None:
    departed_assignee_tickets_hand_on(user, brand_id)


def user_saved(sender, *, instance: AbstractBaseUser, **kwargs) -> None:
    if not instance.is_active:
        transaction.on_commit(lambda: departed_assignee_tickets_hand_on(instance))
