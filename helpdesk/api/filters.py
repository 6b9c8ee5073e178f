"""Query-string filters of the ticket lists. Every value is validated as a form field, so a
malformed one is a 400 naming the parameter, never a database error."""

from datetime import UTC

import django_filters
from django import forms
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field

from helpdesk.models import Ticket
from helpdesk.selectors.search import RANK_WINDOW, SEARCH_MAX_CHARS, tickets_search
from helpdesk.selectors.staff import INDEX_ORDERS, index_order

BIGINT_MAX = 2**63 - 1


class SafeIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """ISO 8601, handed to the database in UTC: PostgreSQL refuses offsets beyond ±15:59 that
    Python accepts, and instants early in year 1 east of Greenwich have no UTC form at all."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except (OverflowError, ValueError):
            raise forms.ValidationError("Out of range.") from None


class DateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = SafeIsoDateTimeField


class IntegerFilter(django_filters.NumberFilter):
    """A whole number in a range the database can compare with (NumberFilter takes decimals)."""

    field_class = forms.IntegerField


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 32767})
class TierFilter(IntegerFilter):
    pass


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": BIGINT_MAX})
class UserIdFilter(IntegerFilter):
    pass


class StableOrderingFilter(django_filters.OrderingFilter):
    """Orders by the chosen fields, then by id, so pages never overlap on ties; an empty
    choice ("?ordering=,") keeps the default order instead of none. One field is read in its
    index's order (selectors.staff.index_order: the reference by the brand's number, ties by
    id the same way), so a page is never a sort of every ticket."""

    def filter(self, qs: QuerySet, value):
        ordering = [self.get_ordering_value(p) for p in value or [] if p not in ("", None)]
        if len(ordering) == 1 and ordering[0].removeprefix("-") in INDEX_ORDERS:
            field = ordering[0].removeprefix("-")
            return qs.order_by(*index_order(field, descending=ordering[0].startswith("-")))
        return qs.order_by(*ordering, "-id") if ordering else qs


class StorefrontTicketFilter(django_filters.FilterSet):
    customer_email = django_filters.CharFilter(
        method="filter_customer_email", max_length=254, help_text="The customer's address."
    )
    # A column of the ticket itself: no join to undo, so no DISTINCT (which would sort every
    # matching ticket before the first page).
    status = django_filters.MultipleChoiceFilter(choices=Ticket.Status.choices, distinct=False)
    created_after = DateTimeFilter(field_name="received_at", lookup_expr="gte")
    created_before = DateTimeFilter(field_name="received_at", lookup_expr="lt")

    class Meta:
        model = Ticket
        fields = ["customer_email", "status", "created_after", "created_before"]

    @extend_schema_field({"type": "string", "maxLength": 254})
    def filter_customer_email(self, queryset: QuerySet[Ticket], name: str, value: str):
        # Stored lowercased (ticket_create), so an exact match uses the index.
        return queryset.filter(customer_email=value.strip().lower())


class StaffTicketFilter(django_filters.FilterSet):
    brand = django_filters.CharFilter(field_name="brand__slug", max_length=50)
    # A column of the ticket itself: no join to undo, so no DISTINCT (which would sort every
    # matching ticket before the first page).
    status = django_filters.MultipleChoiceFilter(choices=Ticket.Status.choices, distinct=False)
    urgent = django_filters.BooleanFilter(field_name="is_urgent")
    tier = TierFilter(min_value=1, max_value=32767)
    assignee = UserIdFilter(
        field_name="assignee_id", min_value=1, max_value=BIGINT_MAX, help_text="A user id."
    )
    unassigned = django_filters.BooleanFilter(field_name="assignee", lookup_expr="isnull")
    breached = django_filters.BooleanFilter(
        field_name="breached", help_text="A live clock is past its latest time."
    )
    due_before = DateTimeFilter(
        field_name="first_response_due_at",
        lookup_expr="lt",
        help_text="First response due before this instant.",
    )
    created_after = DateTimeFilter(field_name="received_at", lookup_expr="gte")
    created_before = DateTimeFilter(field_name="received_at", lookup_expr="lt")
    q = django_filters.CharFilter(
        method="search",
        max_length=SEARCH_MAX_CHARS,
        help_text="Words of the conversation, a reference, an order number, a customer's name "
        f"or address: the best matches first among the newest {RANK_WINDOW} that match, or, "
        "with `ordering`, every match in that order.",
    )
    ordering = StableOrderingFilter(
        fields=(
            ("received_at", "created"),
            ("updated_at", "updated"),
            ("next_due_at", "due"),
            ("tier", "tier"),
            ("status", "status"),
            ("reference", "reference"),
        )
    )

    class Meta:
        model = Ticket
        fields = []

    @extend_schema_field({"type": "string", "maxLength": SEARCH_MAX_CHARS})
    def search(self, queryset: QuerySet[Ticket], name: str, value: str):
        return tickets_search(queryset, value, ranked=not self.data.get("ordering"))
