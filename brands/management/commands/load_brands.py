from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from brands.loader import BrandFileError, brand_files_load


class Command(BaseCommand):
    help = "Create or update brands from their configuration files (all files, or those named)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", type=Path, help="Brand files (*.toml).")
        parser.add_argument(
            "--skip-existing",
            action="store_true",
            help="Leave brands that already exist alone, keeping edits made in admin.",
        )

    def handle(self, *args, files: list[Path], skip_existing: bool, **options) -> None:
        paths = files or sorted(Path(settings.BRANDS_CONFIG_DIR).glob("*.toml"))
        if not paths:
            raise CommandError(f"No brand files found in {settings.BRANDS_CONFIG_DIR}.")
        try:
            results = brand_files_load(paths, skip_existing=skip_existing)
        except BrandFileError as error:
            raise CommandError(f"{error}\nNothing was loaded.") from None
        for slug, outcome in results:
            self.stdout.write(f"{slug}: {outcome}")
