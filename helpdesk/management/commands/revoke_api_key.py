from django.core.management.base import BaseCommand, CommandError, CommandParser

from helpdesk.errors import ApplicationError
from helpdesk.services.api_keys import api_key_revoke


class Command(BaseCommand):
    help = "Revoke a storefront API key by its prefix (the part before the dot). Final."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("prefix")

    def handle(self, *args, prefix: str, **options) -> None:
        try:
            api_key = api_key_revoke(prefix.partition(".")[0])
        except ApplicationError as error:
            raise CommandError(f"{error.message} {' '.join(error.fields.values())}") from None
        self.stdout.write(f"Revoked {api_key.prefix} ({api_key.name}) of {api_key.brand.name}.")
