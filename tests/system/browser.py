"""What the browser tests share: Debian's chromium (never a browser Playwright downloads),
driven headless, where their screenshots go (CI keeps artifacts/screenshots/), signing in to
admin, and the status link a customer's mail carries."""

import os
import re
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


def log_in(page, live_server, username: str) -> None:
    """Sign in to admin as `username` (the factories' password)."""
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def status_link_in(outbound) -> str:
    """The link to the customer's request in a mail (under PUBLIC_BASE_URL)."""
    pattern = re.escape(settings.PUBLIC_BASE_URL.rstrip("/")) + r"/b/[a-z0-9-]+/status/[^/\s]+/"
    return re.search(pattern, outbound.body_text)[0]


def list_columns_cut_off(page) -> list[str]:
    """The ticket list's columns not wholly in view: past the window's edge, or past the edge
    of the list's own box, which scrolls sideways (where a page-wide check sees nothing
    wrong)."""
    return page.evaluate(
        """() => {
          const box = document.querySelector('#changelist .results');
          const edge = Math.min(window.innerWidth, box.getBoundingClientRect().right);
          const headers = [...document.querySelectorAll('#result_list thead th')];
          return headers
            .filter(th => th.getBoundingClientRect().right > edge + 1)
            .map(th => th.className.split(' ').find(name => name.startsWith('column-')));
        }"""
    )
