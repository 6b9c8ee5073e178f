"""What a locked-out sign-in gets (django-axes calls this): the staff API its usual JSON
error, a browser a page saying how long to wait. Both are 429 with Retry-After."""

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    message = f"Too many failed sign-ins: try again in {seconds // 60} minutes."
    if request.path.startswith("/api/"):
        response = JsonResponse({"message": message, "fields": {}}, status=429)
    else:
        context = {**admin.site.each_context(request), "title": "Signing in", "message": message}
        response = render(request, "admin/locked_out.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response
