from django.core.management.base import BaseCommand, CommandError, CommandParser

from brands.models import Brand
from helpdesk.errors import ApplicationError
from helpdesk.services.api_keys import api_key_create, parse_rate


class Command(BaseCommand):
    help = (
        "Create a storefront API key for a brand and print it. The key is shown only this "
        "once (only its hash is stored): give it to the storefront now."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--brand", required=True, help="The brand's slug.")
        parser.add_argument("--name", required=True, help="Who uses the key, e.g. 'Web shop'.")
        parser.add_argument(
            "--throttle-rate", default="", help='Requests allowed, e.g. "120/min" (default rate).'
        )

    def handle(self, *args, brand: str, name: str, throttle_rate: str, **options) -> None:
        found = Brand.objects.filter(slug=brand).first()
        if found is None:
            known = ", ".join(Brand.objects.values_list("slug", flat=True)) or "none loaded"
            raise CommandError(f"No brand {brand!r}. Known brands: {known}.")
        if throttle_rate and parse_rate(throttle_rate) is None:
            raise CommandError(f'Unreadable throttle rate {throttle_rate!r}; try "120/min".')
        try:
            api_key, key = api_key_create(found, name=name)
        except ApplicationError as error:
            raise CommandError(f"{error.message} {' '.join(error.fields.values())}") from None
        if throttle_rate:
            api_key.throttle_rate = throttle_rate
            api_key.save(update_fields=["throttle_rate"])
        self.stdout.write(f"API key for {found.name} ({api_key.name}), prefix {api_key.prefix}:")
        self.stdout.write(key)
        self.stdout.write(
            "Send it as 'Authorization: Api-Key <key>'. It is not stored and cannot be shown "
            f"again; revoke it with `manage.py revoke_api_key {api_key.prefix}`."
        )
