"""Who works for which brand, and the admin access that follows from it.

A user's staff flag is derived, never set by hand: any membership lets them into admin (where
every page is limited to their brands and roles), and losing the last one takes admin away.
Every place that changes memberships (admin, invitations, the demo) calls these functions.

When someone stops working a brand's tickets (their agent or senior role there is gone), the
`staff_left_brand` signal says so once the change is committed, so the helpdesk, which this
app cannot import, can hand their open tickets on.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.dispatch import Signal

from brands.models import Brand, BrandMembership
from brands.selectors import brand_staff

# Sent with `user` and `brand_id` after commit; see the module's docstring.
staff_left_brand = Signal()


def _tell_if_no_longer_staff(user: AbstractBaseUser, brand_id: int) -> None:
    if not brand_staff([brand_id]).filter(pk=user.pk).exists():
        transaction.on_commit(
            lambda: staff_left_brand.send(sender=BrandMembership, user=user, brand_id=brand_id)
        )


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


def membership_change(membership: BrandMembership, previous: BrandMembership | None) -> None:
    """After a membership was saved, perhaps moved to another user, brand or role (`previous`
    is the row as it was, None for a new one): both users' access, and whether either no
    longer works the brand it was for."""
    with transaction.atomic():
        staff_access_sync(membership.user)
        _tell_if_no_longer_staff(membership.user, membership.brand_id)
        if previous is None:
            return
        if previous.user_id != membership.user_id:
            staff_access_sync(previous.user)
        if (previous.user_id, previous.brand_id) != (membership.user_id, membership.brand_id):
            _tell_if_no_longer_staff(previous.user, previous.brand_id)


def membership_revoke(membership: BrandMembership) -> None:
    """Take a role away; the user's last one takes admin access with it."""
    user, brand_id = membership.user, membership.brand_id
    with transaction.atomic():
        membership.delete()
        staff_access_sync(user)
        _tell_if_no_longer_staff(user, brand_id)
