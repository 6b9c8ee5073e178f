"""Storefront API keys in admin: brand owners create and revoke their own brands' keys. The key
is shown once, in the message after saving; only its hash is stored. (Registered here, not
with the brands: keeping a key is the API's business, and brands import nothing above them.)"""

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from brands.admin import BrandScopedAdmin, owns_brand
from brands.models import BrandApiKey, BrandMembership
from brands.selectors import owned_brands
from helpdesk.services.api_keys import api_key_forget, parse_rate

# The library's brandless key model is unused here; listing it beside ours would only confuse.
if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)


class BrandApiKeyForm(forms.ModelForm):
    class Meta:
        model = BrandApiKey
        fields = ["brand", "name", "throttle_rate", "expiry_date", "revoked"]

    def clean_throttle_rate(self) -> str:
        rate = self.cleaned_data["throttle_rate"].strip()
        if rate and parse_rate(rate) is None:
            raise forms.ValidationError('Write it as a number per period, e.g. "120/min".')
        return rate


@admin.register(BrandApiKey)
class BrandApiKeyAdmin(BrandScopedAdmin, APIKeyModelAdmin):
    brand_roles = (BrandMembership.Role.OWNER,)
    form = BrandApiKeyForm
    list_display = [
        "prefix",
        "brand",
        "name",
        "created",
        "last_used_at",
        "expiry_date",
        "revoked",
    ]
    list_filter = ["brand", "revoked"]
    list_select_related = ["brand"]
    search_fields = ["name", "prefix"]

    def get_fields(self, request: HttpRequest, obj: BrandApiKey | None = None) -> list[str]:
        fields = ["brand", "name", "throttle_rate", "expiry_date", "revoked"]
        return fields if obj is None else ["prefix", *fields, "created", "last_used_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: BrandApiKey | None = None):
        if obj is None:
            return ()
        # A key stays with the brand it was given for; a revoked key is final.
        fixed = ("prefix", "brand", "created", "last_used_at")
        return (*fixed, "name", "throttle_rate", "expiry_date", "revoked") if obj.revoked else fixed

    def get_queryset(self, request: HttpRequest) -> QuerySet[BrandApiKey]:
        return super().get_queryset(request).filter(brand__in=owned_brands(request.user))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return owns_brand(request, None)

    def has_view_permission(self, request: HttpRequest, obj: BrandApiKey | None = None) -> bool:
        return owns_brand(request, obj.brand if obj is not None else None)

    has_change_permission = has_view_permission

    def has_add_permission(self, request: HttpRequest) -> bool:
        return owns_brand(request, None)

    def has_delete_permission(self, request: HttpRequest, obj: BrandApiKey | None = None) -> bool:
        # Revoking keeps the record of the key; deleting is for superusers tidying up.
        return request.user.is_superuser

    def save_model(self, request: HttpRequest, obj: BrandApiKey, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        api_key_forget(obj.prefix)  # the API caches keys: a revocation applies at once

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[BrandApiKey]) -> None:
        prefixes = list(queryset.values_list("prefix", flat=True))
        super().delete_queryset(request, queryset)
        for prefix in prefixes:
            api_key_forget(prefix)

    def delete_model(self, request: HttpRequest, obj: BrandApiKey) -> None:
        super().delete_model(request, obj)
        api_key_forget(obj.prefix)
