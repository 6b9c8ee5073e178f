"""A staff user's in-app alerts: their inbox and its unread count (an indexed count). Only
alerts about tickets of brands the user still works for: someone who left a brand no longer
reads its tickets' subjects here."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from brands.selectors import staffed_brands
from helpdesk.models import Alert

INBOX_SIZE = 100


def user_alerts(user: AbstractBaseUser) -> QuerySet[Alert]:
    """Every alert the user may read: theirs, about tickets of brands they still work for.
    What lists them and what marks them read both start here."""
    return Alert.objects.filter(user=user, ticket__brand__in=staffed_brands(user))


def alerts_for_user(user: AbstractBaseUser) -> QuerySet[Alert]:
    """The user's newest alerts, with each one's ticket."""
    return user_alerts(user).select_related("ticket")[:INBOX_SIZE]


def unread_alert_count(user: AbstractBaseUser) -> int:
    return user_alerts(user).filter(read_at__isnull=True).count()


def alerts_list(
    user: AbstractBaseUser, *, unread_only: bool = False, unread_first: bool = False
) -> QuerySet[Alert]:
    """All the user's alerts with their tickets, newest first (or the unread ones first, each
    part newest first), for a paged list such as the staff API's."""
    alerts = user_alerts(user).select_related("ticket")
    if unread_only:
        alerts = alerts.filter(read_at__isnull=True)
    newest = ["-created_at", "-id"]
    if unread_first:
        unread = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
        return alerts.order_by(unread.desc(), *newest)
    return alerts.order_by(*newest)


def user_alert(user: AbstractBaseUser, alert_id: int) -> Alert | None:
    """One of the user's alerts (None: another user's, of a brand they left, or none)."""
    return user_alerts(user).select_related("ticket").filter(pk=alert_id).first()
