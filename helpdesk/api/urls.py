from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from helpdesk.api import alerts, policy, views

v1 = [
    path("brand/", views.BrandApi.as_view(), name="brand"),
    path("tickets/", views.TicketListCreateApi.as_view(), name="tickets"),
    path("tickets/<str:reference>/", views.TicketDetailApi.as_view(), name="ticket"),
    path(
        "tickets/<str:reference>/messages/",
        views.TicketMessageCreateApi.as_view(),
        name="ticket-messages",
    ),
    path(
        "tickets/<str:reference>/escalate/",
        views.TicketEscalateApi.as_view(),
        name="ticket-escalate",
    ),
    path(
        "tickets/<str:reference>/feedback/",
        views.TicketFeedbackApi.as_view(),
        name="ticket-feedback",
    ),
    path("staff/token/", views.StaffTokenApi.as_view(), name="staff-token"),
    path("staff/tickets/", views.StaffTicketListApi.as_view(), name="staff-tickets"),
    path(
        "staff/tickets/<str:reference>/",
        views.StaffTicketDetailApi.as_view(),
        name="staff-ticket",
    ),
    path(
        "staff/tickets/<str:reference>/timeline/",
        views.StaffTicketTimelineApi.as_view(),
        name="staff-ticket-timeline",
    ),
    path(
        "staff/tickets/<str:reference>/reply/",
        views.StaffTicketReplyApi.as_view(),
        name="staff-ticket-reply",
    ),
    path(
        "staff/tickets/<str:reference>/notes/",
        views.StaffTicketNoteApi.as_view(),
        name="staff-ticket-notes",
    ),
    path(
        "staff/tickets/<str:reference>/assign/",
        views.StaffTicketAssignApi.as_view(),
        name="staff-ticket-assign",
    ),
    path(
        "staff/tickets/<str:reference>/escalate/",
        views.StaffTicketEscalateApi.as_view(),
        name="staff-ticket-escalate",
    ),
    path(
        "staff/tickets/<str:reference>/language/",
        views.StaffTicketLanguageApi.as_view(),
        name="staff-ticket-language",
    ),
    path(
        "staff/tickets/<str:reference>/order-numbers/",
        views.StaffTicketOrderNumbersApi.as_view(),
        name="staff-ticket-order-numbers",
    ),
    path(
        "staff/tickets/<str:reference>/resolve/",
        views.StaffTicketResolveApi.as_view(),
        name="staff-ticket-resolve",
    ),
    path("staff/alerts/", alerts.StaffAlertListApi.as_view(), name="staff-alerts"),
    path(
        "staff/alerts/unread-count/",
        alerts.StaffAlertUnreadCountApi.as_view(),
        name="staff-alerts-unread-count",
    ),
    path("staff/alerts/read/", alerts.StaffAlertsReadAllApi.as_view(), name="staff-alerts-read"),
    path(
        "staff/alerts/<str:alert_id>/read/",
        alerts.StaffAlertReadApi.as_view(),
        name="staff-alert-read",
    ),
    path(
        "staff/brands/<str:slug>/policy/drafts/",
        policy.PolicyDraftListApi.as_view(),
        name="staff-policy-drafts",
    ),
    path(
        "staff/brands/<str:slug>/policy/versions/",
        policy.PolicyVersionListApi.as_view(),
        name="staff-policy-versions",
    ),
    path(
        "staff/brands/<str:slug>/policy/versions/<str:number>/revert/",
        policy.PolicyVersionRevertApi.as_view(),
        name="staff-policy-version-revert",
    ),
    path(
        "staff/policy/drafts/<str:draft_id>/",
        policy.PolicyDraftApi.as_view(),
        name="staff-policy-draft",
    ),
    path(
        "staff/policy/drafts/<str:draft_id>/publish/",
        policy.PolicyDraftPublishApi.as_view(),
        name="staff-policy-draft-publish",
    ),
    path(
        "staff/policy/drafts/<str:draft_id>/what-if/",
        policy.PolicyWhatIfStartApi.as_view(),
        name="staff-policy-whatif-start",
    ),
    path(
        "staff/policy/what-if/<str:run_id>/",
        policy.PolicyWhatIfApi.as_view(),
        name="staff-policy-whatif",
    ),
]

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularRedocView.as_view(url_name="api:schema"), name="docs"),
    path("v1/", include(v1)),
]
