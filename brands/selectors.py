"""Which brands a user may see: the one place per-brand scoping is decided."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from brands.models import Brand, BrandMembership, StaffPreference

# The roles that work on tickets (owners edit settings only).
STAFF_ROLES = (BrandMembership.Role.AGENT, BrandMembership.Role.SENIOR)


def brands_for_user(
    user: AbstractBaseUser, roles: tuple[str, ...] | None = None
) -> QuerySet[Brand]:
    """The brands `user` works for or owns (all for superusers), optionally only in `roles`."""
    if not user.is_active:
        return Brand.objects.none()
    if user.is_superuser:
        return Brand.objects.all()
    memberships = BrandMembership.objects.filter(user=user)
    if roles is not None:
        memberships = memberships.filter(role__in=roles)
    return Brand.objects.filter(pk__in=memberships.values("brand_id"))


def owned_brands(user: AbstractBaseUser) -> QuerySet[Brand]:
    return brands_for_user(user, roles=(BrandMembership.Role.OWNER,))


def staffed_brands(user: AbstractBaseUser) -> QuerySet[Brand]:
    return brands_for_user(user, roles=STAFF_ROLES)


def brand_staff(brand_ids: Iterable[int]) -> QuerySet:
    """The people `staffed_brands` gives every one of these brands (so whom ticket_assign
    accepts for tickets of all of them): their agents and seniors, and superusers; nobody for
    no brand at all."""
    brand_ids = set(brand_ids)
    people = get_user_model().objects.filter(is_active=True)
    if not brand_ids:
        return people.none()
    staff = people
    for brand_id in brand_ids:
        working_here = BrandMembership.objects.filter(brand=brand_id, role__in=STAFF_ROLES)
        staff = staff.filter(pk__in=working_here.values("user"))
    return people.filter(Q(pk__in=staff.values("pk")) | Q(is_superuser=True)).order_by("username")


def shared_time_zone(user: AbstractBaseUser) -> str | None:
    """The time zone of every brand the user works for or owns, when they all share one;
    None for someone with no brand or brands in several zones."""
    # No ordering: the model's (by name) would make DISTINCT count names, not zones.
    zones = list(
        brands_for_user(user).order_by().values_list("time_zone", flat=True).distinct()[:2]
    )
    return zones[0] if len(zones) == 1 else None


def admin_time_zone(user: AbstractBaseUser) -> str | None:
    """The zone admin shows the user's times in: their own choice, else the one their brands
    share; None (UTC) otherwise."""
    chosen = StaffPreference.objects.filter(user=user).exclude(time_zone="")
    return chosen.values_list("time_zone", flat=True).first() or shared_time_zone(user)
