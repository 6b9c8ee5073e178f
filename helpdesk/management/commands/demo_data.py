"""`manage.py demo_data`: the populated local demo `make run` opens on."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from brands.models import Brand
from helpdesk.errors import ApplicationError
from helpdesk.services.demo import demo_load


class Command(BaseCommand):
    help = (
        "Load weeks of demo history for every brand (once) and print a login per role with a "
        "fresh password. Refuses a database that holds tickets other than the demo's."
    )

    def handle(self, *args, **options) -> None:
        brands = list(Brand.objects.order_by("name"))
        if not brands:
            raise CommandError("No brands yet: run `manage.py load_brands` first.")
        try:
            opened, logins = demo_load(brands)
        except ApplicationError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            f"Demo history: {opened} tickets loaded." if opened else "Demo history: already loaded."
        )
        self.stdout.write(f"\nThe demo: {settings.PUBLIC_BASE_URL}/  (admin: /admin/)")
        self.stdout.write("Logins (new passwords on each run; for this demo only):")
        for login in logins:
            self.stdout.write(f"  {login.username:<22} {login.password:<14} {login.what}")
