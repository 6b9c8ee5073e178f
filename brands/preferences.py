"""A staff user's own preferences in admin: the time zone its pages show times in, how alerts
reach them, and whether they are available for automatically assigned tickets."""

import zoneinfo

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from brands.models import StaffPreference
from brands.selectors import shared_time_zone
from brands.services import staff_alerts_set, staff_time_zone_set


class PreferencesForm(forms.Form):
    time_zone = forms.ChoiceField(required=False, label="Show times in")
    alert_delivery = forms.ChoiceField(
        choices=StaffPreference.AlertDelivery.choices, label="Get alerts", required=False
    )
    is_available = forms.BooleanField(
        required=False,
        label="Available: automatic assignment may give me tickets",
    )

    def __init__(self, *args, brands_zone: str | None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        default = f"Your brands' zone ({brands_zone})" if brands_zone else "UTC"
        self.fields["time_zone"].choices = [("", default)] + [
            (zone, zone) for zone in sorted(zoneinfo.available_timezones())
        ]


def preferences_view(request: HttpRequest) -> HttpResponse:
    brands_zone = shared_time_zone(request.user)
    current = StaffPreference.objects.filter(user=request.user).first()
    form = PreferencesForm(
        request.POST if request.method == "POST" else None,
        initial={
            "time_zone": current.time_zone if current else "",
            "alert_delivery": current.alert_delivery
            if current
            else StaffPreference.AlertDelivery.BOTH,
            "is_available": current.is_available if current else True,
        },
        brands_zone=brands_zone,
    )
    if request.method == "POST" and form.is_valid():
        try:
            staff_time_zone_set(request.user, form.cleaned_data["time_zone"])
            staff_alerts_set(
                request.user,
                alert_delivery=form.cleaned_data["alert_delivery"]
                or StaffPreference.AlertDelivery.BOTH,
                is_available=form.cleaned_data["is_available"],
            )
        except ValidationError as error:
            form.add_error("time_zone", error.messages)
        else:
            messages.success(request, "Your preferences are saved.")
            return HttpResponseRedirect(reverse("staff_preferences"))
    context = {**admin.site.each_context(request), "title": "Your preferences", "form": form}
    status = 400 if form.errors else 200
    return TemplateResponse(request, "admin/preferences.html", context, status=status)


urlpatterns = [
    path("", admin.site.admin_view(preferences_view), name="staff_preferences"),
]
