"""Who works for which brand, and the admin access that follows from it.

A user's staff flag is derived, never set by hand: any membership lets them into admin (where
every page is limited to their brands and roles), and losing the last one takes admin away.
Every place that changes memberships (admin, invitations, the demo) calls these functions.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from brands.models import Brand, BrandMembership


def staff_access_sync(user: AbstractBaseUser) -> bool:
    """Set `is_staff` from the user's memberships (superusers keep theirs); returns it."""
    is_staff = user.is_superuser or BrandMembership.objects.filter(user=user).exists()
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
    return is_staff


def membership_grant(user: AbstractBaseUser, brand: Brand, role: str) -> BrandMembership:
    """Give `user` a role in `brand` (once) and with it admin access."""
    with transaction.atomic():
        membership, _ = BrandMembership.objects.get_or_create(user=user, brand=brand, role=role)
        staff_access_sync(user)
    return membership


def membership_change(membership: BrandMembership, previous_user: AbstractBaseUser | None) -> None:
    """After a membership was saved (perhaps moved to another user): both users' access."""
    with transaction.atomic():
        staff_access_sync(membership.user)
        if previous_user is not None and previous_user.pk != membership.user_id:
            staff_access_sync(previous_user)


def membership_revoke(membership: BrandMembership) -> None:
    """Take a role away; the user's last one takes admin access with it."""
    user = membership.user
    with transaction.atomic():
        membership.delete()
        staff_access_sync(user)
