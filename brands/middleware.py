"""Admin pages in the time zone its users work in."""

from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from brands.selectors import admin_time_zone


class AdminTimeZoneMiddleware:
    """Admin pages show times in the zone the user chose (their preferences), else in the zone
    of their brands when they share one (their business hours and promises are counted in
    it), otherwise in TIME_ZONE (UTC). Every page says which zone it uses; a ticket's page and
    a report use their brand's zone in any case."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = None
        # The path first: other requests never load the user for this.
        if request.path.startswith(reverse("admin:index")):
            user = request.user
            if user.is_authenticated and user.is_staff:
                zone = admin_time_zone(user)
        # TemplateResponses are rendered inside get_response, so within the override.
        with timezone.override(ZoneInfo(zone) if zone else None):
            return self.get_response(request)
