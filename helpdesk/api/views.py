"""The API's operations: each authenticates, validates its input with a serializer, calls one
service or selector, and shapes the result with an output serializer. Nothing is decided here.

Storefront classes act for the brand of the calling key; staff classes for the brands the
user works for. A ticket outside that scope is "not found", exactly like an unknown one.
"""

import re

from django.conf import settings
from django.contrib.auth import authenticate
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from brands.models import Brand
from brands.selectors import brands_for_user
from helpdesk.api import serializers as s
from helpdesk.api.authentication import BrandApiKeyAuthentication, StaffTokenAuthentication
from helpdesk.api.exceptions import PayloadTooLarge
from helpdesk.api.filters import StaffTicketFilter, StorefrontTicketFilter
from helpdesk.api.pagination import NextPagePagination
from helpdesk.api.permissions import HasBrandApiKey, IsActiveUser
from helpdesk.api.schema import RETRY_AFTER, errors
from helpdesk.api.throttling import ApiKeyThrottle, LoginThrottle, StaffThrottle
from helpdesk.errors import ApplicationError
from helpdesk.models import Ticket
from helpdesk.selectors import staff as staff_selectors
from helpdesk.selectors import storefront as storefront_selectors
from helpdesk.selectors.search import search_snippets
from helpdesk.selectors.timeline import ticket_timeline
from helpdesk.services.intake import idempotency
from helpdesk.services.intake.storefront import ticket_open_once, ticket_reply_from_customer
from helpdesk.services.people import second_factor_check
from helpdesk.services.tickets.customer_escalation import ticket_escalate_on_request
from helpdesk.services.tickets.feedback import feedback_record
from helpdesk.services.tickets.language import ticket_language_set
from helpdesk.services.tickets.lifecycle import (
    ticket_add_note,
    ticket_assign,
    ticket_escalate,
    ticket_reply,
    ticket_resolve,
)
from helpdesk.services.tickets.order_numbers import ticket_order_numbers_set

REFERENCE = re.compile(r"^[A-Za-z]{2,5}-\d{1,12}$")
# Parameters documented for the schema (request and response headers).
IDEMPOTENCY_KEY = OpenApiParameter(
    idempotency.HEADER,
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description="Any unique string per ticket (a UUID): a retried POST with the same key and "
    "body returns the ticket the first one created (header Idempotent-Replayed: true).",
)
CREATED_LOCATION = OpenApiParameter(
    "Location",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    response=[201],
    description="The new ticket's URL.",
)
REPLAYED = OpenApiParameter(
    "Idempotent-Replayed",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    response=[201],
    enum=["true"],
    description="Present when the answer replays an earlier request with this Idempotency-Key.",
)


def _reference(reference: str) -> str | None:
    """The canonical form of a reference, or None when it cannot be one (so odd bytes from a
    URL never reach a query)."""
    return reference.upper() if REFERENCE.match(reference) else None


def path_id(value: str) -> int:
    """A path's number; anything else (the paths take any text) is not found."""
    if not value.isascii() or not value.isdigit() or len(value) > 12:
        raise NotFound("Not found.")
    return int(value)


class ApiMixin:
    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        # Refused before the body is read: neither JSON nor multipart parsing caps it.
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.API_MAX_BODY_BYTES:
            raise PayloadTooLarge(
                f"The request body is larger than {settings.API_MAX_BODY_BYTES} bytes."
            )


class StorefrontMixin(ApiMixin):
    authentication_classes = [BrandApiKeyAuthentication]
    permission_classes = [HasBrandApiKey]
    throttle_classes = [ApiKeyThrottle]

    @property
    def brand(self) -> Brand:
        return self.request.auth.brand

    def ticket_or_404(self, reference: str) -> Ticket:
        reference = _reference(reference)
        ticket = (
            storefront_selectors.storefront_ticket_for_action(self.brand, reference)
            if reference
            else None
        )
        if ticket is None:
            raise NotFound("No ticket with this reference.")
        return ticket

    def detail(self, ticket: Ticket) -> dict:
        return s.TicketDetailOutput(
            storefront_selectors.storefront_ticket(self.brand, ticket.reference)
        ).data


STOREFRONT = {"tags": ["storefront"]}
STAFF = {"tags": ["staff"]}


class BrandApi(StorefrontMixin, APIView):
    @extend_schema(
        operation_id="brand_retrieve",
        responses={200: s.BrandOutput, **errors(401, 429)},
        parameters=[RETRY_AFTER],
        summary="The key's brand: support address, categories and current promises",
        **STOREFRONT,
    )
    def get(self, request: Request) -> Response:
        return Response(s.BrandOutput(storefront_selectors.brand_profile(self.brand)).data)


class TicketListCreateApi(StorefrontMixin, GenericAPIView):
    queryset = Ticket.objects.none()  # for schema introspection; rows come from the selector
    filter_backends = [DjangoFilterBackend]
    filterset_class = StorefrontTicketFilter
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        operation_id="tickets_list",
        responses={200: s.TicketListItemOutput(many=True), **errors(400, 401, 404, 429)},
        parameters=[RETRY_AFTER],
        summary="The brand's tickets, newest first",
        **STOREFRONT,
    )
    def get(self, request: Request) -> Response:
        tickets = self.filter_queryset(storefront_selectors.storefront_tickets(self.brand))
        page = self.paginate_queryset(tickets)
        return self.get_paginated_response(s.TicketListItemOutput(page, many=True).data)

    @extend_schema(
        operation_id="tickets_create",
        request={
            "application/json": s.TicketCreateInput,
            "multipart/form-data": s.TicketCreateMultipartInput,
        },
        responses={
            201: s.TicketCreatedOutput,
            **errors(400, 401, 413, 415, 422, 429),
        },
        parameters=[IDEMPOTENCY_KEY, RETRY_AFTER, CREATED_LOCATION, REPLAYED],
        summary="Open a ticket from a contact form (acknowledged by mail)",
        **STOREFRONT,
    )
    def post(self, request: Request) -> Response:
        serializer = s.TicketCreateMultipartInput(data=request.data, brand=self.brand)
        serializer.is_valid(raise_exception=True)
        ticket, created = ticket_open_once(
            request.auth,
            idempotency_key=request.headers.get(idempotency.HEADER),
            **serializer.validated_data,
        )
        headers = {"Location": f"{request.path}{ticket.reference}/"}
        if not created:  # a replayed request's ticket, read back: its due time now
            ticket = storefront_selectors.first_response_due(ticket)
            headers["Idempotent-Replayed"] = "true"
        return Response(
            s.TicketCreatedOutput(ticket).data, status=status.HTTP_201_CREATED, headers=headers
        )


class TicketDetailApi(StorefrontMixin, APIView):
    @extend_schema(
        operation_id="tickets_retrieve",
        responses={200: s.TicketDetailOutput, **errors(401, 404, 429)},
        parameters=[RETRY_AFTER],
        summary="A ticket: status, due times, the public thread (never internal notes) and "
        "whether the customer may ask for a senior review now",
        **STOREFRONT,
    )
    def get(self, request: Request, reference: str) -> Response:
        reference = _reference(reference)
        ticket = (
            storefront_selectors.storefront_ticket(self.brand, reference) if reference else None
        )
        if ticket is None:
            raise NotFound("No ticket with this reference.")
        return Response(s.TicketDetailOutput(ticket).data)


class TicketMessageCreateApi(StorefrontMixin, APIView):
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        operation_id="tickets_messages_create",
        request={
            "application/json": s.CustomerMessageInput,
            "multipart/form-data": s.CustomerMessageMultipartInput,
        },
        responses={201: s.TicketDetailOutput, **errors(400, 401, 404, 413, 415, 429)},
        parameters=[RETRY_AFTER],
        summary="The customer replies (resumes paused clocks; reopens a recently resolved ticket)",
        **STOREFRONT,
    )
    def post(self, request: Request, reference: str) -> Response:
        ticket = self.ticket_or_404(reference)
        serializer = s.CustomerMessageMultipartInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket_reply_from_customer(ticket, **serializer.validated_data)
        return Response(self.detail(ticket), status=status.HTTP_201_CREATED)


class TicketEscalateApi(StorefrontMixin, APIView):
    @extend_schema(
        operation_id="tickets_escalate",
        request=None,
        responses={200: s.TicketDetailOutput, **errors(400, 401, 404, 413, 429)},
        parameters=[RETRY_AFTER],
        summary="The customer asks for a senior review (once, when the brand's policy allows)",
        **STOREFRONT,
    )
    def post(self, request: Request, reference: str) -> Response:
        ticket = self.ticket_or_404(reference)
        ticket_escalate_on_request(ticket, actor=request.auth)
        return Response(self.detail(ticket))


class TicketFeedbackApi(StorefrontMixin, APIView):
    @extend_schema(
        operation_id="tickets_feedback_create",
        request=s.FeedbackInput,
        responses={201: s.FeedbackOutput, **errors(400, 401, 404, 413, 415, 429)},
        parameters=[RETRY_AFTER],
        summary="The customer rates a resolved ticket, 1 to 5 (once)",
        **STOREFRONT,
    )
    def post(self, request: Request, reference: str) -> Response:
        ticket = self.ticket_or_404(reference)
        serializer = s.FeedbackInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        feedback = feedback_record(ticket, **serializer.validated_data)
        return Response(s.FeedbackOutput(feedback).data, status=status.HTTP_201_CREATED)


# --------------------------------------------------------------------------- staff


class StaffMixin(ApiMixin):
    authentication_classes = [StaffTokenAuthentication, SessionAuthentication]
    permission_classes = [IsActiveUser]
    throttle_classes = [StaffThrottle]

    def ticket_or_404(self, reference: str) -> Ticket:
        reference = _reference(reference)
        ticket = (
            staff_selectors.staff_ticket_for_action(self.request.user, reference)
            if reference
            else None
        )
        if ticket is None:
            raise NotFound("No ticket with this reference.")
        return ticket

    def detail(self, ticket: Ticket) -> dict:
        return s.StaffTicketDetailOutput(
            staff_selectors.staff_ticket(self.request.user, ticket.reference)
        ).data


class StaffTokenApi(ApiMixin, APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]
    parser_classes = [JSONParser, FormParser]

    @extend_schema(
        operation_id="staff_token_create",
        request=s.TokenInput,
        responses={200: s.TokenOutput, **errors(400, 413, 415, 429)},
        parameters=[RETRY_AFTER],
        auth=[],
        summary="Exchange a staff user's username and password for their API token",
        **STAFF,
    )
    def post(self, request: Request) -> Response:
        serializer = s.TokenInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        credentials = dict(serializer.validated_data)
        code = credentials.pop("code", "")
        user = authenticate(request._request, **credentials)
        # Owners too: the policy operations are for their own tooling.
        if user is None or not user.is_active or not brands_for_user(user).exists():
            raise ApplicationError(
                "Unable to log in with these credentials.",
                {"username": "Wrong username or password, or of no brand."},
            )
        second_factor_check(user, code)
        token, _ = Token.objects.get_or_create(user=user)
        return Response(s.TokenOutput({"token": token.key}).data)


class StaffTicketListApi(StaffMixin, GenericAPIView):
    queryset = Ticket.objects.none()  # for schema introspection; rows come from the selector
    filter_backends = [DjangoFilterBackend]
    filterset_class = StaffTicketFilter
    pagination_class = NextPagePagination

    @extend_schema(
        operation_id="staff_tickets_list",
        responses={200: s.StaffTicketListItemOutput(many=True), **errors(400, 401, 404, 429)},
        parameters=[RETRY_AFTER],
        summary="Tickets of the brands the user works for",
        **STAFF,
    )
    def get(self, request: Request) -> Response:
        newest_first = staff_selectors.staff_tickets(request.user).order_by("-received_at", "-id")
        tickets = self.filter_queryset(newest_first)  # ?ordering= replaces the default
        page = self.paginate_queryset(tickets)
        snippets = search_snippets(page, request.query_params.get("q", ""))
        for ticket in page:
            ticket.search_snippet = snippets.get(ticket.pk)
        return self.get_paginated_response(s.StaffTicketListItemOutput(page, many=True).data)


class StaffTicketDetailApi(StaffMixin, APIView):
    @extend_schema(
        operation_id="staff_tickets_retrieve",
        responses={200: s.StaffTicketDetailOutput, **errors(401, 404, 429)},
        parameters=[RETRY_AFTER],
        summary="A ticket with its whole thread (notes included) and clocks",
        **STAFF,
    )
    def get(self, request: Request, reference: str) -> Response:
        reference = _reference(reference)
        ticket = staff_selectors.staff_ticket(request.user, reference) if reference else None
        if ticket is None:
            raise NotFound("No ticket with this reference.")
        return Response(s.StaffTicketDetailOutput(ticket).data)


def _staff_action(summary: str, request, status_code: int = 200, error_codes=(400,)):
    return extend_schema(
        request=request,
        responses={
            status_code: s.StaffTicketDetailOutput,
            **errors(*error_codes, 401, 404, 413, 415, 429),
        },
        parameters=[RETRY_AFTER],
        summary=summary,
        **STAFF,
    )


class StaffTicketTimelineApi(StaffMixin, APIView):
    @extend_schema(
        operation_id="staff_tickets_timeline",
        responses={200: s.TimelineEntryOutput(many=True), **errors(401, 404, 429)},
        parameters=[RETRY_AFTER],
        summary="Who changed what and when on the ticket, with its warnings and breaches",
        **STAFF,
    )
    def get(self, request: Request, reference: str) -> Response:
        ticket = self.ticket_or_404(reference)
        return Response(s.TimelineEntryOutput(ticket_timeline(ticket), many=True).data)


class StaffTicketReplyApi(StaffMixin, APIView):
    @_staff_action("Reply to the customer by mail, then set the status", s.StaffReplyInput, 201)
    def post(self, request: Request, reference: str) -> Response:
        ticket = self.ticket_or_404(reference)
        serializer = s.StaffReplyInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket_reply(ticket, author=request.user, **serializer.validated_data)
        return Response(self.detail(ticket), status=status.HTTP_201_CREATED)


class StaffTicketNoteApi(StaffMixin, APIView):
    @_staff_action("Add an internal note (never shown to the customer)", s.StaffNoteInput, 201)
    def post(self, request: Request, reference: str) -> Response:
        ticket = self.ticket_or_404(reference)
        serializer = s.StaffNoteInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket_add_note(ticket, author=request.user, **serializer.validated_data)
        return Response(self.detail(ticket), status=status.HTTP_201_CREATED)


class StaffTicketAssignApi(StaffMixin, APIView):
    @_staff_action("Assign to an agent of the ticket's brand, or unassign", s.StaffAssignInput)
    def post(self, request: Request, reference: str) -> Response:
        ticket = self.ticket_or_404(reference)
        serializer = s.StaffAssignInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignee_id = serializer.validated_data["assignee"]
        assignee = staff_selectors.active_user(assignee_id) if assignee_id else None
        if assignee_id and assignee is None:
            # The service's own refusal: whether the id exists elsewhere is nobody's business.
            raise ApplicationError(
                "The assignee does not work for this brand.",
                {"assignee": "Choose an agent of the ticket's brand."},
            )
        ticket_assign(ticket, assignee, actor=request.user)
        return Response(self.detail(ticket))


class StaffTicketEscalateApi(StaffMixin, APIView):
    @_staff_action("Escalate to the next tier", s.StaffEscalateInput)
    def post(self, request: Request, reference: str) -> Response:
        ticket = self.ticket_or_404(reference)
        serializer = s.StaffEscalateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket_escalate(
            ticket,
            actor=request.user,
            by_customer=serializer.validated_data["on_customer_request"],
        )
        return Response(self.detail(ticket))


class StaffTicketLanguageApi(StaffMixin, APIView):
    @_staff_action(
        "Set the ticket's language (recomputes the clocks' extension)", s.StaffLanguageInput
    )
    def post(self, request: Request, reference: str) -> Response:
        ticket = self.ticket_or_404(reference)
        serializer = s.StaffLanguageInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket_language_set(ticket, serializer.validated_data["language"], actor=request.user)
        return Response(self.detail(ticket))


class StaffTicketOrderNumbersApi(StaffMixin, APIView):
    @_staff_action("Set the ticket's order numbers (replacing them)", s.StaffOrderNumbersInput)
    def post(self, request: Request, reference: str) -> Response:
        ticket = self.ticket_or_404(reference)
        serializer = s.StaffOrderNumbersInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        numbers = serializer.validated_data["order_numbers"]
        ticket_order_numbers_set(ticket, numbers, actor=request.user)
        return Response(self.detail(ticket))


class StaffTicketResolveApi(StaffMixin, APIView):
    @_staff_action(
        "Resolve the ticket (stops its clocks; one never answered needs a reason)",
        s.StaffResolveInput,
    )
    def post(self, request: Request, reference: str) -> Response:
        ticket = self.ticket_or_404(reference)
        serializer = s.StaffResolveInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket_resolve(ticket, actor=request.user, **serializer.validated_data)
        return Response(self.detail(ticket))
