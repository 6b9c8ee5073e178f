"""Probes and metrics for operators: `/healthz` (the process answers), `/readyz` (everything
it needs answers), `/metrics` (Prometheus text). Cheap, and the probes unauthenticated."""

import ipaddress
import secrets

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from helpdesk.api.client_address import client_address
from helpdesk.health.requests import REQUESTS
from helpdesk.selectors import operations


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Alive: answers without touching the database, so a database outage never gets a
    healthy process restarted."""
    return HttpResponse("ok\n", content_type="text/plain")


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready for traffic, or 503 naming what is not: database, migrations, broker, sweep."""
    checks = operations.readiness(timezone.now())
    failed = {check.name: check.detail for check in checks if not check.ok}
    body = {"ready": not failed, "checks": {check.name: check.ok for check in checks}}
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)


def _metrics_allowed(request: HttpRequest) -> bool:
    """From this machine, an allowed address, or with the token."""
    token = settings.METRICS_TOKEN
    given = request.META.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ").strip()
    if token and given and secrets.compare_digest(given.encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return False
    return address.is_loopback or any(
        address in ipaddress.ip_network(allowed, strict=False)
        for allowed in settings.METRICS_ALLOWED_ADDRESSES
    )


class HelpdeskCollector:
    """Figures read from the database at scrape time, so every process reports the same."""

    def collect(self):
        now = timezone.now()
        due = GaugeMetricFamily(
            "helpdesk_sla_clocks_due",
            "Running clocks past their target, not breached",
            labels=["brand", "kind"],
        )
        overdue = GaugeMetricFamily(
            "helpdesk_sla_clocks_overdue", "Live clocks breached", labels=["brand", "kind"]
        )
        for figure in operations.clock_figures(now):
            due.add_metric([figure.brand, figure.kind], figure.due)
            overdue.add_metric([figure.brand, figure.kind], figure.overdue)
        yield due
        yield overdue
        outbox = GaugeMetricFamily("helpdesk_outbox_emails", "Outbox rows", labels=["status"])
        for status, count in operations.outbox_figures().items():
            outbox.add_metric([status], count)
        yield outbox
        inbound = GaugeMetricFamily(
            "helpdesk_inbound_emails", "Stored inbound mail", labels=["status"]
        )
        for status, count in operations.inbound_figures().items():
            inbound.add_metric([status], count)
        yield inbound
        lag, duration = operations.sweep_figures(now)
        if lag is not None:
            yield GaugeMetricFamily(
                "helpdesk_sla_sweep_lag_seconds", "Seconds since the last sweep", value=lag
            )
            yield GaugeMetricFamily(
                "helpdesk_sla_sweep_duration_seconds", "How long the last sweep took", duration
            )


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not _metrics_allowed(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    registry = CollectorRegistry()
    registry.register(HelpdeskCollector())
    registry.register(REQUESTS)
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
