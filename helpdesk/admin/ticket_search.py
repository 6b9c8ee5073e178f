"""The ticket list's search box and what keeps the list fast at scale, as a mixin of the
ticket admin and a filter.

The search is the staff search (selectors.search) the staff API's `q` uses too: ranked, with a
snippet of the matching message beside each ticket of the page. The list never counts a
brand's tickets: a page reads one row more than it shows to know whether another follows;
and its filters' choices come from settings and small tables, never from the tickets.
"""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ORDER_VAR, PAGE_VAR, ChangeList
from django.core.paginator import Page, Paginator
from django.db.models import F, OrderBy, QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from brands.models import EscalationTier
from brands.selectors import staffed_brands
from helpdesk.models import Ticket
from helpdesk.selectors.search import (
    RANK_WINDOW,
    search_snippets,
    search_text,
    tickets_search,
)
from helpdesk.selectors.staff import INDEX_ORDERS, index_order


class NextPagePaginator(Paginator):
    """A paginator that knows the page asked for and whether one follows it, from one query
    of a page and one row: `count` is what has been seen, never a COUNT over the list."""

    def __init__(self, object_list, per_page, *, page_number: int) -> None:
        super().__init__(object_list, per_page)
        self.page_number = max(page_number, 1)

    @cached_property
    def _rows(self) -> list:
        offset = (self.page_number - 1) * self.per_page
        return list(self.object_list[offset : offset + self.per_page + 1])

    @cached_property
    def count(self) -> int:
        return (self.page_number - 1) * self.per_page + len(self._rows)

    @property
    def has_next(self) -> bool:
        return len(self._rows) > self.per_page

    def page(self, number) -> Page:
        number = self.validate_number(number)
        if number != self.page_number:
            # Only the page this paginator was made for is read (admin asks for no other).
            return super().page(number)
        return self._get_page(self._rows[: self.per_page], number, self)


def list_sort_order(ordering: list) -> list:
    """The list's order when the agent chose a sort: the sorted column's index order
    (selectors.staff.INDEX_ORDERS), whatever admin added after it. Any other order is left as
    it is."""
    chosen = ordering[0] if ordering else None
    if isinstance(chosen, OrderBy) and isinstance(chosen.expression, F):
        name, descending = chosen.expression.name, chosen.descending
    elif isinstance(chosen, str):
        name, descending = chosen.removeprefix("-"), chosen.startswith("-")
    else:
        return ordering
    if name not in INDEX_ORDERS:
        return ordering
    return index_order(name, descending=descending)


class TicketChangeList(ChangeList):
    """Admin's list, plus the snippet of each shown ticket's matching message when searching."""

    def get_ordering_field(self, field_name):
        # The columns the admin offers to sort by, and no other through a crafted `o=`.
        if field_name not in self.sortable_by:
            return None
        return super().get_ordering_field(field_name)

    def get_ordering(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> list:
        ordering = super().get_ordering(request, queryset)
        if not self.params.get(ORDER_VAR):
            return ordering
        return list_sort_order(ordering)

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        if isinstance(self.result_list, QuerySet) and not self.multi_page:
            # A single page: the rows the paginator read already, not the same query again.
            self.result_list = self.paginator.page(self.page_num).object_list
        has_next = getattr(self.paginator, "has_next", False)
        self.next_page_url = (
            self.get_query_string({PAGE_VAR: self.page_num + 1}) if has_next else ""
        )
        self.previous_page_url = (
            self.get_query_string({PAGE_VAR: self.page_num - 1}) if self.page_num > 1 else ""
        )
        # What the page shows, never a total ("50+ results" when more follow). Admin offers
        # to select "all N" when this differs from the page's rows: a bulk action never
        # reaches tickets nobody has seen.
        self.result_count = len(self.result_list)
        self.more_results = has_next
        self.search_window = 0
        if not search_text(self.query):
            return
        if ORDER_VAR not in self.params and "received" in self.list_display:
            # Ranked among the newest matches only: say so, with the way to every match.
            self.search_window = RANK_WINDOW
            received = self.list_display.index("received")
            self.every_match_url = self.get_query_string({ORDER_VAR: f"-{received}"})
        rows = list(self.result_list)
        snippets = search_snippets(rows, self.query)
        for ticket in rows:
            ticket.search_snippet = snippets.get(ticket.pk, "")
        self.result_list = rows


class TierFilter(admin.SimpleListFilter):
    """The tiers the user's brands define (a small table), where admin's own filter would read
    every ticket for its distinct tiers. Today's parameter, so saved links keep working."""

    title = "tier"
    parameter_name = "tier__exact"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[int, str]]:
        tiers = EscalationTier.objects.filter(brand__in=staffed_brands(request.user))
        levels = tiers.order_by("level").values_list("level", flat=True).distinct()
        return [(level, f"Tier {level}") for level in levels]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        if self.value() is None:
            return queryset
        try:
            return queryset.filter(tier=int(self.value()))
        except ValueError:
            raise IncorrectLookupParameters("Not a tier.") from None


class TicketSearchMixin:
    """For the ticket admin: the staff search in the search box, best match first unless the
    agent sorts by a column, and a pager that counts nothing."""

    search_help_text = (
        "Words of the conversation, a reference, an order number, a customer's name or address."
    )
    show_full_result_count = False
    # "Show all" would read every ticket of the brands, and counts beside each filter's
    # choices would count them once a choice: neither is offered.
    list_max_show_all = 0
    show_facets = admin.ShowFacets.NEVER
    # Rows are drawn in Python: half admin's hundred keeps a page's drawing short.
    list_per_page = 50
    # Only orders an index serves (INDEX_ORDERS; newest first by default): sorting a million
    # tickets by subject, status or assignee would read them all for a page, and those are
    # the filters' work. The queue orders open tickets by their due times.
    sortable_by = ["reference", "urgency", "received", "next_due"]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Ticket], search_term: str
    ) -> tuple[QuerySet[Ticket], bool]:
        # Sorted by a column, every match in that order; else the best matches first (among
        # the newest RANK_WINDOW, which the list says).
        return tickets_search(queryset, search_term, ranked=ORDER_VAR not in request.GET), False

    def get_changelist(self, request: HttpRequest, **kwargs):
        return TicketChangeList

    def get_paginator(self, request: HttpRequest, queryset, per_page, orphans=0, **kwargs):
        try:
            number = int(request.GET.get(PAGE_VAR, 1))
        except ValueError:
            number = 1
        return NextPagePaginator(queryset, per_page, page_number=number)

    @admin.display(description="Subject")
    def subject_and_match(self, ticket: Ticket) -> str:
        # When searching, the matching message's snippet under the subject, in the same
        # column: a column of its own would renumber the sortable ones (`o=` counts columns).
        snippet = getattr(ticket, "search_snippet", "")
        if not snippet:
            return ticket.subject
        # The selector escaped the mail's text; only its <mark> tags are markup.
        return format_html(
            '{}<div class="search-match">{}</div>', ticket.subject, mark_safe(snippet)
        )
