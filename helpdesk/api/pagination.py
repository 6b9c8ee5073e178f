from django.conf import settings
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

# Deep pages are read past every row before them: narrow the list (filters, dates) instead.
PAGE_NUMBER_MAX = 1000


class PagePagination(PageNumberPagination):
    """`?page=2&page_size=50`; at most API_PAGE_SIZE_MAX a page."""

    page_size_query_param = "page_size"

    @property
    def max_page_size(self) -> int:
        return settings.API_PAGE_SIZE_MAX


class NextPagePagination(PagePagination):
    """The same `?page=2&page_size=50`, without a count: a page reads one row more than it
    returns to know whether another follows. For lists that may hold a million tickets, where
    counting them would cost more than the page itself."""

    def paginate_queryset(self, queryset, request: Request, view=None) -> list:
        self.request = request
        size = self.get_page_size(request)
        try:
            self.number = int(request.query_params.get(self.page_query_param, 1))
        except ValueError:
            raise NotFound("Invalid page.") from None
        if not 1 <= self.number <= PAGE_NUMBER_MAX:
            raise NotFound("Invalid page.")
        start = (self.number - 1) * size
        rows = list(queryset[start : start + size + 1])
        if self.number > 1 and not rows:
            raise NotFound("Invalid page.")
        self.has_next = len(rows) > size
        return rows[:size]

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.page_query_param, self.number + 1)

    def get_previous_link(self) -> str | None:
        if self.number <= 1:
            return None
        url = self.request.build_absolute_uri()
        if self.number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.number - 1)

    def get_paginated_response(self, data) -> Response:
        return Response(
            {"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        full = super().get_paginated_response_schema(schema)
        full["required"] = ["results"]
        del full["properties"]["count"]
        return full
