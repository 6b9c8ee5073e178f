import pytest
from django.core.management import CommandError, call_command

from brands.models import Brand
from tests.brands.test_load_brands import brand_file_with

pytestmark = pytest.mark.django_db


def test_the_shipped_brands_keep_everything_until_their_owners_set_days(shipped_brands):
    for brand in shipped_brands.values():
        assert brand.raw_mail_retention_days is None
        assert brand.attachment_retention_days is None
        assert brand.anonymise_after_days is None


def test_retention_days_from_the_brand_file_are_a_new_policy_version(tmp_path):
    call_command("load_brands")
    changed = brand_file_with(tmp_path, "anonymise_days = false", "anonymise_days = 730")
    call_command("load_brands", str(changed))

    brand = Brand.objects.get(slug="kendrascottes")
    assert brand.anonymise_after_days == 730
    latest = brand.policy_versions.order_by("-number").first()
    assert latest.changes == {"brand.anonymise_after_days": [None, 730]}


@pytest.mark.parametrize(
    ("new", "setting"),
    [
        ("raw_mail_days = -3", "brand.raw_mail_retention_days"),
        ('raw_mail_days = "soon"', "retention.raw_mail_days"),
        ("raw_mail_days = true", "retention.raw_mail_days"),
        ("raw_mailz = 3", "retention.raw_mailz"),
    ],
)
def test_a_bad_retention_value_is_refused_naming_the_setting(tmp_path, new, setting):
    bad = brand_file_with(tmp_path, "raw_mail_days = false", new)
    with pytest.raises(CommandError) as refused:
        call_command("load_brands", str(bad))
    assert f"{bad}: {setting}:" in str(refused.value)
    assert Brand.objects.count() == 0
