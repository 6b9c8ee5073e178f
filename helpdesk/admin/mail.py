"""Admin for the mail that came in and went out: what failed, why, and a way to retry it."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from brands.admin import BrandScopedAdmin
from brands.selectors import STAFF_ROLES
from helpdesk.admin.access import staffed_brand_ids
from helpdesk.errors import ApplicationError
from helpdesk.models import InboundEmail, Message, OutboundEmail
from helpdesk.services.intake.inbound import (
    inbound_assign_brand,
    inbound_discard,
    inbound_reply_address_set,
    inbound_reprocess,
)
from helpdesk.services.outbox.sending import outbox_retry
from helpdesk.services.raw_mail import inbound_raw_open, inbound_raw_read

RAW_SHOWN_BYTES = 200_000


class ReplyAddressForm(forms.Form):
    reply_address = forms.EmailField(label="The customer's address", max_length=254)


class MailPermissions:
    """Agents see the mail of their brands, read-only; superusers see and fix everything."""

    brand_roles = STAFF_ROLES  # whose brands the brand filter offers

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(staffed_brand_ids(request))

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is None:
            return bool(staffed_brand_ids(request))
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser


@admin.register(InboundEmail)
class InboundEmailAdmin(BrandScopedAdmin, MailPermissions, admin.ModelAdmin):
    list_display = [
        "received_at",
        "subject",
        "from_email",
        "envelope_recipient",
        "brand",
        "status",
        "attempts",
        "size",
    ]
    # An agent looks for a mail by what it is about, so its subject opens it too.
    list_display_links = ["received_at", "subject"]
    list_filter = ["status", "source", "brand"]
    search_fields = ["from_email", "subject", "message_id", "envelope_recipient"]
    list_select_related = ["brand"]
    actions = ["retry_processing"]
    fields = [
        "status",
        "brand",
        "error",
        "reply_address_action",
        "reply_address",
        "received_at",
        "processed_at",
        "attempts",
        "source",
        "envelope_recipient",
        "envelope_sender",
        "message_id",
        "from_email",
        "subject",
        "sha256",
        "size",
        "tickets",
        "raw_download",
        "raw_text",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[InboundEmail]:
        rows = super().get_queryset(request).defer("raw")
        if request.user.is_superuser:
            return rows
        # Unrouted mail has no brand yet: whose it is, only a superuser decides.
        brands = staffed_brand_ids(request)
        routed = Message.objects.filter(brand__in=brands).values("inbound_email_id")
        return rows.filter(Q(brand__in=brands) | Q(pk__in=routed))

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # The one change: a superuser routes an unrouted (or failed) message to a brand.
        return request.user.is_superuser and (
            obj is None or obj.status in (InboundEmail.Status.UNROUTED, InboundEmail.Status.FAILED)
        )

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return [name for name in self.fields if name != "brand"]

    def save_model(self, request: HttpRequest, obj: InboundEmail, form, change: bool) -> None:
        if "brand" in form.changed_data and obj.brand is not None:
            inbound_assign_brand(obj, obj.brand)
            messages.info(request, f"Routed to {obj.brand}; it is processed again.")

    def get_urls(self):
        raw = self.admin_site.admin_view(self.raw_view)
        reply_address = self.admin_site.admin_view(self.reply_address_view)
        return [
            path("<int:pk>/raw/", raw, name="helpdesk_inboundemail_raw"),
            path(
                "<int:pk>/reply-address/",
                reply_address,
                name="helpdesk_inboundemail_reply_address",
            ),
            *super().get_urls(),
        ]

    def raw_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        inbound = self.get_object(request, str(pk))
        try:
            raw = inbound_raw_open(inbound)
        except OSError as error:
            raise Http404("The stored message is missing.") from error
        # Streamed from the file storage, never a link to it.
        return FileResponse(
            raw,
            as_attachment=True,
            filename=f"inbound-{inbound.pk}.eml",
            content_type="message/rfc822",
        )

    def reply_address_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """An agent of the message's brand files mail that named no usable sender as a ticket,
        with the customer's address they enter, or discards it."""
        inbound = self.get_object(request, str(pk))
        if inbound.status != InboundEmail.Status.NO_SENDER:
            raise Http404("This message does not wait for a reply address.")
        form = ReplyAddressForm(request.POST if request.POST.get("do") == "file" else None)
        if request.method == "POST":
            try:
                if request.POST.get("do") == "discard":
                    inbound_discard(inbound, request.user)
                    self.message_user(request, "The message was discarded.")
                    return HttpResponseRedirect(_changelist_url())
                if form.is_valid():
                    inbound_reply_address_set(inbound, form.cleaned_data["reply_address"])
                    self.message_user(
                        request, f"Filed as mail from {inbound.reply_address}; it is processed now."
                    )
                    return HttpResponseRedirect(_changelist_url())
            except ApplicationError as error:
                for field, message in error.fields.items():
                    form.add_error(field if field in form.fields else None, message)
                if not error.fields:
                    form.add_error(None, error.message)
        context = {
            **self.admin_site.each_context(request),
            "title": "A message with no reply address",
            "inbound": inbound,
            "reason": inbound.error,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/helpdesk/inboundemail/reply_address.html", context)

    @admin.display(description="What to do")
    def reply_address_action(self, inbound: InboundEmail) -> str:
        if inbound.status != InboundEmail.Status.NO_SENDER:
            return "—"
        url = reverse("admin:helpdesk_inboundemail_reply_address", args=[inbound.pk])
        return format_html('<a href="{}">Enter the customer\'s address, or discard it</a>', url)

    @admin.display(description="Raw message")
    def raw_download(self, inbound: InboundEmail) -> str:
        url = reverse("admin:helpdesk_inboundemail_raw", args=[inbound.pk])
        return format_html('<a href="{}">Download (.eml, {} bytes)</a>', url, inbound.size)

    @admin.display(description="Raw message as text")
    def raw_text(self, inbound: InboundEmail) -> str:
        try:
            raw = inbound_raw_read(inbound, RAW_SHOWN_BYTES)
        except OSError:
            return "The stored message is missing."
        more = " …" if inbound.size > RAW_SHOWN_BYTES else ""
        text = raw.decode("utf-8", errors="replace") + more
        return format_html('<pre style="white-space: pre-wrap">{}</pre>', text)

    @admin.display(description="Tickets")
    def tickets(self, inbound: InboundEmail) -> str:
        references = inbound.messages.values_list("ticket__reference", flat=True).distinct()
        return ", ".join(references) or "—"

    @admin.action(description="Retry processing")
    def retry_processing(self, request: HttpRequest, queryset: QuerySet[InboundEmail]) -> None:
        retried = inbound_reprocess(list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            f"{len(retried)} message(s) queued for processing again "
            "(only failed and unrouted ones are retried).",
        )


@admin.register(OutboundEmail)
class OutboundEmailAdmin(BrandScopedAdmin, MailPermissions, admin.ModelAdmin):
    list_display = [
        "created_at",
        "kind",
        "subject",
        "recipients",
        "brand",
        "ticket",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = ["status", "kind", "brand"]
    search_fields = ["subject", "message_id", "esp_message_id", "ticket__reference"]
    list_select_related = ["brand", "ticket"]
    actions = ["retry"]
    readonly_fields = [
        "brand",
        "ticket",
        "kind",
        "status",
        "last_error",
        "from_email",
        "to",
        "subject",
        "body_text",
        "headers",
        "message_id",
        "esp_message_id",
        "attempts",
        "created_at",
        "last_attempt_at",
        "sent_at",
    ]
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[OutboundEmail]:
        return super().get_queryset(request).filter(brand__in=staffed_brand_ids(request))

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="To")
    def recipients(self, outbound: OutboundEmail) -> str:
        return ", ".join(outbound.to)

    @admin.action(description="Retry sending (failed mail only)")
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboundEmail]) -> None:
        failed = queryset.filter(status=OutboundEmail.Status.FAILED)
        count = outbox_retry(list(failed.values_list("pk", flat=True)))
        self.message_user(request, f"{count} mail(s) queued to be sent again.")


def _changelist_url() -> str:
    return reverse("admin:helpdesk_inboundemail_changelist") + "?status__exact=no_sender"
