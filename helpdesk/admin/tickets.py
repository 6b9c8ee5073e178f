"""Admin for the people who work tickets: one queue across their brands, the ticket page with
its thread and composer, and bulk actions; every change goes through the ticket services."""

from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from brands.admin import BrandScopedAdmin, ReadOnlyAdmin, owns_brand
from brands.selectors import brand_staff, staffed_brands
from helpdesk.admin.access import AgentPermissions
from helpdesk.admin.order_numbers import OrderNumbersFieldMixin
from helpdesk.admin.saved_views import SavedViewFilter, TagFilter
from helpdesk.admin.ticket_page import PAGE_POLICY, AssignForm, TicketWorkViews
from helpdesk.admin.ticket_search import TicketSearchMixin, TierFilter
from helpdesk.errors import ApplicationError
from helpdesk.models import (
    BREACHED,
    IN_WARNING,
    Attachment,
    SlaClock,
    SlaEvent,
    Ticket,
    deadline_state,
)
from helpdesk.selectors.staff import (
    tickets_for_user,
    tickets_in_queue,
    with_first_response_due,
    with_next_due,
)
from helpdesk.services.sla.clocks import ticket_recompute_clocks
from helpdesk.services.tickets.erasure import (
    ERASED_DOMAIN,
    customer_erase,
    customer_erasure_preview,
    customer_erasures_before,
)
from helpdesk.services.tickets.language import ticket_language_set
from helpdesk.services.tickets.lifecycle import (
    RESOLVE_REASON_MAX_CHARS,
    category_errors,
    ticket_assign,
    ticket_details_save,
    ticket_resolve,
    ticket_set_status,
)
from helpdesk.services.tickets.order_numbers import ticket_order_numbers_set


class TicketActionForm(helpers.ActionForm):
    """The actions' bar, with the reason a bulk resolve gives tickets that were never
    answered (their customers are told it)."""

    reason = forms.CharField(
        required=False,
        max_length=RESOLVE_REASON_MAX_CHARS,
        label="Reason (for tickets never answered)",
        widget=forms.TextInput(attrs={"size": 50}),
    )


class SlaClockInline(AgentPermissions, admin.TabularInline):
    model = SlaClock
    extra = 0
    fields = SlaClock.DISPLAY_FIELDS
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class SlaEventInline(AgentPermissions, admin.TabularInline):
    model = SlaEvent
    extra = 0
    fields = ["created_at", "kind", "clock", "tier", "due_at", "detail", "actor"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[SlaEvent]:
        # Each event's clock and, for an escalation by an agent, who: with the rows.
        return super().get_queryset(request).select_related("clock", "actor")


class QueueFilter(admin.SimpleListFilter):
    title = "queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("mine", "My queue (mine and unassigned at my tier)")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        if self.value() == "mine":
            return tickets_in_queue(queryset, request.user)
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = "first response"
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return [("due_soon", "Due soon (past target)"), ("breached", "Breached (past latest)")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        now = timezone.now()
        live = SlaClock.objects.filter(ticket=OuterRef("pk")).live()
        if self.value() == "breached":
            return queryset.filter(Exists(live.breached(now)))
        if self.value() == "due_soon":
            return queryset.filter(Exists(live.in_warning(now)))
        return queryset


def _due_label(ticket: Ticket, due, target=None) -> str:
    if due is None:
        return "—"
    local = timezone.localtime(due, timezone=ZoneInfo(ticket.brand.time_zone))
    # The day and the time each never break, but may go on two lines, as may the state after
    # them: the due columns stay narrow enough for the list to fit a laptop's width.
    label = format_html(
        '<span class="due-time">{}</span> <span class="due-time">{}</span>',
        f"{local:%a %d %b}",
        f"{local:%H:%M %Z}",
    )
    state = deadline_state(target, due, timezone.now())
    if state == BREACHED:
        return format_html('<strong class="sla-breached">{} · breached</strong>', label)
    if state == IN_WARNING:
        return format_html('<strong class="sla-due-soon">{} · due soon</strong>', label)
    return label


def _details_checked(clean):
    """The form's clean, plus the ticket services' rules on category and order number, so a
    refusal shows on the form's fields rather than after saving."""

    def checked(form):
        cleaned = clean(form)
        ticket = form.instance
        if "category" in cleaned or "order_number" in cleaned:
            errors = category_errors(
                ticket.brand,
                cleaned.get("category", ticket.category),
                cleaned.get("order_number", ticket.order_number) or "",
            )
            for field, message in errors.items():
                form.add_error(field if field in form.fields else None, message)
        return cleaned

    return checked


@admin.register(Ticket)
class TicketAdmin(
    TicketSearchMixin,
    OrderNumbersFieldMixin,
    BrandScopedAdmin,
    AgentPermissions,
    TicketWorkViews,
    admin.ModelAdmin,
):
    # What an agent acts on first stays in view at a laptop's width: the due times come right
    # after the subject, the brand last (and only for those who work for several).
    list_display = [
        "reference",
        "subject_and_match",
        "status",
        "urgency",
        "next_due",
        "first_response_due",
        "assignee_name",
        "tier",
        "received",
        "brand",
    ]
    list_filter = [
        SavedViewFilter,
        QueueFilter,
        "brand",
        "status",
        "is_urgent",
        TierFilter,
        OverdueFilter,
        TagFilter,
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
        "merged_into",
    ]
    fields = [
        "brand",
        "reference",
        "subject",
        "customer_email",
        "customer_name",
        "category",
        "order_number",
        "order_numbers",
        "status",
        "is_urgent",
        "language",
        "needs_translation",
        "tier",
        "assignee",
        "merged_into",
        "policy_version",
        "received_at",
        "first_responded_at",
        "resolved_at",
        "closed_at",
        "created_at",
        "updated_at",
    ]
    # The thread, the composer and the actions are drawn by the page template (outside the
    # form, since each posts to its own view); the clocks and their events are inlines.
    inlines = [SlaClockInline, SlaEventInline]
    action_form = TicketActionForm
    actions = [
        "assign_to_me",
        "assign_selected",
        "resolve_selected",
        "recompute_clocks",
        "erase_customer",
    ]

    def get_urls(self):
        return [*self.work_urls(), *super().get_urls()]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Ticket]:
        tickets = tickets_for_user(request.user).select_related("brand", "assignee")
        return with_next_due(with_first_response_due(tickets))

    def get_list_display(self, request: HttpRequest):
        shown = super().get_list_display(request)
        if staffed_brands(request.user).count() > 1:
            return shown
        return [column for column in shown if column != "brand"]

    def changelist_view(self, request: HttpRequest, extra_context=None):
        # The list needs the width: the site's navigation sits in the header and breadcrumbs.
        return super().changelist_view(
            request, {**(extra_context or {}), "is_nav_sidebar_enabled": False}
        )

    def get_ordering(self, request: HttpRequest):
        if request.GET.get(QueueFilter.parameter_name) == "mine":
            # The queue is worked from the deadline nearest (or longest past) down; tickets
            # owing nothing now (waiting on the customer) come last.
            return [F("next_due_at").asc(nulls_last=True), "received_at"]
        return super().get_ordering(request)

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        ticket = self.get_object(request, object_id)
        extra = {**(extra_context or {}), **self.ticket_page_context(request, ticket)}
        # Every time on a ticket's page (its dates, clocks and events, like its thread) is in
        # the brand's time zone, the one its business hours and promises are counted in.
        with timezone.override(ZoneInfo(ticket.brand.time_zone)):
            response = super().change_view(request, object_id, form_url, extra)
            if hasattr(response, "render"):
                response.render()
        response["Content-Security-Policy"] = PAGE_POLICY
        return response

    def save_model(self, request: HttpRequest, obj: Ticket, form, change: bool) -> None:
        """Plain fields are saved as they are; status, assignee and language go through the
        services, which pause, resume, stop or recompute clocks, send the notices and check
        the assignee."""
        routed = {"status", "assignee", "language", "order_numbers"}
        plain = [name for name in form.changed_data if name not in routed]
        try:
            # The numbers first: a category that needs one, chosen in the same save, then
            # finds it there (no request to the customer for a number they just gave).
            if "order_numbers" in form.changed_data:
                ticket_order_numbers_set(obj, obj.order_numbers, actor=request.user)
                kept = {"order_numbers", "order_number", "is_incomplete"} - set(plain)
                obj.refresh_from_db(fields=sorted(kept))
            if plain:
                ticket_details_save(obj, plain, actor=request.user)
            if "assignee" in form.changed_data:
                ticket_assign(obj, obj.assignee, actor=request.user)
            if "language" in form.changed_data:
                ticket_language_set(obj, obj.language, actor=request.user)
            if "status" in form.changed_data:
                ticket_set_status(obj, obj.status, actor=request.user)
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)

    @admin.action(description="Assign to me")
    def assign_to_me(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        self.bulk_assign(request, queryset, request.user)

    @admin.action(description="Assign to an agent…")
    def assign_selected(self, request: HttpRequest, queryset: QuerySet[Ticket]):
        # The posted ids were narrowed to the user's tickets; when none is left, there is
        # nobody to offer (and no name of anyone to confirm).
        brand_ids = queryset.order_by().values_list("brand_id", flat=True).distinct()
        if not brand_ids:
            self.message_user(
                request, "None of the selected tickets is yours to assign.", messages.WARNING
            )
            return None
        people = brand_staff(brand_ids)
        form = AssignForm(request.POST if "apply" in request.POST else None, people=people)
        if form.is_bound and form.is_valid():
            self.bulk_assign(request, queryset, form.cleaned_data["assignee"])
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Assign tickets",
            "tickets": queryset,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "selected": queryset.values_list("pk", flat=True),
        }
        return TemplateResponse(request, "admin/helpdesk/ticket/assign.html", context)

    @admin.action(description="Resolve (tickets never answered need a reason)")
    def resolve_selected(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        reason = request.POST.get("reason", "")
        resolved, refused = 0, []
        for ticket in queryset.exclude(status__in=Ticket.FINISHED_STATES):
            try:
                ticket_resolve(ticket, reason=reason, actor=request.user)
            except ApplicationError:
                refused.append(ticket.reference)
            else:
                resolved += 1
        self.message_user(request, f"Resolved {resolved} ticket(s).", messages.SUCCESS)
        if refused:
            self.message_user(
                request,
                f"Not resolved, never answered: {', '.join(refused)}. Give the reason their "
                "customers will read in the Reason field beside the action.",
                messages.WARNING,
            )

    @admin.action(description="Recompute clocks under the current policy")
    def recompute_clocks(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        now = timezone.now()
        changed = sum(
            ticket_recompute_clocks(ticket, now, actor=request.user) for ticket in queryset
        )
        self.message_user(request, f"Recomputed {changed} clocks on {queryset.count()} tickets.")

    def get_actions(self, request: HttpRequest):
        actions = super().get_actions(request)
        if not (request.user.is_superuser or owns_brand(request, None)):
            actions.pop("erase_customer", None)
        return actions

    @admin.action(description="Erase this customer's personal data…")
    def erase_customer(self, request: HttpRequest, queryset: QuerySet[Ticket]):
        """Erase the customers of the selected tickets, each in the ticket's brand, after a
        page that shows what would go. Only the brand's owners (and superusers) may."""
        tickets = list(queryset.select_related("brand").order_by("brand__name", "pk"))
        refused = [
            ticket
            for ticket in tickets
            if not (request.user.is_superuser or owns_brand(request, ticket.brand))
        ]
        if not tickets or refused:
            self.message_user(
                request,
                "Only a brand's owners may erase its customers' personal data"
                + (f" ({', '.join(t.reference for t in refused)})." if refused else "."),
                messages.ERROR,
            )
            return None
        customers = {
            (t.brand, t.customer_email.strip().lower()): None
            for t in tickets
            if not t.customer_email.endswith(f"@{ERASED_DOMAIN}")
        }
        if not customers:
            self.message_user(request, "Those customers were erased already.", messages.INFO)
            return None
        if request.POST.get("confirm") == "yes":
            for brand, email in customers:
                erasure = customer_erase(brand, email, actor=request.user, source="admin")
                erased = ", ".join(
                    f"{n} {kind.replace('_', ' ')}" for kind, n in erasure.counts.items() if n
                )
                self.message_user(
                    request,
                    f"Erased a customer's personal data in {brand}: {erased or 'nothing left'}.",
                    messages.SUCCESS,
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Erase a customer's personal data",
            "customers": [
                {
                    "brand": brand,
                    "email": email,
                    "counts": customer_erasure_preview(brand, email),
                    "erased_before": customer_erasures_before(brand, email).first(),
                }
                for brand, email in customers
            ],
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "selected": [ticket.pk for ticket in tickets],
        }
        return TemplateResponse(request, "admin/helpdesk/ticket/erase.html", context)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Tickets come from customers (mail, API, contact form), never typed in by hand.
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    def get_form(self, request: HttpRequest, obj: Ticket | None = None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.clean = _details_checked(form.clean)
        fields = form.base_fields
        if obj is not None and "category" in fields:
            # A category of another brand would give the ticket the wrong promises.
            fields["category"].queryset = fields["category"].queryset.filter(brand=obj.brand_id)
        if obj is not None and "assignee" in fields:
            # Whom ticket_assign accepts: the brand's agents and seniors, or a superuser. The
            # current assignee stays listed so saving another field does not unassign them.
            fields["assignee"].queryset = get_user_model().objects.filter(
                Q(pk__in=brand_staff([obj.brand_id]).values("pk")) | Q(pk=obj.assignee_id)
            )
        return form

    @admin.display(description="First response due", ordering="first_response_due_at")
    def first_response_due(self, ticket: Ticket) -> str:
        return _due_label(ticket, ticket.first_response_due_at, ticket.first_response_target_at)

    @admin.display(description="Urgency", ordering="-is_urgent")
    def urgency(self, ticket: Ticket) -> str:
        # A word and a colour: a green tick read as "fine" on the tickets most at risk.
        if ticket.is_urgent:
            return format_html('<span class="urgency urgency-urgent">{}</span>', "Urgent")
        return format_html('<span class="urgency urgency-normal">{}</span>', "normal")

    @admin.display(description="Assignee")
    def assignee_name(self, ticket: Ticket) -> str:
        if ticket.assignee is None:
            return "—"
        name = ticket.assignee.get_full_name() or ticket.assignee.get_username()
        return format_html('<span title="{}">{}</span>', ticket.assignee.get_username(), name)

    @admin.display(description="Received", ordering="received_at")
    def received(self, ticket: Ticket) -> str:
        # In the brand's zone, as the due times beside it.
        local = timezone.localtime(ticket.received_at, timezone=ZoneInfo(ticket.brand.time_zone))
        return f"{local:%d %b %H:%M}"

    @admin.display(description="Next due", ordering="next_due_at")
    def next_due(self, ticket: Ticket) -> str:
        if ticket.next_due_at is None:
            return "—"
        kind = SlaClock.Kind(ticket.next_due_kind).label.lower()
        label = _due_label(ticket, ticket.next_due_at, ticket.next_due_target_at)
        return format_html("{} ({})", label, kind)


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin, BrandScopedAdmin, AgentPermissions, admin.ModelAdmin):
    """Files that came with messages: listed and downloaded, never edited here."""

    brand_path = "message__ticket__brand"
    list_display = ["filename", "content_type", "size", "ticket", "download"]
    list_select_related = ["message__ticket"]
    fields = ["filename", "content_type", "size", "note", "ticket", "download"]
    readonly_fields = fields
    search_fields = ["filename", "message__ticket__reference"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Attachment]:
        return (
            super()
            .get_queryset(request)
            .filter(message__ticket__brand__in=staffed_brands(request.user))
        )

    @admin.display(description="Ticket")
    def ticket(self, attachment: Attachment) -> str:
        ticket = attachment.message.ticket
        url = reverse("admin:helpdesk_ticket_change", args=[ticket.pk])
        return format_html('<a href="{}">{}</a>', url, ticket.reference)

    @admin.display(description="File")
    def download(self, attachment: Attachment) -> str:
        if not attachment.file:
            return attachment.note or "not kept"
        url = reverse("admin:helpdesk_ticket_attachment", args=[attachment.pk])
        return format_html('<a href="{}">Download</a>', url)


class SlaEventClockKindFilter(admin.SimpleListFilter):
    title = "clock"
    parameter_name = "clock_kind"

    def lookups(self, request, model_admin):
        return SlaClock.Kind.choices

    def queryset(self, request: HttpRequest, queryset: QuerySet[SlaEvent]) -> QuerySet[SlaEvent]:
        return queryset.filter(clock__kind=self.value()) if self.value() else queryset


@admin.register(SlaEvent)
class SlaEventAdmin(ReadOnlyAdmin, BrandScopedAdmin, AgentPermissions, admin.ModelAdmin):
    brand_path = "ticket__brand"
    list_display = ["created_at", "ticket", "kind", "clock", "tier", "due_at"]
    list_filter = [
        "kind",
        SlaEventClockKindFilter,
        "tier",
        "ticket__brand",
    ]
    list_select_related = ["ticket", "clock"]
    search_fields = ["ticket__reference"]
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[SlaEvent]:
        return super().get_queryset(request).filter(ticket__in=tickets_for_user(request.user))
