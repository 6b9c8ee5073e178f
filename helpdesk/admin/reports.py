"""Reports in admin: per brand and period, as charts and as CSV.

Open to everyone with a role in a brand (agents, senior agents, owners), for their brands only.
Mounted at /admin/reports/ by config/urls.py, wrapped by the admin site's login check.
"""

import csv
from datetime import timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from brands.models import Brand
from brands.selectors import brands_for_user
from helpdesk.admin import charts
from helpdesk.selectors.reports import (
    MAX_PERIOD_DAYS,
    ReportPeriod,
    brand_report,
    report_csv_rows,
)

DEFAULT_DAYS = 30


class ReportForm(forms.Form):
    brand = forms.ModelChoiceField(queryset=None, to_field_name="slug", empty_label=None)
    since = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, brands, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["brand"].queryset = brands

    def clean(self) -> dict:
        data = super().clean()
        if data.get("since") and data.get("until"):
            try:
                data["period"] = ReportPeriod(data["since"], data["until"])
            except ValueError as error:
                raise forms.ValidationError(str(error)) from error
        return data


def _report_form(request: HttpRequest) -> ReportForm:
    """The form, bound to the query with the first brand and the last 30 days as defaults."""
    brands = brands_for_user(request.user)
    if not brands.exists():
        raise PermissionDenied
    today = timezone.localdate()
    defaults = {
        "brand": brands.first().slug,
        "since": (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat(),
        "until": today.isoformat(),
    }
    return ReportForm(defaults | request.GET.dict(), brands=brands)


def report_view(request: HttpRequest) -> HttpResponse:
    form = _report_form(request)
    report = None
    if form.is_valid():
        report = brand_report(form.cleaned_data["brand"], form.cleaned_data["period"])
    context = {
        **admin.site.each_context(request),
        "title": "Reports",
        "form": form,
        "report": report,
        "charts": report_charts(form.cleaned_data["brand"], report) if report else [],
        "csv_query": urlencode(
            {key: form.data.get(key, "") for key in ("brand", "since", "until")}
        ),
        "max_days": MAX_PERIOD_DAYS,
    }
    response = TemplateResponse(request, "admin/helpdesk/report.html", context)
    if report is None:
        return response
    # A report is counted in its brand's zone: its page is shown in it, as a ticket's is.
    with timezone.override(ZoneInfo(form.cleaned_data["brand"].time_zone)):
        return response.render()


def report_csv_view(request: HttpRequest) -> HttpResponse:
    form = _report_form(request)
    if not form.is_valid():
        return HttpResponse(
            "Bad report parameters:\n" + form.errors.as_text(),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    brand, period = form.cleaned_data["brand"], form.cleaned_data["period"]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{brand.slug}-report-{period.since}-{period.until}.csv"'
    )
    csv.writer(response).writerows(report_csv_rows(brand_report(brand, period)))
    return response


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f}%"


def _hours(value: float | None) -> str:
    return "—" if value is None else f"{value:g} h"


def report_charts(brand: Brand, report: dict) -> list:
    """The report's charts, drawn from the same figures as the CSV and the command."""
    first = report["first_response"]
    following = report["next_reply"]
    target = float(brand.policy.first_response_target_hours)
    latest = float(brand.policy.first_response_latest_hours)
    fcr = report["first_contact_resolution"]
    satisfaction = report["satisfaction"]
    breaches = report["breaches"]
    average = satisfaction["average"]
    return [
        charts.daily_chart(
            f"Tickets opened ({report['tickets']['opened']}) and resolved "
            f"({report['tickets']['resolved']}) per day",
            report["daily"],
        ),
        charts.bar_chart(
            f"First response in business hours ({first['answered']} answered)",
            [
                charts.Bar(
                    "Median",
                    first["median_business_hours"],
                    _hours(first["median_business_hours"]),
                ),
                charts.Bar(
                    "90th percentile",
                    first["p90_business_hours"],
                    _hours(first["p90_business_hours"]),
                    charts.COLOURS[1],
                ),
            ],
            markers=[
                charts.Marker(f"target {target:g} h", target),
                charts.Marker(f"latest {latest:g} h", latest),
            ],
        ),
        charts.bar_chart(
            f"Replies in time ({first['measured']} first replies, {following['answered']} "
            "next replies measured)",
            [
                charts.Bar(
                    "First reply within target",
                    first["within_target_share"],
                    _percent(first["within_target_share"]),
                ),
                charts.Bar(
                    "First reply within latest",
                    first["within_latest_share"],
                    _percent(first["within_latest_share"]),
                    charts.COLOURS[1],
                ),
                charts.Bar(
                    "Next reply within target",
                    following["within_target_share"],
                    _percent(following["within_target_share"]),
                ),
                charts.Bar(
                    "Next reply within latest",
                    following["within_latest_share"],
                    _percent(following["within_latest_share"]),
                    charts.COLOURS[1],
                ),
            ],
            max_value=1,
        ),
        charts.bar_chart(
            f"Breaches by clock and tier ({breaches['total']})",
            [
                charts.Bar(
                    f"{row['label']}, tier {row['tier']}",
                    row["count"],
                    str(row["count"]),
                    charts.COLOURS[2],
                )
                for row in breaches["by_clock_and_tier"]
            ]
            or [charts.Bar("No breaches", 0, "0", charts.COLOURS[2])],
        ),
        charts.bar_chart(
            f"First-contact resolution ({fcr['with_one_agent_reply']} of {fcr['resolved']} "
            "resolved with one agent reply)",
            [charts.Bar("Rate", fcr["rate"], _percent(fcr["rate"]), charts.COLOURS[4])],
            max_value=1,
        ),
        charts.bar_chart(
            f"Satisfaction: {satisfaction['responses']} rating(s), average "
            f"{'—' if average is None else average}",
            [
                charts.Bar(f"{rating} ★", count, str(count), charts.COLOURS[3])
                for rating, count in reversed(satisfaction["distribution"].items())
            ],
        ),
    ]


def _wrap(view):
    return admin.site.admin_view(view)


urlpatterns = [
    path("", _wrap(report_view), name="helpdesk_report"),
    path("report.csv", _wrap(report_csv_view), name="helpdesk_report_csv"),
]
