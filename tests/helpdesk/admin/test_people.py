"""Staff sign-in and joining: lockout after repeated failures (per account and per client
address, behind the trusted proxies), an owner's invitation and its expiring set-password
link, and the second factor owners and superusers must use when the setting says so."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from brands.models import BrandMembership
from helpdesk.models import OutboundEmail
from tests.factories import UserFactory, agent_of

OWNER = BrandMembership.Role.OWNER
LOGIN = "/admin/login/?next=/admin/"


def attempt(client: Client, username: str, password: str, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def current_code(device: TOTPDevice) -> str:
    """What the owner's authenticator app shows now, from the device's key."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


# -- lockout -------------------------------------------------------------------------------------


def test_an_account_is_locked_after_repeated_failures_even_with_the_right_password(
    settings, kendrascottes
):
    agent_of(kendrascottes, username="kim")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "kim", "wrong").status_code == 200
    assert attempt(client, "kim", "wrong").status_code == 429  # the last failure allowed
    refused = attempt(client, "kim", "pw")
    assert refused.status_code == 429
    assert not signed_in(refused)
    assert "try again in 15 minutes" in refused.content.decode()
    assert refused["Retry-After"] == "900"
    # From another address too: the account itself is locked.
    assert attempt(Client(REMOTE_ADDR="198.51.100.9"), "kim", "pw").status_code == 429
    # Until the cool-off has passed.
    with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(seconds=1)):
        assert signed_in(attempt(Client(), "kim", "pw"))


def test_a_client_address_is_locked_after_failures_across_accounts_behind_the_proxy(
    settings, kendrascottes
):
    settings.TRUSTED_PROXY_COUNT = 1
    agent_of(kendrascottes, username="kim")
    # The proxy's own address is the same for everyone; the client is what it appended.
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    guesser = Client(**proxy, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7")
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(guesser, f"someone{n}", "guess")
    assert attempt(guesser, "kim", "pw").status_code == 429
    # A forged first entry does not get the guesser out; another client is not locked out.
    forged = Client(**proxy, HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.7")
    assert attempt(forged, "kim", "pw").status_code == 429
    colleague = Client(**proxy, HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert signed_in(attempt(colleague, "kim", "pw"))


# -- invitations ---------------------------------------------------------------------------------


def invitation_link(address: str) -> str:
    mail = OutboundEmail.objects.get(to=[address])
    return re.search(r"https?://\S+/admin/people/welcome/\S+/", mail.body_text).group(0)


def test_an_owner_invites_an_agent_who_sets_a_password_once_from_the_mailed_link(
    client, settings, kendrascottes, crocso
):
    settings.STAFF_FROM_EMAIL = "staff@helpdesk.example"
    owner = agent_of(kendrascottes, role=OWNER, username="olga")
    client.force_login(owner)
    assert 'href="/admin/people/invite/"' in client.get("/admin/").content.decode()
    page = client.get("/admin/people/invite/").content.decode()
    assert "Kendrascottes" in page and "Crocso" not in page
    refused = client.post(
        "/admin/people/invite/", {"brand": crocso.pk, "email": "x@staff.example", "role": "agent"}
    )
    assert refused.status_code == 400
    response = client.post(
        "/admin/people/invite/",
        {"brand": kendrascottes.pk, "email": "New.Agent@Staff.example", "role": "agent"},
    )
    assert response.status_code == 302
    mail = OutboundEmail.objects.get(to=["new.agent@staff.example"])
    assert mail.from_email == "staff@helpdesk.example" != kendrascottes.from_email

    link = invitation_link("new.agent@staff.example").split("://", 1)[1].split("/", 1)[1]
    newcomer = Client()
    form_page = newcomer.get(f"/{link}", follow=True)
    assert "Set my password" in form_page.content.decode()
    chosen = "a-long-Passphrase-42"
    done = newcomer.post(
        form_page.redirect_chain[-1][0], {"new_password1": chosen, "new_password2": chosen}
    )
    assert done.status_code == 302 and done["Location"] == "/admin/login/"
    assert signed_in(attempt(Client(), "new.agent@staff.example", chosen))
    # Used once: the link opens nothing any more.
    again = Client().get(f"/{link}", follow=True).content.decode()
    assert "link-expired" in again


def test_an_invitation_link_expires(client, settings, kendrascottes):
    owner = agent_of(kendrascottes, role=OWNER, username="olga")
    client.force_login(owner)
    client.post(
        "/admin/people/invite/",
        {"brand": kendrascottes.pk, "email": "late@staff.example", "role": "senior"},
    )
    link = invitation_link("late@staff.example").split("://", 1)[1].split("/", 1)[1]
    later = timezone.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    with time_machine.travel(later):
        assert "link-expired" in Client().get(f"/{link}", follow=True).content.decode()


def test_only_owners_invite(client, kendrascottes):
    client.force_login(agent_of(kendrascottes, username="kim"))
    assert client.get("/admin/people/invite/").status_code == 403


# -- the second factor ---------------------------------------------------------------------------


@pytest.fixture
def required(settings):
    settings.TWO_FACTOR_REQUIRED = True


def test_an_owner_must_set_up_a_second_factor_then_signs_in_with_it(required, kendrascottes):
    agent_of(kendrascottes, role=OWNER, username="olga")
    browser = Client()
    assert signed_in(attempt(browser, "olga", "pw"))
    # Nowhere in admin before the second factor is set up.
    for page in ("/admin/", "/admin/reports/", "/admin/helpdesk/ticket/"):
        response = browser.get(page)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/two-factor/")
    assert "totp-secret" in browser.get("/admin/two-factor/").content.decode()
    device = TOTPDevice.objects.get(user__username="olga", confirmed=False)
    assert "not right" in browser.post("/admin/two-factor/", {"token": "000000"}).content.decode()
    # A failed code makes the device wait (django-otp's throttling) before the next one.
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        shown = browser.post("/admin/two-factor/", {"token": current_code(device)})
    codes = re.findall(r"<li><code>(\w+)</code></li>", shown.content.decode())
    assert len(codes) == 10
    assert browser.get("/admin/").status_code == 200

    later = timezone.now() + timedelta(seconds=60)
    with time_machine.travel(later):
        assert not signed_in(attempt(Client(), "olga", "pw"))  # the code is asked
        assert not signed_in(attempt(Client(), "olga", "pw", otp_token="123456"))
    with time_machine.travel(later + timedelta(seconds=60)):
        device.refresh_from_db()
        owner = Client()
        assert signed_in(attempt(owner, "olga", "pw", otp_token=current_code(device)))
        assert owner.get("/admin/").status_code == 200
    # A recovery code signs in once, instead of the app.
    with time_machine.travel(later + timedelta(seconds=120)):
        assert signed_in(attempt(Client(), "olga", "pw", otp_token=codes[0]))
        assert not signed_in(attempt(Client(), "olga", "pw", otp_token=codes[0]))


def test_superusers_must_and_agents_may_use_a_second_factor(required, kendrascottes):
    UserFactory(username="root", is_superuser=True)
    agent_of(kendrascottes, username="kim")
    root, kim = Client(), Client()
    assert signed_in(attempt(root, "root", "pw"))
    assert root.get("/admin/")["Location"].startswith("/admin/two-factor/")
    assert signed_in(attempt(kim, "kim", "pw"))
    assert kim.get("/admin/").status_code == 200


def test_without_the_setting_an_owner_is_not_made_to(settings, kendrascottes):
    settings.TWO_FACTOR_REQUIRED = False
    agent_of(kendrascottes, role=OWNER, username="olga")
    owner = Client()
    assert signed_in(attempt(owner, "olga", "pw"))
    assert owner.get("/admin/").status_code == 200


def test_the_staff_apis_token_login_counts_and_refuses_alike(settings, kendrascottes):
    agent_of(kendrascottes, username="kim")
    api = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api.post(
            "/api/v1/staff/token/",
            {"username": "kim", "password": "wrong"},
            content_type="application/json",
        )
    refused = api.post(
        "/api/v1/staff/token/",
        {"username": "kim", "password": "pw"},
        content_type="application/json",
    )
    assert refused.status_code == 429
    assert refused.json() == {
        "message": "Too many failed sign-ins: try again in 15 minutes.",
        "fields": {},
    }
    assert attempt(Client(), "kim", "pw").status_code == 429


# -- the staff API's token: no way around the second factor -------------------------------------


def token_request(data: dict):
    return Client().post("/api/v1/staff/token/", data, content_type="application/json")


def test_an_owner_who_must_use_a_second_factor_gets_an_api_token_only_with_its_code(
    settings, kendrascottes
):
    settings.TWO_FACTOR_REQUIRED = True
    owner = agent_of(kendrascottes, role=OWNER, username="olive")
    device = TOTPDevice.objects.create(user=owner, name="Authenticator", confirmed=True)
    refused = token_request({"username": "olive", "password": "pw"})
    allowed = token_request({"username": "olive", "password": "pw", "code": current_code(device)})
    # A code used once is not taken again (and a wrong one slows the next tries).
    replayed = token_request({"username": "olive", "password": "pw", "code": current_code(device)})

    assert refused.status_code == 400 and "code" in refused.json()["fields"]
    assert replayed.status_code == 400
    assert allowed.status_code == 200 and allowed.json()["token"]


def test_an_agent_needs_no_second_factor_for_an_api_token(settings, kendrascottes):
    settings.TWO_FACTOR_REQUIRED = True
    agent_of(kendrascottes, username="kim")

    response = token_request({"username": "kim", "password": "pw"})

    assert response.status_code == 200 and response.json()["token"]
