"""In a real browser, as a brand owner on the demo's history: change the urgent promise in a
draft, preview the page, run the what-if on a real Celery worker and watch the breaches change,
publish with a reason, read the labelled diff, revert."""

import pytest
import redis
from celery.contrib.testing.worker import start_worker

from brands.models import Brand
from helpdesk.services.demo import demo_load
from tests.conftest import REDIS_URL, celery_broker, redis_is_up
from tests.system.browser import browser_test, shoot

pytestmark = [
    *browser_test,
    pytest.mark.skipif(not redis_is_up(), reason=f"needs Redis at {REDIS_URL}"),
]


@pytest.fixture
def worker():
    """The project's Celery app on Redis with a real worker, as production runs the what-if."""
    redis.Redis.from_url(REDIS_URL).delete("celery")  # leftovers from an aborted run
    with (
        celery_broker(REDIS_URL) as app,
        start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30),
    ):
        yield app


def test_an_owner_drafts_a_faster_urgent_promise_replays_it_publishes_and_reverts(
    page, live_server, shipped_brands, worker
):
    _, logins = demo_load(list(Brand.objects.order_by("name")))
    owner = next(login for login in logins if login.username == "kendrascottes-owner")

    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", owner.username)
    page.fill("#id_password", owner.password)
    page.click("input[type=submit]")
    page.click("text=Change the policy")
    page.click("#start-draft")

    # One screen, in the policy's words and units.
    page.click("nav.draft-nav >> text=Urgent matters")
    assert "Urgent first response, latest (hours (counted as below))" in page.inner_text(
        "#content-main form"
    )
    # An hour of the clock, evenings and weekends included: the demo's urgent matters waited
    # longer than that.
    page.fill("#id_policy__urgent_latest_hours", "1")
    page.select_option("#id_policy__urgent_clock", "calendar")
    page.click("#save-section")
    page.wait_for_selector("text=saved in the draft (not live)")
    changes = page.inner_text("table.policy-changes")
    assert "Urgent first response, latest" in changes and "12 business hours" in changes
    shoot(page, "owner-policy-draft")

    page.click("nav.draft-nav >> text=Preview")
    marked = page.inner_text(".page-draft mark.changed >> nth=0")
    assert "1 hour" in marked
    shoot(page, "owner-policy-preview")

    page.click("nav.draft-nav >> text=What if")
    page.fill("#id_days", "60")
    page.click("#run-whatif")
    # The worker replays; the page polls the run and shows the result when it is done.
    page.wait_for_selector("#whatif-breaching", timeout=120_000)
    live = int(page.inner_text("#breaching-live"))
    drafted = int(page.inner_text("#breaching-draft"))
    assert drafted > live
    assert page.locator("#newly-breaching a").count() > 0
    shoot(page, "owner-policy-whatif")

    page.click("nav.draft-nav >> text=Publish")
    assert "A promise already stated to a customer stands" in page.inner_text(".governing-rule")
    if page.locator("#id_confirm").count():
        page.check("#id_confirm")
    page.click("#publish")
    assert page.locator(".errorlist").count() >= 1  # no reason given yet
    if page.locator("#id_confirm").count():
        page.check("#id_confirm")
    page.fill("#id_reason", "Damaged jewelry cannot wait")
    page.click("#publish")
    page.wait_for_selector("text=Published as version 2")
    version = page.inner_text("#version-2")
    assert "Urgent first response, latest: 12 business hours -> 1 hours" in version
    assert "Urgent matters are counted in: business hours -> calendar hours" in version
    assert "Damaged jewelry cannot wait" in version
    shoot(page, "owner-policy-versions")

    with page.expect_navigation():
        page.click("#version-1 >> text=Page as it was")
    assert "12 business hours" in page.inner_text("main, body")
    page.go_back()

    page.fill("#version-1 input[name=reason]", "Too tight for the team")
    page.click("#version-1 >> text=Revert to v1")
    page.wait_for_selector("text=Version 3 published, equal to version 1")
    assert "Urgent first response, latest: 1 hours -> 12 business hours" in page.inner_text(
        "#version-3"
    )
    assert Brand.objects.get(slug="kendrascottes").policy.urgent_latest_hours == 12
