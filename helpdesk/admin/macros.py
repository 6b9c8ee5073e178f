"""Macros (a brand's canned replies) in admin: used by every agent of the brand on the ticket
page, written only by its owners and senior agents."""

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from brands.admin import BrandScopedAdmin
from brands.models import BrandMembership
from brands.selectors import brands_for_user
from helpdesk.models import Macro
from helpdesk.services.tickets.macros import PLACEHOLDERS, macro_placeholders_unknown
from helpdesk.services.tickets.tags import TAG_LENGTH, TAG_NAME, tag_names_parse

# Who writes a brand's macros; its agents only use them.
EDITOR_ROLES = (BrandMembership.Role.OWNER, BrandMembership.Role.SENIOR)
READER_ROLES = (*EDITOR_ROLES, BrandMembership.Role.AGENT)


class MacroForm(forms.ModelForm):
    class Meta:
        model = Macro
        fields = ["brand", "name", "body", "status", "category", "tags"]
        help_texts = {
            "body": "Placeholders: "
            + "; ".join(f"{{{name}}}: {what}" for name, what in PLACEHOLDERS.items())
        }

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        unknown = macro_placeholders_unknown(body)
        if unknown:
            raise forms.ValidationError(
                "Unknown placeholder: " + ", ".join(f"{{{name}}}" for name in unknown)
            )
        return body

    def clean_tags(self) -> str:
        names = tag_names_parse(self.cleaned_data["tags"])
        if any(len(name) > TAG_LENGTH or not TAG_NAME.match(name) for name in names):
            raise forms.ValidationError(
                f"Tags are words of at most {TAG_LENGTH} letters, digits or dashes, "
                "separated by commas."
            )
        return ", ".join(names)

    def clean(self):
        cleaned = super().clean()
        brand, category = cleaned.get("brand"), cleaned.get("category")
        if brand and category and category.brand_id != brand.pk:
            self.add_error("category", "Choose a category of the macro's brand.")
        return cleaned


def _brand_ids(request: HttpRequest, roles: tuple[str, ...]) -> frozenset[int]:
    cache = request.__dict__.setdefault("_macro_brand_ids", {})
    if roles not in cache:
        cache[roles] = frozenset(brands_for_user(request.user, roles).values_list("pk", flat=True))
    return cache[roles]


@admin.register(Macro)
class MacroAdmin(BrandScopedAdmin, admin.ModelAdmin):
    form = MacroForm
    brand_roles = EDITOR_ROLES
    list_display = ["name", "brand", "status", "category", "tags"]
    list_filter = ["brand"]
    search_fields = ["name", "body"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Macro]:
        readable = brands_for_user(request.user, READER_ROLES)
        return super().get_queryset(request).filter(brand__in=readable).select_related("brand")

    def _may(self, request: HttpRequest, roles: tuple[str, ...], obj: Macro | None) -> bool:
        brand_ids = _brand_ids(request, roles)
        return obj.brand_id in brand_ids if obj is not None else bool(brand_ids)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may(request, READER_ROLES, None)

    def has_view_permission(self, request: HttpRequest, obj: Macro | None = None) -> bool:
        return self._may(request, READER_ROLES, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may(request, EDITOR_ROLES, None)

    def has_change_permission(self, request: HttpRequest, obj: Macro | None = None) -> bool:
        return self._may(request, EDITOR_ROLES, obj)

    has_delete_permission = has_change_permission
