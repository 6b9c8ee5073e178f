import json
from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError, CommandParser

from brands.models import Brand
from brands.services import policy_version_current
from helpdesk.services.sla.clocks import first_response_terms

USAGE_ERROR = 2


class Command(BaseCommand):
    help = (
        "Print, one JSON object per line, the first-response clock a ticket received at each "
        "--at instant would get under the brand's current policy."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--brand", required=True, help="Brand slug.")
        parser.add_argument(
            "--at",
            action="append",
            required=True,
            help="ISO 8601 receipt instant; without an offset it is read in the brand's zone.",
        )
        parser.add_argument("--urgent", action="store_true", help="Apply the urgent rule.")
        parser.add_argument("--language", default="", help="Language code of the message.")

    def handle(self, *args, brand: str, at: list[str], urgent: bool, language: str, **options):
        parsed = []
        for text in at:
            try:
                parsed.append(datetime.fromisoformat(text))
            except ValueError:
                raise CommandError(
                    f"--at {text!r} is not an ISO 8601 date and time.", returncode=USAGE_ERROR
                ) from None
        found = Brand.objects.select_related("policy").filter(slug=brand).first()
        if found is None:
            known = ", ".join(Brand.objects.values_list("slug", flat=True)) or "none loaded"
            raise CommandError(f"Unknown brand {brand!r} (known: {known}).", returncode=USAGE_ERROR)
        zone = ZoneInfo(found.time_zone)
        instants = [moment if moment.tzinfo else moment.replace(tzinfo=zone) for moment in parsed]
        version = policy_version_current(found)
        for instant in instants:
            terms = first_response_terms(
                found, received_at=instant, is_urgent=urgent, language=language
            )
            self.stdout.write(
                json.dumps(
                    {
                        "brand": found.slug,
                        "received_at": instant.astimezone(zone).isoformat(),
                        "first_response_target": terms.target_at.astimezone(zone).isoformat(),
                        "first_response_due": terms.latest_at.astimezone(zone).isoformat(),
                        "clock": terms.mode,
                        "urgent": terms.is_urgent,
                        "language_extension_hours": float(terms.language_extension_hours),
                        "peak_extension_hours": float(terms.peak_extension_hours),
                        "policy_version": version.number if version else None,
                    }
                )
            )
