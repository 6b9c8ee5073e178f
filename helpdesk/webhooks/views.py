"""Mailgun's webhooks with what anymail leaves to the application: refusing replays.

anymail checks the basic-auth secret and Mailgun's signature (HMAC of timestamp + token), but
a captured request stays valid forever. These views add, after those checks: the timestamp
must be recent, and each token is accepted once (recorded in the database, so every web
process sees it). The token is recorded in the same transaction as whatever the request
stores, so a request that fails and that Mailgun retries has not used its token up.
"""

import json
from datetime import UTC, datetime, timedelta

from anymail.exceptions import AnymailWebhookValidationFailure
from anymail.signals import AnymailInboundEvent
from anymail.webhooks.mailgun import MailgunInboundWebhookView, MailgunTrackingWebhookView
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from helpdesk.models import WebhookToken

# Read the raw message form field byte for byte: Latin-1 maps every byte to one character
# and back, where the default UTF-8 would replace the bytes of mail in other charsets.
RAW_FORM_ENCODING = "iso-8859-1"
# How far ahead of ours the ESP's clock may be. Only the past needs hours (retries); a
# timestamp further ahead is no clock's honest error.
CLOCK_SKEW = timedelta(minutes=5)


def webhook_token_accept(esp: str, token: str, timestamp: str) -> None:
    """Accept a signed request's token once, and only while its timestamp is recent."""
    max_age = timedelta(seconds=settings.INBOUND_WEBHOOK_MAX_AGE_SECONDS)
    try:
        signed_at = datetime.fromtimestamp(int(float(timestamp)), tz=UTC)
    except (TypeError, ValueError, OverflowError) as error:
        raise AnymailWebhookValidationFailure("Webhook timestamp unreadable") from error
    now = timezone.now()
    if signed_at < now - max_age:
        raise AnymailWebhookValidationFailure("Webhook timestamp too old")
    if signed_at > now + CLOCK_SKEW:
        raise AnymailWebhookValidationFailure("Webhook timestamp in the future")
    # Tokens past the window can go: their timestamps are refused anyway.
    WebhookToken.objects.filter(signed_at__lt=now - max_age).delete()
    try:
        with transaction.atomic():
            WebhookToken.objects.create(esp=esp, token=token[:200], signed_at=signed_at)
    except IntegrityError as error:
        raise AnymailWebhookValidationFailure("Webhook token already used (a replay)") from error


def _signature_fields(request: HttpRequest) -> tuple[str, str]:
    if request.content_type == "application/json":
        block = json.loads(request.body.decode("utf-8"))["signature"]
        return str(block["token"]), str(block["timestamp"])
    return request.POST["token"], request.POST["timestamp"]


class ReplayProtectionMixin:
    def run_validators(self, request: HttpRequest) -> None:
        # Basic auth and signature first: nothing from an unauthenticated request is recorded.
        super().run_validators(request)
        webhook_token_accept(self.esp_name, *_signature_fields(request))

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        with transaction.atomic():
            return super().post(request, *args, **kwargs)


class MailgunInboundView(ReplayProtectionMixin, MailgunInboundWebhookView):
    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        request.encoding = RAW_FORM_ENCODING
        return super().post(request, *args, **kwargs)


class MailgunTrackingView(ReplayProtectionMixin, MailgunTrackingWebhookView):
    pass


def inbound_raw_bytes(event: AnymailInboundEvent) -> bytes:
    """The message exactly as the ESP posted it when it sent the raw MIME (Mailgun's
    body-mime), else as anymail rebuilt it from the ESP's parsed fields."""
    request = event.esp_event
    if isinstance(request, HttpRequest) and "body-mime" in request.POST:
        encoding = request.encoding or settings.DEFAULT_CHARSET
        return request.POST["body-mime"].encode(encoding, errors="surrogateescape")
    return event.message.as_bytes()
