"""`manage.py export_brand` writes the live policy as a brand file that load_brands reads back."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from brands.models import Brand, Closure, PeakPeriod
from brands.services import policy_snapshot, policy_version_current, policy_version_record


@pytest.mark.parametrize("slug", ["kendrascottes", "crocso"])
def test_an_exported_brand_loads_back_to_the_same_version_snapshot(shipped_brands, slug, tmp_path):
    brand = shipped_brands[slug]
    # An owner's later settings travel too: a closure, a sale with its own extension, no
    # next-reply numbers of its own, fractional hours.
    Closure.objects.create(
        brand=brand, name="Inventory", starts_on=date(2027, 1, 4), ends_on=date(2027, 1, 5)
    )
    PeakPeriod.objects.create(
        brand=brand,
        name="Black Friday",
        starts_on=date(2026, 11, 27),
        ends_on=date(2026, 11, 30),
        extension_hours="12.5",
    )
    brand.policy.language_extension_hours = "20.25"
    brand.policy.save()
    policy_version_record(brand, source="test")
    before = policy_version_current(brand).snapshot
    exported = tmp_path / f"{slug}.toml"

    call_command("export_brand", slug, output=exported, stdout=StringIO())
    brand.policy_versions.all().delete()
    Brand.objects.filter(pk=brand.pk).delete()
    call_command("load_brands", exported, stdout=StringIO())

    loaded = Brand.objects.get(slug=slug)
    assert policy_version_current(loaded).snapshot == before == policy_snapshot(loaded)


def test_export_writes_the_file_to_standard_output_without_an_output(kendrascottes):
    out = StringIO()

    call_command("export_brand", "kendrascottes", stdout=out)

    assert 'slug = "kendrascottes"' in out.getvalue()
    assert "first_response_latest_hours = 48" in out.getvalue()
