from django.contrib import admin
from django.urls import include, path, re_path

from helpdesk.health import views as health
from helpdesk.public.home import front_door
from helpdesk.webhooks.views import MailgunInboundView, MailgunTrackingView

urlpatterns = [
    path("", front_door, name="front_door"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics, name="metrics"),
    # Admin pages of their own (reports), ahead of the admin site's catch-all.
    path("admin/reports/", include("helpdesk.admin.reports")),
    path("admin/preferences/", include("brands.preferences")),
    path("admin/erase-customer/", include("helpdesk.admin.erasure")),
    path("admin/alerts/", include("helpdesk.admin.alerts")),
    path("admin/policy/", include("helpdesk.admin.policy")),
    path("admin/two-factor/", include("helpdesk.admin.two_factor")),
    path("admin/people/", include("helpdesk.admin.people")),
    path("admin/", admin.site.urls),
    path("b/", include("helpdesk.public.urls")),
    path("api/", include("helpdesk.api.urls")),
    # Mailgun's webhooks, with replay protection. anymail's own routes (every ESP it knows,
    # none refusing replays) are not mounted: mail comes in only the way the README sets up.
    re_path(
        r"^anymail/mailgun/inbound(_mime)?/$",
        MailgunInboundView.as_view(),
        name="mailgun_inbound_webhook",
    ),
    path(
        "anymail/mailgun/tracking/",
        MailgunTrackingView.as_view(),
        name="mailgun_tracking_webhook",
    ),
]
