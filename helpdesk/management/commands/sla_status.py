from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from brands.models import Brand
from helpdesk.selectors.staff import SLA_STATES, sla_status_counts


class Command(BaseCommand):
    help = "Print the number of open tickets per brand by clock state."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--brand", help="Only this brand (slug).")

    def handle(self, *args, brand: str | None, **options) -> None:
        brands = Brand.objects.order_by("slug")
        if brand:
            brands = brands.filter(slug=brand)
            if not brands.exists():
                raise CommandError(f"Unknown brand {brand!r}.", returncode=2)
        counts = sla_status_counts(brands, timezone.now())
        headings = [state.replace("_", " ") for state in SLA_STATES]
        self.stdout.write(f"{'brand':<20}" + "".join(f"{h:>10}" for h in headings))
        for slug, row in counts.items():
            self.stdout.write(f"{slug:<20}" + "".join(f"{row[s]:>10}" for s in SLA_STATES))
