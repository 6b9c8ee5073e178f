"""The ticket list's saved views and tag filter (choices from small tables, never a scan of
the tickets); each view's rows come from `selectors.saved_views`."""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from brands.selectors import staffed_brands
from helpdesk.models import Tag, Ticket
from helpdesk.selectors.saved_views import SAVED_VIEWS, saved_view_q


class SavedViewFilter(admin.SimpleListFilter):
    title = "view"
    parameter_name = "view"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return SAVED_VIEWS

    def queryset(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        if self.value() is None:
            return queryset
        brands = list(staffed_brands(request.user).select_related("policy"))
        try:
            return queryset.filter(saved_view_q(self.value(), request.user, brands, timezone.now()))
        except KeyError:
            raise IncorrectLookupParameters("Not a saved view.") from None


class TagFilter(admin.SimpleListFilter):
    title = "tag"
    parameter_name = "tag"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[int, str]]:
        mine = Tag.objects.filter(brand__in=staffed_brands(request.user))
        tags = list(mine.select_related("brand").order_by("name", "brand__name"))
        several = len({tag.brand_id for tag in tags}) > 1
        return [
            (tag.pk, f"{tag.name} ({tag.brand.reference_prefix})" if several else tag.name)
            for tag in tags
        ]

    def has_output(self) -> bool:
        # Always a filter of its own, so `?tag=` is checked here even while no tag exists.
        return True

    def queryset(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        if self.value() is None:
            return queryset
        if not self.value().isdigit() or len(self.value()) > 18:
            raise IncorrectLookupParameters("Not a tag.")
        return queryset.filter(tags=int(self.value()))
