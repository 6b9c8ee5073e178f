from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from brands.models import BrandApiKey


class HasBrandApiKey(BasePermission):
    """A valid brand key authenticated the request (revoked and expired keys never do)."""

    def has_permission(self, request: Request, view) -> bool:
        return isinstance(request.auth, BrandApiKey)


class IsActiveUser(BasePermission):
    """A signed-in, active user; which tickets they see is the selectors' business."""

    def has_permission(self, request: Request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active)
