"""Requests counted by status, per process (Prometheus scrapes each web process, or sums them
with its multiprocess mode)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from prometheus_client import CollectorRegistry, Counter

# Its own registry: the metrics view adds it to the scrape, and nothing else shows it.
REQUESTS_REGISTRY = CollectorRegistry()
_requests = Counter(
    "helpdesk_http_responses",
    "Responses by status code",
    ["status"],
    registry=REQUESTS_REGISTRY,
)


class RequestsCollector:
    def collect(self):
        yield from REQUESTS_REGISTRY.collect()


REQUESTS = RequestsCollector()


class ResponseCountMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        _requests.labels(status=str(response.status_code)).inc()
        return response
