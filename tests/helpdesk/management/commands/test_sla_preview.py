import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from helpdesk.models import SlaClock
from helpdesk.services.tickets.lifecycle import ticket_create


def preview(capsys, *args: str) -> list[dict]:
    call_command("sla_preview", *args)
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


@pytest.mark.django_db
def test_it_prints_one_json_line_per_instant(capsys, shipped_brands):
    rows = preview(
        capsys,
        "--brand",
        "kendrascottes",
        "--at",
        "2026-11-25T10:00:00-06:00",
        "--at",
        "2026-11-27T16:00:00Z",
    )
    assert [row["received_at"] for row in rows] == [
        "2026-11-25T10:00:00-06:00",
        "2026-11-27T10:00:00-06:00",
    ]
    assert rows[0]["first_response_target"] == "2026-11-27T10:00:00-06:00"
    assert rows[0]["first_response_due"] == "2026-11-30T10:00:00-06:00"
    assert rows[1]["first_response_due"] == "2026-12-01T10:00:00-06:00"


@pytest.mark.django_db
def test_it_reads_an_instant_without_offset_in_the_brands_zone(capsys, shipped_brands):
    (row,) = preview(capsys, "--brand", "crocso", "--at", "2026-11-25T09:00")
    assert row["received_at"] == "2026-11-25T09:00:00-07:00"


@pytest.mark.django_db
def test_urgent_and_language_follow_the_policy(capsys, shipped_brands):
    (urgent,) = preview(capsys, "--brand", "crocso", "--at", "2026-11-25T09:00-07:00", "--urgent")
    assert urgent["first_response_due"] == "2026-11-26T09:00:00-07:00"
    assert urgent["clock"] == "calendar"
    (foreign,) = preview(
        capsys, "--brand", "kendrascottes", "--at", "2026-11-25T10:00-06:00", "--language", "de"
    )
    assert foreign["first_response_due"] == "2026-12-01T10:00:00-06:00"
    assert foreign["language_extension_hours"] == 24


@pytest.mark.django_db
def test_it_predicts_exactly_what_ticket_creation_gives(capsys, kendrascottes):
    at = "2026-07-02T23:30:00-05:00"
    (row,) = preview(capsys, "--brand", "kendrascottes", "--at", at, "--language", "es")
    from datetime import datetime

    ticket = ticket_create(
        kendrascottes,
        customer_email="a@b.example",
        subject="s",
        body="b",
        language="es",
        received_at=datetime.fromisoformat(at),
    )
    clock = ticket.clocks.get(kind=SlaClock.Kind.FIRST_RESPONSE)
    assert datetime.fromisoformat(row["first_response_due"]) == clock.latest_at
    assert datetime.fromisoformat(row["first_response_target"]) == clock.target_at


@pytest.mark.django_db
def test_an_unknown_brand_is_a_usage_error(shipped_brands):
    with pytest.raises(CommandError) as refused:
        call_command("sla_preview", "--brand", "nope", "--at", "2026-11-25T10:00")
    assert refused.value.returncode == 2
    assert "Unknown brand 'nope'" in str(refused.value)


def test_a_bad_instant_exits_2_with_a_clear_message():
    result = subprocess.run(
        [sys.executable, "manage.py", "sla_preview", "--brand", "crocso", "--at", "yesterday"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        env={"DJANGO_SETTINGS_MODULE": "config.settings.test", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2
    assert "--at 'yesterday' is not an ISO 8601 date and time." in result.stderr
