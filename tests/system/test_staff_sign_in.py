"""In a real browser: a brand owner, who must use a second factor, signs in for the first time,
sets up an authenticator app from the page's key, keeps the recovery codes, and next time
signs in with the code the app shows."""

import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from brands.models import BrandMembership
from tests.factories import agent_of
from tests.system.browser import browser_test, shoot

pytestmark = browser_test


def app_code(device: TOTPDevice, steps_on: int = 0) -> str:
    """The code an authenticator app holding the device's key shows now (or `steps_on` time
    steps later: a code once used is refused, and the next one is within the tolerance)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_on * device.step
    return f"{totp.token():0{device.digits}d}"


def sign_in(page, live_server, code: str = "") -> None:
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "olga")
    page.fill("#id_password", "pw")
    if code:
        page.fill("#id_otp_token", code)
    page.click("input[type=submit]")


def test_an_owner_sets_up_a_second_factor_and_signs_in_with_it(
    page, live_server, settings, kendrascottes
):
    settings.TWO_FACTOR_REQUIRED = True
    agent_of(kendrascottes, role=BrandMembership.Role.OWNER, username="olga")

    sign_in(page, live_server)
    page.wait_for_selector("#totp-secret")
    assert "/admin/two-factor/" in page.url
    assert "Your role needs two-factor authentication" in page.inner_text("#content")
    assert page.locator(".qr svg").count() == 1
    shoot(page, "owner-two-factor-setup")
    device = TOTPDevice.objects.get(user__username="olga", confirmed=False)
    assert page.inner_text("#totp-secret").strip()
    page.fill("#id_token", app_code(device))
    page.click("text=Confirm")
    page.wait_for_selector("#recovery-codes")
    assert page.locator("#recovery-codes li").count() == 10
    shoot(page, "owner-recovery-codes")
    page.click("text=Continue")
    page.wait_for_url(f"{live_server.url}/admin/")

    # Next time: the password alone is not enough; the app's code is.
    page.context.clear_cookies()
    sign_in(page, live_server)
    page.wait_for_selector(".errornote")
    assert "authenticator app" in page.inner_text(".errornote")
    shoot(page, "owner-sign-in-asks-the-code")
    device.refresh_from_db()
    sign_in(page, live_server, app_code(device, steps_on=1))
    page.wait_for_url(f"{live_server.url}/admin/")
    assert page.locator("#user-tools").count() == 1
