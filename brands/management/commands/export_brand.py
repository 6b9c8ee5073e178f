from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from brands.brand_file import brand_file_text
from brands.models import Brand
from brands.services import policy_snapshot


class Command(BaseCommand):
    help = (
        "Write a brand's live policy as a brand file, in the format load_brands reads "
        "(to standard output, or to --output)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The brand's slug, e.g. kendrascottes.")
        parser.add_argument("--output", "-o", type=Path, help="File to write (default: stdout).")

    def handle(self, *args, slug: str, output: Path | None, **options) -> None:
        brand = Brand.objects.filter(slug=slug).first()
        if brand is None:
            raise CommandError(f"No brand {slug!r}.")
        text = brand_file_text(slug, policy_snapshot(brand))
        if output is None:
            self.stdout.write(text, ending="")
            return
        output.write_text(text, encoding="utf-8")
        self.stdout.write(f"{slug}: written to {output}")
