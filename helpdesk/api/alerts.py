"""The staff API's alerts: the requesting user's in-app inbox (the one admin shows), its unread
count, and marking alerts read. Only their own alerts, about tickets of brands they still work
for; anyone else's alert is "not found", like an unknown one."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.api.pagination import NextPagePagination
from helpdesk.api.schema import RETRY_AFTER, errors
from helpdesk.api.serializers import ErrorOutput
from helpdesk.api.views import STAFF, StaffMixin, path_id
from helpdesk.models import Alert
from helpdesk.selectors.alerts import alerts_list, unread_alert_count, user_alert
from helpdesk.services.notices.staff import alert_mark_read, alerts_mark_all_read


class AlertListInput(serializers.Serializer):
    unread = serializers.BooleanField(required=False, help_text="Only the unread alerts.")
    ordering = serializers.ChoiceField(
        choices=["newest", "unread_first"],
        default="newest",
        help_text="Newest first, or the unread ones first (each part newest first).",
    )


class AlertOutput(serializers.ModelSerializer):
    ticket = serializers.CharField(source="ticket.reference", help_text="Its reference.")
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = ["id", "kind", "text", "ticket", "created_at", "read_at", "is_read"]

    def get_is_read(self, alert: Alert) -> bool:
        return alert.read_at is not None


class UnreadCountOutput(serializers.Serializer):
    unread = serializers.IntegerField()


class MarkedReadOutput(serializers.Serializer):
    marked_read = serializers.IntegerField(help_text="How many were unread.")


class StaffAlertListApi(StaffMixin, GenericAPIView):
    queryset = Alert.objects.none()  # for schema introspection; rows come from the selector
    # An inbox only grows: counting every alert ever (joined for the brands) would cost
    # more than the page.
    pagination_class = NextPagePagination

    @extend_schema(
        operation_id="staff_alerts_list",
        parameters=[AlertListInput, RETRY_AFTER],
        responses={200: AlertOutput(many=True), **errors(400, 401, 404, 429)},
        summary="Your alerts: tickets given to you, replies, warnings, breaches, mentions",
        **STAFF,
    )
    def get(self, request: Request) -> Response:
        query = AlertListInput(data=request.query_params)
        query.is_valid(raise_exception=True)
        alerts = alerts_list(
            request.user,
            unread_only=query.validated_data.get("unread", False),
            unread_first=query.validated_data["ordering"] == "unread_first",
        )
        page = self.paginate_queryset(alerts)
        return self.get_paginated_response(AlertOutput(page, many=True).data)


class StaffAlertUnreadCountApi(StaffMixin, APIView):
    @extend_schema(
        operation_id="staff_alerts_unread_count",
        responses={200: UnreadCountOutput, **errors(401, 429)},
        parameters=[RETRY_AFTER],
        summary="How many of your alerts are unread (admin's header shows the same)",
        **STAFF,
    )
    def get(self, request: Request) -> Response:
        return Response(UnreadCountOutput({"unread": unread_alert_count(request.user)}).data)


class StaffAlertReadApi(StaffMixin, APIView):
    @extend_schema(
        operation_id="staff_alerts_read",
        request=None,
        responses={
            200: AlertOutput,
            **errors(400, 401, 413, 429),
            404: OpenApiResponse(ErrorOutput, description="Not one of your alerts, or none."),
        },
        parameters=[RETRY_AFTER],
        summary="Mark one of your alerts read",
        **STAFF,
    )
    def post(self, request: Request, alert_id: str) -> Response:
        alert = user_alert(request.user, path_id(alert_id))
        if alert is None:
            raise NotFound("No such alert.")
        return Response(AlertOutput(alert_mark_read(alert)).data)


class StaffAlertsReadAllApi(StaffMixin, APIView):
    @extend_schema(
        operation_id="staff_alerts_read_all",
        request=None,
        responses={200: MarkedReadOutput, **errors(400, 401, 413, 429)},
        parameters=[RETRY_AFTER],
        summary="Mark all your alerts read",
        **STAFF,
    )
    def post(self, request: Request) -> Response:
        return Response(MarkedReadOutput({"marked_read": alerts_mark_all_read(request.user)}).data)
