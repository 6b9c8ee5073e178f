import json
from datetime import date
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from brands.models import Brand
from helpdesk.selectors.reports import ReportPeriod, brand_report

USAGE_ERROR = 2


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"{option} {text!r} is not a date (YYYY-MM-DD).", returncode=USAGE_ERROR
        ) from None


class Command(BaseCommand):
    help = (
        "Print the brand's report for a period as one JSON object: tickets opened and resolved, "
        "first-response times in business hours (median, 90th percentile), the share answered "
        "within target and latest, breaches by clock and tier, first-contact resolution and "
        "satisfaction. Dates are the brand's local dates, both included."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--brand", required=True, help="Brand slug.")
        parser.add_argument("--since", required=True, help="First day, YYYY-MM-DD.")
        parser.add_argument(
            "--until", help="Last day, YYYY-MM-DD (default: today in the brand's time zone)."
        )

    def handle(self, *args, brand: str, since: str, until: str | None, **options) -> None:
        start = _date(since, "--since")
        end = _date(until, "--until") if until else None
        found = Brand.objects.select_related("policy").filter(slug=brand).first()
        if found is None:
            known = ", ".join(Brand.objects.values_list("slug", flat=True)) or "none loaded"
            raise CommandError(f"Unknown brand {brand!r} (known: {known}).", returncode=USAGE_ERROR)
        if end is None:
            end = timezone.localdate(timezone=ZoneInfo(found.time_zone))
        try:
            period = ReportPeriod(start, end)
        except ValueError as error:
            raise CommandError(str(error), returncode=USAGE_ERROR) from None
        self.stdout.write(json.dumps(brand_report(found, period), indent=2))
