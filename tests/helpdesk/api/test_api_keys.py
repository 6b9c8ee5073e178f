from datetime import timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from brands.models import BrandApiKey, BrandMembership
from helpdesk.services import api_keys
from helpdesk.services.api_keys import api_key_authenticate, api_key_create
from tests.factories import agent_of

from .conftest import key_client

# ---------------------------------------------------------------------------- the commands


@pytest.mark.django_db
def test_create_api_key_prints_a_working_key_once_and_stores_its_hash(kendrascottes):
    out = StringIO()
    call_command("create_api_key", brand="kendrascottes", name="Web shop", stdout=out)
    lines = out.getvalue().splitlines()
    key = lines[1]
    stored = BrandApiKey.objects.get()
    assert stored.brand == kendrascottes and stored.name == "Web shop"
    assert key.startswith(stored.prefix + ".")
    assert key not in stored.hashed_key and key != stored.id
    assert key_client(key).get("/api/v1/brand/").json()["slug"] == "kendrascottes"


@pytest.mark.django_db
def test_create_api_key_refuses_an_unknown_brand_and_names_the_known_ones(shipped_brands):
    with pytest.raises(
        CommandError, match=r"No brand 'nope'\. Known brands: crocso, kendrascottes"
    ):
        call_command("create_api_key", brand="nope", name="x")
    assert not BrandApiKey.objects.exists()


@pytest.mark.django_db
def test_create_api_key_refuses_an_unreadable_throttle_rate(kendrascottes):
    with pytest.raises(CommandError, match="throttle rate"):
        call_command("create_api_key", brand="kendrascottes", name="x", throttle_rate="lots")


@pytest.mark.django_db
def test_a_revoked_key_is_refused(kendrascottes):
    api_key, key = api_key_create(kendrascottes, name="Old shop")
    client = key_client(key)
    assert client.get("/api/v1/brand/").status_code == 200
    call_command("revoke_api_key", api_key.prefix, stdout=StringIO())
    response = client.get("/api/v1/brand/")
    assert response.status_code == 401
    assert response.json() == {"message": "Invalid, revoked or expired API key."}


@pytest.mark.django_db
def test_revoking_an_unknown_prefix_fails_clearly(shipped_brands):
    with pytest.raises(CommandError, match="No key starts with"):
        call_command("revoke_api_key", "zzzzzzzz")


@pytest.mark.django_db
def test_an_expired_key_is_refused(kendrascottes):
    api_key, key = api_key_create(kendrascottes, name="Campaign")
    api_key.expiry_date = timezone.now() - timedelta(seconds=1)
    api_key.save()
    assert key_client(key).get("/api/v1/brand/").status_code == 401


@pytest.mark.django_db
def test_a_key_with_the_right_prefix_and_a_wrong_secret_is_refused(ks_key):
    api_key, key = ks_key
    assert api_key_authenticate(f"{api_key.prefix}.{'x' * 32}") is None
    assert api_key_authenticate(key) == api_key


# ------------------------------------------------------------------------------- last used


@pytest.mark.django_db
def test_last_use_is_recorded_at_most_once_a_minute(storefront, ks_key, monkeypatch):
    api_key = ks_key[0]
    assert api_key.last_used_at is None
    storefront.get("/api/v1/brand/")
    api_key.refresh_from_db()
    first = api_key.last_used_at
    assert first is not None
    asked = []
    add = cache.add
    monkeypatch.setattr(cache, "add", lambda *args, **kwargs: asked.append(args) or add(*args))
    storefront.get("/api/v1/brand/")
    storefront.get("/api/v1/brand/")
    api_key.refresh_from_db()
    assert api_key.last_used_at == first
    # The cached key still says "never used", but this process asked within the minute.
    assert asked == []
    # A minute later: the marker in the cache has expired.
    cache.delete(f"api-key-used:{api_key.prefix}")
    later = first + timedelta(minutes=1, seconds=5)
    monkeypatch.setattr(timezone, "now", lambda: later)
    storefront.get("/api/v1/brand/")
    api_key.refresh_from_db()
    assert api_key.last_used_at == later
    assert len(asked) == 1


# ------------------------------------------------------------------------------ throttling


@pytest.mark.django_db
def test_a_key_over_its_rate_gets_429_with_retry_after(kendrascottes):
    api_key, key = api_key_create(kendrascottes, name="Busy shop")
    api_key.throttle_rate = "3/min"
    api_key.save()
    client = key_client(key)
    codes = [client.get("/api/v1/brand/").status_code for _ in range(3)]
    refused = client.get("/api/v1/brand/")
    assert codes == [200, 200, 200]
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "throttled" in refused.json()["message"]


@pytest.mark.django_db
def test_each_key_has_its_own_count(kendrascottes):
    limited = []
    for name in ("Shop A", "Shop B"):
        api_key, key = api_key_create(kendrascottes, name=name)
        api_key.throttle_rate = "2/min"
        api_key.save()
        limited.append(key_client(key))
    a, b = limited
    assert [a.get("/api/v1/brand/").status_code for _ in range(3)] == [200, 200, 429]
    assert b.get("/api/v1/brand/").status_code == 200


@pytest.mark.django_db
def test_keys_without_their_own_rate_use_the_default(storefront, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "api_key": "2/min",
        },
    }
    assert [storefront.get("/api/v1/brand/").status_code for _ in range(3)] == [200, 200, 429]


@pytest.mark.django_db
def test_the_window_resets_after_its_period(kendrascottes, monkeypatch):
    from helpdesk.api import throttling

    api_key, key = api_key_create(kendrascottes, name="Shop")
    api_key.throttle_rate = "1/s"
    api_key.save()
    client = key_client(key)
    now = [1_000_000.2]
    monkeypatch.setattr(throttling, "clock", lambda: now[0])
    assert client.get("/api/v1/brand/").status_code == 200
    assert client.get("/api/v1/brand/").status_code == 429
    now[0] += 1
    assert client.get("/api/v1/brand/").status_code == 200


@pytest.mark.parametrize(
    "rate, parsed",
    [("120/min", (120, 60)), ("10/5s", (10, 5)), ("1000/hour", (1000, 3600)), ("x", None)],
)
def test_throttle_rates_are_read_as_count_per_period(rate, parsed):
    from helpdesk.services.api_keys import parse_rate

    assert parse_rate(rate) == parsed


# ----------------------------------------------------------------------------------- admin


@pytest.mark.django_db
def test_a_brand_owner_creates_a_key_in_admin_and_sees_it_once(kendrascottes):
    owner = agent_of(kendrascottes, role=BrandMembership.Role.OWNER)
    client = Client()
    client.force_login(owner)
    response = client.post(
        "/admin/brands/brandapikey/add/",
        {"brand": kendrascottes.pk, "name": "Web shop", "throttle_rate": "", "expiry_date": ""},
        follow=True,
    )
    assert response.status_code == 200
    stored = BrandApiKey.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    key = next(word for text in shown for word in text.split() if word.startswith(stored.prefix))
    assert key_client(key.rstrip(".")).get("/api/v1/brand/").status_code == 200
    listing = client.get("/admin/brands/brandapikey/").content.decode()
    assert stored.prefix in listing and key.rstrip(".") not in listing


@pytest.mark.django_db
def test_a_brand_owner_sees_and_creates_keys_of_their_own_brands_only(kendrascottes, crocso):
    owner = agent_of(kendrascottes, role=BrandMembership.Role.OWNER)
    theirs, _ = api_key_create(crocso, name="Crocso shop")
    client = Client()
    client.force_login(owner)
    assert theirs.prefix not in client.get("/admin/brands/brandapikey/").content.decode()
    change = client.get(f"/admin/brands/brandapikey/{theirs.pk}/change/")
    assert change.status_code in (302, 404)
    response = client.post("/admin/brands/brandapikey/add/", {"brand": crocso.pk, "name": "Sneaky"})
    assert response.status_code == 200  # the form again, with the brand refused
    assert not BrandApiKey.objects.filter(name="Sneaky").exists()


@pytest.mark.django_db
def test_an_agent_who_owns_no_brand_has_no_key_admin(kendrascottes):
    client = Client()
    client.force_login(agent_of(kendrascottes))
    assert client.get("/admin/brands/brandapikey/").status_code == 403


@pytest.mark.django_db
def test_the_admin_refuses_an_unreadable_throttle_rate(kendrascottes):
    owner = agent_of(kendrascottes, role=BrandMembership.Role.OWNER)
    client = Client()
    client.force_login(owner)
    response = client.post(
        "/admin/brands/brandapikey/add/",
        {"brand": kendrascottes.pk, "name": "Shop", "throttle_rate": "fast"},
    )
    assert response.status_code == 200
    assert "number per period" in response.content.decode()
    assert not BrandApiKey.objects.exists()


@pytest.mark.django_db
def test_a_key_revoked_in_admin_is_refused_at_once_though_keys_are_cached(kendrascottes):
    api_key, key = api_key_create(kendrascottes, name="Old shop")
    storefront = key_client(key)
    assert storefront.get("/api/v1/brand/").status_code == 200  # now cached
    owner = agent_of(kendrascottes, role=BrandMembership.Role.OWNER)
    client = Client()
    client.force_login(owner)
    response = client.post(
        f"/admin/brands/brandapikey/{api_key.pk}/change/",
        {"name": "Old shop", "throttle_rate": "", "expiry_date": "", "revoked": "on"},
    )
    assert response.status_code == 302
    assert BrandApiKey.objects.get(pk=api_key.pk).revoked
    assert storefront.get("/api/v1/brand/").status_code == 401


@pytest.mark.django_db
def test_a_key_revoked_by_another_process_is_refused_within_seconds(kendrascottes, monkeypatch):
    api_key, key = api_key_create(kendrascottes, name="Old shop")
    storefront = key_client(key)
    assert storefront.get("/api/v1/brand/").status_code == 200  # held by this process
    # Another process revokes it: the row and the shared cache change, not this process.
    BrandApiKey.objects.filter(pk=api_key.pk).update(revoked=True)
    cache.delete(f"api-key:{api_key.prefix}")
    started = api_keys.monotonic()
    monkeypatch.setattr(api_keys, "monotonic", lambda: started + api_keys.LOCAL_KEY_SECONDS)
    assert storefront.get("/api/v1/brand/").status_code == 401
