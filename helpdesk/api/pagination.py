from django.conf import settings
from rest_framework.pagination import PageNumberPagination


class PagePagination(PageNumberPagination):
    """`?page=2&page_size=50`; at most API_PAGE_SIZE_MAX a page."""

    page_size_query_param = "page_size"

    @property
    def max_page_size(self) -> int:
        return settings.API_PAGE_SIZE_MAX
