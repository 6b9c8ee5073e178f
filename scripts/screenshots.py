"""The README's pictures, taken over the demo data: the queue, a ticket page, the customer's
status page, the policy page and a report, into docs/screenshots/.

    python scripts/screenshots.py [--out docs/screenshots] [--chromium /usr/bin/chromium]

It uses the checkout's database as the development settings find it (the demo of `make run`;
`demo_data` is run first, so an empty database gets the demo and a database with other
tickets is refused), serves it with `runserver` on a free local port, and drives the system's
chromium with Playwright (never a browser Playwright downloads). Run it again after a screen
changes and commit the pictures.
"""

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VIEWPORT = {"width": 1366, "height": 900}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
    arguments = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")
    import django

    django.setup()
    from brands.models import Brand
    from helpdesk.models import Ticket
    from helpdesk.services.demo import demo_load
    from helpdesk.services.rendering.status_links import status_path

    _, logins = demo_load(list(Brand.objects.order_by("name")))
    passwords = {login.username: login.password for login in logins}
    brand = Brand.objects.get(slug="kendrascottes")
    # A ticket with a conversation: answered, then the customer wrote again.
    ticket = (
        Ticket.objects.filter(brand=brand, status=Ticket.Status.OPEN, tier=1, merged_into=None)
        .exclude(language__in=["fr", "es"])
        .order_by("-received_at")
        .first()
    )

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(port)
        arguments.out.mkdir(parents=True, exist_ok=True)
        _shoot_all(
            base,
            arguments,
            passwords,
            {
                "queue.png": ("kendrascottes-agent", "/admin/helpdesk/ticket/queue/"),
                "ticket-page.png": (
                    "kendrascottes-agent",
                    f"/admin/helpdesk/ticket/{ticket.pk}/change/",
                ),
                "report.png": ("kendrascottes-owner", "/admin/reports/?brand=kendrascottes"),
                "front-door.png": (None, "/"),
                "policy-page.png": (None, f"/b/{brand.slug}/policy/"),
                "status-page.png": (None, status_path(ticket)),
            },
        )
    finally:
        server.terminate()
        server.wait(timeout=10)


def _shoot_all(base: str, arguments, passwords: dict[str, str], shots: dict) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=arguments.chromium, args=["--headless", "--no-sandbox"]
        )
        contexts: dict = {}
        for name, (username, path) in shots.items():
            if username not in contexts:
                contexts[username] = browser.new_context(viewport=VIEWPORT)
                if username:
                    _log_in(contexts[username].new_page(), base, username, passwords[username])
            page = contexts[username].new_page()
            response = page.goto(base + path)
            if response is None or response.status >= 400:
                # Never a picture of an error page in the README.
                raise SystemExit(f"{path} answered {response and response.status}")
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(arguments.out / name))
            print(arguments.out / name)
        browser.close()


def _log_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/admin/")
    page.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(port: int) -> None:
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


if __name__ == "__main__":
    main()
