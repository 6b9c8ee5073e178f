from zoneinfo import ZoneInfo

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html

from brands.models import BrandMembership
from brands.selectors import staffed_brands
from helpdesk.errors import ApplicationError
from helpdesk.models import Attachment, Message, SlaClock, SlaEvent, Ticket
from helpdesk.selectors import tickets_for_user, with_first_response_due
from helpdesk.services.sla import ticket_recompute_clocks
from helpdesk.services.tickets import ticket_assign, ticket_set_status


def _staffed_brand_ids(request: HttpRequest) -> frozenset[int]:
    # Admin asks for permissions a dozen times per page (sidebar, buttons, each inline); look
    # the user's brands up once per request rather than once per question.
    if not hasattr(request, "_staffed_brand_ids"):
        brands = staffed_brands(request.user).values_list("pk", flat=True)
        request._staffed_brand_ids = frozenset(brands)
    return request._staffed_brand_ids


class AgentPermissions:
    """Ticket work is for the agents of the ticket's brand (and superusers)."""

    def _allowed(self, request: HttpRequest, obj=None) -> bool:
        brand_ids = _staffed_brand_ids(request)
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


class MessageInline(AgentPermissions, admin.StackedInline):
    model = Message
    extra = 0
    fields = ["kind", "created_at", "sender_email", "author", "body_text", "message_id"]
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Message]:
        return super().get_queryset(request).select_related("author")


class SlaClockInline(AgentPermissions, admin.TabularInline):
    model = SlaClock
    extra = 0
    fields = [
        "kind",
        "tier",
        "mode",
        "state",
        "started_at",
        "target_at",
        "latest_at",
        "warned_at",
        "breached_at",
        "stopped_at",
    ]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class SlaEventInline(AgentPermissions, admin.TabularInline):
    model = SlaEvent
    extra = 0
    fields = ["created_at", "kind", "clock", "tier", "due_at", "detail"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[SlaEvent]:
        return super().get_queryset(request).select_related("clock")


class OverdueFilter(admin.SimpleListFilter):
    title = "first response"
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return [("due_soon", "Due soon (past target)"), ("breached", "Breached (past latest)")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        now = timezone.now()
        live = SlaClock.objects.filter(ticket=OuterRef("pk")).exclude(state=SlaClock.State.STOPPED)
        if self.value() == "breached":
            return queryset.filter(Exists(live.filter(latest_at__lte=now)))
        if self.value() == "due_soon":
            return queryset.filter(Exists(live.filter(target_at__lte=now, latest_at__gt=now)))
        return queryset


@admin.register(Ticket)
class TicketAdmin(AgentPermissions, admin.ModelAdmin):
    list_display = [
        "reference",
        "brand",
        "subject",
        "status",
        "is_urgent",
        "tier",
        "assignee",
        "first_response_due",
    ]
    # Only brands with tickets the user can see: other brands are not theirs, even by name.
    list_filter = [
        ("brand", admin.RelatedOnlyFieldListFilter),
        "status",
        "is_urgent",
        "tier",
        OverdueFilter,
    ]
    list_select_related = ["brand", "assignee"]
    search_fields = ["reference", "customer_email", "order_number"]
    # Tier and urgency move clocks: they change through escalation and recomputation only.
    readonly_fields = [
        "brand",
        "reference",
        "received_at",
        "created_at",
        "updated_at",
        "policy_version",
        "first_responded_at",
        "resolved_at",
        "closed_at",
        "tier",
        "is_urgent",
        "needs_translation",
    ]
    fields = [
        "brand",
        "reference",
        "subject",
        "customer_email",
        "customer_name",
        "category",
        "order_number",
        "status",
        "is_urgent",
        "language",
        "needs_translation",
        "tier",
        "assignee",
        "policy_version",
        "received_at",
        "first_responded_at",
        "resolved_at",
        "closed_at",
        "created_at",
        "updated_at",
    ]
    inlines = [SlaClockInline, SlaEventInline, MessageInline]
    actions = ["recompute_clocks"]

    def save_model(self, request: HttpRequest, obj: Ticket, form, change: bool) -> None:
        """Plain fields are saved as they are; status and assignee go through the services,
        which pause, resume or stop clocks, send the notices and check the assignee."""
        routed = {"status", "assignee"}
        plain = [name for name in form.changed_data if name not in routed]
        if plain:
            obj.save(update_fields=[*plain, "updated_at"])
        try:
            if "assignee" in form.changed_data:
                ticket_assign(obj, obj.assignee)
            if "status" in form.changed_data:
                ticket_set_status(obj, obj.status)
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)

    @admin.action(description="Recompute clocks under the current policy")
    def recompute_clocks(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        now = timezone.now()
        changed = sum(ticket_recompute_clocks(ticket, now) for ticket in queryset)
        self.message_user(request, f"Recomputed {changed} clocks on {queryset.count()} tickets.")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Ticket]:
        tickets = tickets_for_user(request.user).select_related("brand", "assignee")
        return with_first_response_due(tickets)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Tickets come from customers (mail, API, contact form), never typed in by hand.
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    def get_form(self, request: HttpRequest, obj: Ticket | None = None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        fields = form.base_fields
        if obj is not None and "category" in fields:
            # A category of another brand would give the ticket the wrong promises.
            fields["category"].queryset = fields["category"].queryset.filter(brand=obj.brand_id)
        if obj is not None and "assignee" in fields:
            # Whom ticket_assign accepts: the brand's agents and seniors, or a superuser. The
            # current assignee stays listed so saving another field does not unassign them.
            roles = (BrandMembership.Role.AGENT, BrandMembership.Role.SENIOR)
            agents = Q(brand_memberships__brand=obj.brand_id, brand_memberships__role__in=roles)
            eligible = Q(is_active=True) & (agents | Q(is_superuser=True))
            fields["assignee"].queryset = (
                get_user_model().objects.filter(eligible | Q(pk=obj.assignee_id)).distinct()
            )
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "category":
            kwargs["queryset"] = db_field.related_model.objects.filter(
                brand__in=staffed_brands(request.user)
            ).select_related("brand")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="First response due", ordering="first_response_due_at")
    def first_response_due(self, ticket: Ticket) -> str:
        due = ticket.first_response_due_at
        if due is None:
            return "—"
        now = timezone.now()
        local = timezone.localtime(due, timezone=ZoneInfo(ticket.brand.time_zone))
        label = f"{local:%a %d %b %H:%M %Z}"
        if due <= now:
            return format_html('<strong class="sla-breached">{} · breached</strong>', label)
        if ticket.first_response_target_at and ticket.first_response_target_at <= now:
            return format_html('<strong class="sla-due-soon">{} · due soon</strong>', label)
        return label


@admin.register(Attachment)
class AttachmentAdmin(AgentPermissions, admin.ModelAdmin):
    list_display = ["filename", "content_type", "size", "message"]
    list_select_related = ["message__ticket"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Attachment]:
        return (
            super()
            .get_queryset(request)
            .filter(message__ticket__brand__in=staffed_brands(request.user))
        )


class SlaEventClockKindFilter(admin.SimpleListFilter):
    title = "clock"
    parameter_name = "clock_kind"

    def lookups(self, request, model_admin):
        return SlaClock.Kind.choices

    def queryset(self, request: HttpRequest, queryset: QuerySet[SlaEvent]) -> QuerySet[SlaEvent]:
        return queryset.filter(clock__kind=self.value()) if self.value() else queryset


@admin.register(SlaEvent)
class SlaEventAdmin(AgentPermissions, admin.ModelAdmin):
    list_display = ["created_at", "ticket", "kind", "clock", "tier", "due_at"]
    list_filter = [
        "kind",
        SlaEventClockKindFilter,
        "tier",
        ("ticket__brand", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["ticket", "clock"]
    search_fields = ["ticket__reference"]
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[SlaEvent]:
        return super().get_queryset(request).filter(ticket__in=tickets_for_user(request.user))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
