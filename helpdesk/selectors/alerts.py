"""A staff user's in-app alerts: their inbox and its unread count (an indexed count). Only
alerts about tickets of brands the user still works for: someone who left a brand no longer
reads its tickets' subjects here."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from brands.selectors import staffed_brands
from helpdesk.models import Alert

INBOX_SIZE = 100


def _alerts(user: AbstractBaseUser) -> QuerySet[Alert]:
    return Alert.objects.filter(user=user, ticket__brand__in=staffed_brands(user))


def alerts_for_user(user: AbstractBaseUser) -> QuerySet[Alert]:
    """The user's newest alerts, with each one's ticket."""
    return _alerts(user).select_related("ticket")[:INBOX_SIZE]


def unread_alert_count(user: AbstractBaseUser) -> int:
    return _alerts(user).filter(read_at__isnull=True).count()
