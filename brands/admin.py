from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from brands.models import (
    Brand,
    BrandHoliday,
    BrandMembership,
    Category,
    Closure,
    EscalationTier,
    OpeningHours,
    PeakPeriod,
    PolicyVersion,
    SlaPolicy,
    SupportAddress,
    UrgentReason,
)
from brands.selectors import owned_brands
from brands.services import policy_version_record


def _owns(request: HttpRequest, brand: Brand | None) -> bool:
    """Brand settings are the owners' to edit: any owned brand for lists, this one for objects."""
    # Admin asks a dozen times per page (sidebar, buttons, each inline): look up once.
    if not hasattr(request, "_owned_brand_ids"):
        brands = owned_brands(request.user).values_list("pk", flat=True)
        request._owned_brand_ids = frozenset(brands)
    if brand is None:
        return bool(request._owned_brand_ids)
    return brand.pk in request._owned_brand_ids


class OwnerPermissions:
    """Permissions from brand ownership rather than global model permissions."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _owns(request, None)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return _owns(request, obj if isinstance(obj, Brand) else None)

    has_change_permission = has_view_permission


class BrandInline(OwnerPermissions, admin.TabularInline):
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Brand | None = None) -> bool:
        return _owns(request, obj)

    has_delete_permission = has_add_permission


class SupportAddressInline(BrandInline):
    model = SupportAddress


class OpeningHoursInline(BrandInline):
    model = OpeningHours
    max_num = 7


class BrandHolidayInline(BrandInline):
    model = BrandHoliday


class ClosureInline(BrandInline):
    model = Closure


class PeakPeriodInline(BrandInline):
    model = PeakPeriod


class SlaPolicyInline(OwnerPermissions, admin.StackedInline):
    model = SlaPolicy
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Brand | None = None) -> bool:
        return _owns(request, obj)


class CategoryInline(BrandInline):
    model = Category


class UrgentReasonInline(BrandInline):
    model = UrgentReason


class EscalationTierInline(BrandInline):
    model = EscalationTier


class PolicyVersionInline(BrandInline):
    model = PolicyVersion
    fields = ["number", "created_at", "author", "source", "changes"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Brand | None = None) -> bool:
        return False


@admin.register(Brand)
class BrandAdmin(OwnerPermissions, admin.ModelAdmin):
    """Brand owners edit their own brands' settings; every save records a policy version."""

    list_display = ["name", "slug", "reference_prefix", "time_zone", "policy_updated_at"]
    readonly_fields = ["policy_updated_at"]
    search_fields = ["name", "slug"]
    inlines = [
        SupportAddressInline,
        SlaPolicyInline,
        OpeningHoursInline,
        BrandHolidayInline,
        ClosureInline,
        PeakPeriodInline,
        CategoryInline,
        UrgentReasonInline,
        EscalationTierInline,
        PolicyVersionInline,
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Brand]:
        return super().get_queryset(request).filter(pk__in=owned_brands(request.user).values("pk"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Brand | None = None) -> bool:
        return request.user.is_superuser

    def save_model(self, request: HttpRequest, obj: Brand, form, change: bool) -> None:
        # Only what the form changed: a full save would write back the ticket counter read
        # at the start of the request and undo numbers handed out meanwhile.
        if change:
            obj.save(update_fields=form.changed_data)
        else:
            obj.save()

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Recorded after the inlines so one version holds the whole change.
        policy_version_record(form.instance, source="admin", author=request.user)


@admin.register(PolicyVersion)
class PolicyVersionAdmin(OwnerPermissions, admin.ModelAdmin):
    list_display = ["brand", "number", "created_at", "author", "source"]
    # Only the owner's brands: other brands are not theirs to see, even by name.
    list_filter = [("brand", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["brand", "author"]
    readonly_fields = ["brand", "number", "created_at", "author", "source", "changes", "snapshot"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[PolicyVersion]:
        return super().get_queryset(request).filter(brand__in=owned_brands(request.user))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PolicyVersion | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: PolicyVersion | None = None) -> bool:
        return False


@admin.register(BrandMembership)
class BrandMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "brand", "role"]
    list_filter = ["brand", "role"]
    list_select_related = ["user", "brand"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def get_queryset(self, request: HttpRequest) -> QuerySet[BrandMembership]:
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.none()
