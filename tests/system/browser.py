"""What the browser tests share: Debian's chromium (never a browser Playwright downloads),
driven headless, and where their screenshots go (CI keeps artifacts/screenshots/)."""

import os
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(
    os.environ.get("SCREENSHOTS_DIR", str(Path(settings.BASE_DIR) / "artifacts" / "screenshots"))
)

# A browser test's module marks: skipped, saying why, without the browser; a real database the
# live server's thread sees.
browser_test = [
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"no browser: {CHROMIUM} is missing (apt-get install chromium; .ci/run does)",
    ),
    pytest.mark.django_db(transaction=True),
]


def shoot(page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
