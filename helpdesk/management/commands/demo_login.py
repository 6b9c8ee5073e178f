import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

DEMO_USERNAME = "demo"


class Command(BaseCommand):
    help = "Create (or reset) the demo superuser and print its login. For local demos only."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default=DEMO_USERNAME)

    def handle(self, *args, username: str, **options) -> None:
        password = secrets.token_urlsafe(12)
        user, _ = get_user_model().objects.get_or_create(
            username=username, defaults={"email": f"{username}@localhost"}
        )
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        self.stdout.write(
            f"Demo login at http://127.0.0.1:8000/admin/  user: {username}  password: {password}"
        )
