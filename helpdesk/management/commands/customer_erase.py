from django.core.management.base import BaseCommand, CommandError, CommandParser

from brands.models import Brand
from helpdesk.errors import ApplicationError
from helpdesk.services.tickets.erasure import customer_erase, customer_erasures_before


class Command(BaseCommand):
    help = (
        "Erase a customer's personal data in one brand: names, addresses, message text, "
        "attachments and raw mail of their tickets. References, times, statuses and ratings "
        "stay, so reports add up; the customer's tickets with other brands are not touched."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--brand", required=True, help="The brand's slug.")
        parser.add_argument("--email", required=True, help="The customer's address.")

    def handle(self, *args, brand: str, email: str, **options) -> None:
        found = Brand.objects.filter(slug=brand).first()
        if found is None:
            known = ", ".join(Brand.objects.values_list("slug", flat=True)) or "none loaded"
            raise CommandError(f"No brand {brand!r}. Known brands: {known}.")
        earlier = customer_erasures_before(found, email).first() if "@" in email else None
        try:
            erasure = customer_erase(found, email, source="operator")
        except ApplicationError as error:
            raise CommandError(f"{error.message} {' '.join(error.fields.values())}") from None
        counts = erasure.counts
        if not any(counts.values()):
            self.stdout.write(f"Nothing of that address is left in {found.name}.")
        else:
            self.stdout.write(f"Erased in {found.name}:")
            for kind, count in counts.items():
                self.stdout.write(f"  {kind.replace('_', ' ')}: {count}")
        if earlier is not None:
            self.stdout.write(
                f"This address was erased before, at {earlier.created_at:%Y-%m-%d %H:%M} UTC."
            )
        self.stdout.write(f"Recorded as erasure {erasure.pk}.")
