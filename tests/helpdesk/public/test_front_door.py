"""The front door at `/`: each brand with its policy page and contact form, and the ways in."""

from django.urls import reverse


def test_the_front_door_links_each_brand_and_the_ways_in(client, shipped_brands):
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    for brand in shipped_brands.values():
        assert brand.name in page
        assert f'href="/b/{brand.slug}/policy/"' in page
        assert f'href="/b/{brand.slug}/contact/"' in page
        assert brand.addresses.first().email in page
        assert client.get(f"/b/{brand.slug}/policy/").status_code == 200
    assert f'href="{reverse("admin:index")}"' in page
    assert 'href="/api/docs/"' in page
    assert client.get("/api/docs/").status_code == 200


def test_the_front_door_says_how_to_load_brands_when_there_are_none(client, db):
    assert "manage.py load_brands" in client.get("/").content.decode()
