"""The staff user's inbox of alerts: the list, and opening one (which marks it read and goes
to its ticket). The header's unread count is the template tag in `helpdesk_alerts`."""

from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from helpdesk.selectors.alerts import alerts_for_user
from helpdesk.services.notices.staff import alert_open, alerts_mark_all_read


def inbox_view(request: HttpRequest) -> HttpResponse:
    context = {
        **admin.site.each_context(request),
        "title": "Your alerts",
        "alerts": alerts_for_user(request.user),
    }
    return TemplateResponse(request, "admin/helpdesk/alerts.html", context)


def open_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the alert read and open its ticket (the ticket page checks the user's brands)."""
    alert = alert_open(request.user, pk)
    if alert is None:
        raise Http404("No such alert.")
    return HttpResponseRedirect(reverse("admin:helpdesk_ticket_change", args=[alert.ticket_id]))


@require_POST
def mark_all_read_view(request: HttpRequest) -> HttpResponse:
    alerts_mark_all_read(request.user)
    return HttpResponseRedirect(reverse("staff_alerts"))


urlpatterns = [
    path("", admin.site.admin_view(inbox_view), name="staff_alerts"),
    path("<int:pk>/", admin.site.admin_view(open_view), name="staff_alert_open"),
    path("read/", admin.site.admin_view(mark_all_read_view), name="staff_alerts_read"),
]
