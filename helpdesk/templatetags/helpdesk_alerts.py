"""The admin header's unread alert count: one indexed query per request, however often the
page asks (kept on the request)."""

from django import template

from helpdesk.selectors.alerts import unread_alert_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_alerts(context: template.Context) -> int:
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return 0
    if not hasattr(request, "_unread_alerts"):
        request._unread_alerts = unread_alert_count(request.user)
    return request._unread_alerts
