"""A staff user's in-app alerts: their inbox and its unread count (an indexed count)."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from helpdesk.models import Alert

INBOX_SIZE = 100


def alerts_for_user(user: AbstractBaseUser) -> QuerySet[Alert]:
    """The user's newest alerts, with each one's ticket."""
    return Alert.objects.filter(user=user).select_related("ticket")[:INBOX_SIZE]


def unread_alert_count(user: AbstractBaseUser) -> int:
    return Alert.objects.filter(user=user, read_at__isnull=True).count()
