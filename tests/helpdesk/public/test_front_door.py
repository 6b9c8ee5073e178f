"""The front door at `/`: each brand with its policy page and contact form, and the ways in."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from brands.loader import BrandFileError, brand_files_load


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


def test_a_brands_pages_carry_the_colours_of_its_brand_file(client, shipped_brands):
    for slug, colour, accent in (
        ("kendrascottes", "#1f2a44", "#9c7a3c"),
        ("crocso", "#24623a", "#e0651b"),
    ):
        brand = shipped_brands[slug]
        assert (brand.colour, brand.accent_colour) == (colour, accent)
        for url in (f"/b/{slug}/policy/", f"/b/{slug}/contact/"):
            page = client.get(url).content.decode()
            assert f"--brand: {colour}; --accent: {accent};" in page
        assert f"--brand: {colour}; --accent: {accent}" in client.get("/").content.decode()


def test_a_brand_file_with_a_colour_that_is_not_one_is_refused(tmp_path, db):
    text = (Path(settings.BRANDS_CONFIG_DIR) / "crocso.toml").read_text()
    bad = tmp_path / "crocso.toml"
    bad.write_text(text.replace('colour = "#24623a"', 'colour = "green; }"'))
    with pytest.raises(BrandFileError, match=r"brand\.colour"):
        brand_files_load([bad])
