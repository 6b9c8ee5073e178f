"""Who may open what in the helpdesk's admin: the agents of a ticket's brand (and superusers)."""

from django.http import HttpRequest

from brands.admin import BrandScopedChoices
from brands.selectors import STAFF_ROLES, staffed_brands
from helpdesk.models import Attachment, Message, SlaClock, SlaEvent, Ticket


def staffed_brand_ids(request: HttpRequest) -> frozenset[int]:
    # Admin asks for permissions a dozen times per page (sidebar, buttons, each inline); look
    # the user's brands up once per request rather than once per question.
    if not hasattr(request, "_staffed_brand_ids"):
        brands = staffed_brands(request.user).values_list("pk", flat=True)
        request._staffed_brand_ids = frozenset(brands)
    return request._staffed_brand_ids


class AgentPermissions(BrandScopedChoices):
    """Ticket work is for the agents of the ticket's brand (and superusers)."""

    brand_roles = STAFF_ROLES

    def _allowed(self, request: HttpRequest, obj=None) -> bool:
        brand_ids = staffed_brand_ids(request)
        if isinstance(obj, Attachment):
            obj = obj.message
        ticket = obj.ticket if isinstance(obj, Message | SlaClock | SlaEvent) else obj
        if isinstance(ticket, Ticket):
            return ticket.brand_id in brand_ids
        return bool(brand_ids)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._allowed(request, obj)

    has_change_permission = has_view_permission
