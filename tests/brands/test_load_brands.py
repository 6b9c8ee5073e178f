import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from brands.models import (
    Brand,
    BrandHoliday,
    Category,
    EscalationTier,
    OpeningHours,
    PolicyVersion,
    SlaPolicy,
    SupportAddress,
    UrgentReason,
)
from tests.conftest import SHIPPED_BRAND_FILES

SIX_MAJOR_HOLIDAYS = {
    "New Year's Day",
    "Memorial Day",
    "Independence Day",
    "Labor Day",
    "Thanksgiving Day",
    "Christmas Day",
}
ALL_MODELS = [
    Brand,
    SlaPolicy,
    SupportAddress,
    OpeningHours,
    BrandHoliday,
    Category,
    UrgentReason,
    EscalationTier,
    PolicyVersion,
]


def database_contents() -> dict[str, list[tuple]]:
    return {model.__name__: sorted(map(str, model.objects.values_list())) for model in ALL_MODELS}


def brand_file_with(tmp_path: Path, old: str, new: str, name: str = "kendrascottes.toml") -> Path:
    text = (Path(settings.BRANDS_CONFIG_DIR) / name).read_text()
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.django_db
def test_it_loads_kendrascottes_policy_as_written(shipped_brands):
    brand = shipped_brands["kendrascottes"]
    policy = brand.policy
    assert (brand.reference_prefix, brand.time_zone) == ("KS", "America/Chicago")
    assert (policy.first_response_target_hours, policy.first_response_latest_hours) == (24, 48)
    assert (policy.urgent_latest_hours, policy.urgent_clock) == (12, "business")
    assert (policy.update_reminder_business_days, policy.update_latest_business_days) == (3, 5)
    assert policy.complaint_proposal_latest_hours == 48
    assert policy.language_extension_hours == 24
    assert policy.warning_percent == 75
    assert set(brand.holidays.values_list("name", flat=True)) == SIX_MAJOR_HOLIDAYS
    modes = dict(brand.opening_hours.values_list("weekday", "mode"))
    assert modes == {
        0: "all_day",
        1: "all_day",
        2: "all_day",
        3: "all_day",
        4: "all_day",
        5: "closed",
        6: "closed",
    }
    tier2 = brand.tiers.get(level=2)
    assert (tier2.response_target_hours, tier2.response_latest_hours) == (24, 48)
    assert brand.categories.count() == 7
    complaint = brand.categories.get(slug="complaint")
    assert complaint.is_complaint and complaint.requires_order_number


@pytest.mark.django_db
def test_it_loads_crocso_policy_as_written(shipped_brands):
    brand = shipped_brands["crocso"]
    policy = brand.policy
    assert (brand.reference_prefix, brand.time_zone) == ("CR", "America/Denver")
    assert (policy.urgent_latest_hours, policy.urgent_clock) == (24, "calendar")
    assert policy.update_reminder_business_days is None
    assert policy.update_latest_business_days is None
    assert policy.notify_customer_on_status_change is True
    assert policy.complaint_proposal_latest_hours is None
    assert brand.categories.count() == 6
    assert set(brand.urgent_reasons.values_list("name", flat=True)) == {
        "Lost package marked as delivered",
        "Incorrect item received",
    }
    assert brand.addresses.get().email == "support@crocso.example"
    # The policy's own words for asking to escalate, one phrase per line.
    assert "senior customer service representative" in policy.escalation_phrases.splitlines()


@pytest.mark.django_db
def test_loading_twice_changes_and_creates_nothing(capsys):
    call_command("load_brands")
    before = database_contents()
    call_command("load_brands")
    assert database_contents() == before
    assert capsys.readouterr().out.splitlines()[-2:] == [
        "crocso: unchanged",
        "kendrascottes: unchanged",
    ]


@pytest.mark.django_db
def test_the_first_load_records_version_one_with_its_source():
    call_command("load_brands")
    brand = Brand.objects.get(slug="kendrascottes")
    version = brand.policy_versions.get()
    assert (version.number, version.source, version.author) == (1, "file kendrascottes.toml", None)
    assert version.changes["policy.first_response_target_hours"] == [None, "24"]
    assert brand.policy_updated_at == version.created_at


@pytest.mark.django_db
def test_a_changed_file_updates_the_brand_and_records_what_changed(tmp_path):
    call_command("load_brands")
    changed = brand_file_with(
        tmp_path, "first_response_target_hours = 24", "first_response_target_hours = 20"
    )
    call_command("load_brands", str(changed))
    brand = Brand.objects.get(slug="kendrascottes")
    assert brand.policy.first_response_target_hours == Decimal(20)
    latest = brand.policy_versions.order_by("-number").first()
    assert latest.number == 2
    assert latest.changes == {"policy.first_response_target_hours": ["24", "20"]}


@pytest.mark.django_db
def test_a_changed_escalation_phrase_is_recorded_as_the_list_it_is(tmp_path):
    call_command("load_brands")
    changed = brand_file_with(tmp_path, '"supervisor", "manager"]', '"supervisor"]')
    call_command("load_brands", str(changed))
    latest = Brand.objects.get(slug="kendrascottes").policy_versions.order_by("-number").first()
    (before, after) = latest.changes["policy.escalation_phrases"]
    assert before[-2:] == ["supervisor", "manager"] and after == before[:-1]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("old", "new", "setting"),
    [
        ('time_zone = "America/Chicago"', 'time_zone = "America/Chikago"', "brand.time_zone"),
        (
            "first_response_target_hours = 24",
            "first_response_target_hours = -1",
            "policy.first_response_target_hours",
        ),
        ('"Labor Day",', '"Festivus",', "calendar.holidays[3]"),
        ('monday = "all day"', 'monday = "nine to five"', "calendar.opening_hours.monday"),
        ("urgent_latest_hours = 12", "urgent_latest_hourz = 12", "policy.urgent_latest_hourz"),
        (
            'escalation_phrases = ["escalat*"',
            'escalation_phrases = [" "',
            "policy.escalation_phrases",
        ),
        (
            '"shipping emergency", "urgent deliver*"',
            '3, "urgent deliver*"',
            "urgent_reasons[1].phrases",
        ),
    ],
)
def test_a_bad_value_is_refused_naming_file_and_setting_and_nothing_is_written(
    tmp_path, old, new, setting
):
    good = Path(settings.BRANDS_CONFIG_DIR) / "crocso.toml"
    bad = brand_file_with(tmp_path, old, new)
    with pytest.raises(CommandError) as refused:
        call_command("load_brands", str(good), str(bad))
    assert f"{bad}: {setting}:" in str(refused.value)
    assert Brand.objects.count() == 0
    assert PolicyVersion.objects.count() == 0


def test_the_command_exits_non_zero_on_a_bad_file(tmp_path):
    bad = brand_file_with(
        tmp_path, "first_response_latest_hours = 48", "first_response_latest_hours = -48"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "load_brands", str(bad)],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        env={
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "PATH": "/usr/bin:/bin",
            "DATABASE_URL": "sqlite:///:memory:",
        },
    )
    assert result.returncode == 1
    assert "policy.first_response_latest_hours" in result.stderr
    assert "Nothing was loaded." in result.stderr


@pytest.mark.django_db
def test_skip_existing_keeps_edits_made_in_admin():
    call_command("load_brands")
    SlaPolicy.objects.filter(brand__slug="crocso").update(first_response_target_hours=10)
    call_command("load_brands", "--skip-existing")
    assert SlaPolicy.objects.get(brand__slug="crocso").first_response_target_hours == 10


def test_the_shipped_files_are_the_two_brands():
    assert [path.name for path in SHIPPED_BRAND_FILES] == ["crocso.toml", "kendrascottes.toml"]
