"""Reports: figures on a hand-built week of Kendrascottes tickets whose answers are known."""

import csv
import io
import json
import os
import subprocess
import sys
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from brands.models import BrandMembership
from helpdesk.models import Feedback, SlaClock, SlaEvent, Ticket
from helpdesk.selectors.reports import ReportPeriod, brand_report, percentile, report_csv_rows
from helpdesk.services.tickets.lifecycle import (
    ticket_customer_reply,
    ticket_escalate,
    ticket_reply,
    ticket_set_status,
)
from tests.factories import SlaEventFactory, TicketFactory, UserFactory, agent_of

CHICAGO = ZoneInfo("America/Chicago")
WEEK = ReportPeriod(date(2026, 11, 9), date(2026, 11, 13))  # Monday to Friday
REPORTS_URL = "/admin/reports/"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=CHICAGO)


@pytest.fixture
def week(kendrascottes, crocso) -> dict[str, Ticket]:
    """Kendrascottes, open all day Monday to Friday, 24/48 business hours to answer.

    First replies in business hours: t1 6, t2 8, t3 18 (over the weekend), t5 36, t4 60;
    t6 is unanswered. t0 arrived the week before, t7 on the Sunday before (late evening, which
    is already Monday in UTC), and a Crocso ticket: none of them were opened in the week.
    """
    agent = agent_of(kendrascottes)
    t = {
        "t0": TicketFactory(brand=kendrascottes, received_at=at(6, 15)),
        "t1": TicketFactory(brand=kendrascottes, received_at=at(9, 10)),
        "t2": TicketFactory(brand=kendrascottes, received_at=at(9, 12)),
        "t4": TicketFactory(brand=kendrascottes, received_at=at(9, 9)),
        "t5": TicketFactory(brand=kendrascottes, received_at=at(10, 10)),
        "t3": TicketFactory(brand=kendrascottes, received_at=at(13, 15)),
        "t6": TicketFactory(brand=kendrascottes, received_at=at(13, 23, 30)),
        "t7": TicketFactory(brand=kendrascottes, received_at=at(8, 23, 30)),
    }
    TicketFactory(brand=crocso, received_at=at(10, 10))
    # t0: one reply that resolves it, inside the week: first-contact resolution.
    ticket_reply(t["t0"], author=agent, body="Done", status="resolved", at=at(9, 10))
    # t1: 6 business hours, resolved by that one reply.
    ticket_reply(t["t1"], author=agent, body="Done", status="resolved", at=at(9, 16))
    # t2: 8 business hours, then the customer writes again and a second reply resolves it.
    ticket_reply(t["t2"], author=agent, body="Which size?", status="waiting", at=at(9, 20))
    ticket_customer_reply(t["t2"], body="Size 7", received_at=at(10, 9))
    ticket_reply(t["t2"], author=agent, body="Sent", status="resolved", at=at(10, 10))
    # t3: Friday 15:00 to Monday 09:00 is 18 business hours (the weekend does not count).
    ticket_reply(t["t3"], author=agent, body="On it", at=at(16, 9))
    # t4: 60 business hours, past the latest time; t5: 36, past the target only.
    ticket_reply(t["t4"], author=agent, body="Sorry", at=at(11, 21))
    ticket_reply(t["t5"], author=agent, body="Here", at=at(11, 22))
    # t5 is resolved on Saturday: after the week.
    ticket_set_status(t["t5"], Ticket.Status.RESOLVED, at=at(14, 10))
    for name, rating, day in (("t0", 5, 10), ("t1", 4, 11), ("t2", 2, 12), ("t5", 1, 20)):
        Feedback.objects.create(ticket=t[name], rating=rating, created_at=at(day, 12))
    # Breaches: t4's first response (due Wednesday) at tier 1 and a tier-2 window on t6;
    # neither a warning nor a breach due after the week counts.
    t4_clock = t["t4"].clocks.get(kind=SlaClock.Kind.FIRST_RESPONSE)
    ticket_escalate(t["t6"], at=at(13, 23, 40), actor=agent)
    t6_tier = t["t6"].clocks.get(kind=SlaClock.Kind.TIER_RESPONSE)
    for clock, kind, due, tier in (
        (t4_clock, SlaEvent.Kind.BREACH, t4_clock.latest_at, 1),
        (t4_clock, SlaEvent.Kind.WARNING, t4_clock.target_at, 1),
        (t6_tier, SlaEvent.Kind.BREACH, at(13, 12), 2),
        (t6_tier, SlaEvent.Kind.BREACH, at(16, 12), 2),
    ):
        SlaEventFactory(clock=clock, kind=kind, due_at=due, tier=tier, created_at=due)
    return t


EXPECTED = {
    "brand": "kendrascottes",
    "since": "2026-11-09",
    "until": "2026-11-13",
    "time_zone": "America/Chicago",
    "tickets": {"opened": 6, "resolved": 3},
    "first_response": {
        "answered": 5,
        "unanswered": 1,
        # 6, 8, 18, 36, 60: the middle one, and 36 + 0.6 x (60 - 36).
        "median_business_hours": 18.0,
        "p90_business_hours": 50.4,
        "measured": 5,
        "within_target": 3,
        "within_latest": 4,
        "within_target_share": 0.6,
        "within_latest_share": 0.8,
    },
    # t2's customer wrote while we waited on them and was answered an hour later.
    "next_reply": {
        "started": 1,
        "answered": 1,
        "unanswered": 0,
        "median_business_hours": 1.0,
        "within_target": 1,
        "within_latest": 1,
        "within_target_share": 1.0,
        "within_latest_share": 1.0,
    },
    "breaches": {
        "total": 2,
        "by_clock_and_tier": [
            {"clock": "first_response", "label": "First response", "tier": 1, "count": 1},
            {"clock": "tier_response", "label": "Escalation tier response", "tier": 2, "count": 1},
        ],
    },
    # t0 and t1 with one reply each, t2 with two; t5 was resolved after the week.
    "first_contact_resolution": {"resolved": 3, "with_one_agent_reply": 2, "rate": 0.6667},
    "satisfaction": {
        "responses": 3,
        "average": 3.67,
        "distribution": {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1},
    },
}


@pytest.mark.django_db
def test_the_report_figures_match_the_hand_built_week(kendrascottes, week):
    report = brand_report(kendrascottes, WEEK)

    assert {key: value for key, value in report.items() if key != "daily"} == EXPECTED


@pytest.mark.django_db
def test_tickets_count_on_the_brands_local_day(kendrascottes, week):
    report = brand_report(kendrascottes, WEEK)

    # t6 arrived Friday 23:30 in Chicago (Saturday in UTC) and counts on Friday; t7 arrived
    # Sunday 23:30 (Monday in UTC) and is not in the week at all.
    assert report["daily"] == [
        {"date": "2026-11-09", "opened": 3, "resolved": 2},
        {"date": "2026-11-10", "opened": 1, "resolved": 1},
        {"date": "2026-11-11", "opened": 0, "resolved": 0},
        {"date": "2026-11-12", "opened": 0, "resolved": 0},
        {"date": "2026-11-13", "opened": 2, "resolved": 0},
    ]


@pytest.mark.django_db
def test_an_empty_period_has_no_times_or_shares_rather_than_zeros(kendrascottes):
    report = brand_report(kendrascottes, WEEK)

    assert report["tickets"] == {"opened": 0, "resolved": 0}
    assert report["first_response"]["median_business_hours"] is None
    assert report["first_response"]["within_target_share"] is None
    assert report["first_contact_resolution"]["rate"] is None
    assert report["satisfaction"]["average"] is None


def test_percentiles_interpolate_between_the_closest_ranks():
    assert percentile([1, 2, 3, 4], 0.5) == 2.5
    assert percentile([6, 8, 18, 36, 60], 0.9) == pytest.approx(50.4)
    assert percentile([7], 0.9) == 7
    assert percentile([], 0.5) is None


def test_a_period_ending_before_it_starts_or_longer_than_a_year_is_refused():
    with pytest.raises(ValueError, match="before its start"):
        ReportPeriod(date(2026, 11, 13), date(2026, 11, 9))
    with pytest.raises(ValueError, match="at most 366 days"):
        ReportPeriod(date(2025, 1, 1), date(2026, 11, 9))


def csv_cells(text: str) -> dict[tuple[str, str], str]:
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["brand", "since", "until", "metric", "breakdown", "value"]
    assert {tuple(row[:3]) for row in rows[1:]} == {("kendrascottes", "2026-11-09", "2026-11-13")}
    return {(row[3], row[4]): row[5] for row in rows[1:]}


@pytest.mark.django_db
def test_the_csv_download_holds_every_figure(client, kendrascottes, week):
    client.force_login(agent_of(kendrascottes, BrandMembership.Role.SENIOR))

    response = client.get(
        f"{REPORTS_URL}report.csv",
        {"brand": "kendrascottes", "since": "2026-11-09", "until": "2026-11-13"},
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "kendrascottes-report-2026-11-09-2026-11-13.csv" in response["Content-Disposition"]
    cells = csv_cells(response.content.decode())
    assert cells[("tickets_opened", "")] == "6"
    assert cells[("tickets_resolved", "")] == "3"
    assert cells[("first_response_median_business_hours", "")] == "18.0"
    assert cells[("first_response_p90_business_hours", "")] == "50.4"
    assert cells[("first_response_within_target_share", "")] == "0.6"
    assert cells[("first_response_within_latest_share", "")] == "0.8"
    assert cells[("breaches", "total")] == "2"
    assert cells[("breaches", "first_response tier 1")] == "1"
    assert cells[("breaches", "tier_response tier 2")] == "1"
    assert cells[("first_contact_resolution_rate", "")] == "0.6667"
    assert cells[("satisfaction_average", "")] == "3.67"
    assert cells[("satisfaction_ratings", "2 stars")] == "1"
    assert cells[("satisfaction_ratings", "3 stars")] == "0"
    assert cells[("opened_per_day", "2026-11-13")] == "2"
    assert cells[("resolved_per_day", "2026-11-09")] == "2"


def test_missing_figures_are_empty_cells_in_the_csv():
    report = {
        "brand": "b",
        "since": "2026-11-09",
        "until": "2026-11-09",
        "tickets": {"opened": 0, "resolved": 0},
        "daily": [],
        "first_response": {
            "answered": 0,
            "unanswered": 0,
            "median_business_hours": None,
            "p90_business_hours": None,
            "within_target_share": None,
            "within_latest_share": None,
        },
        "next_reply": {
            "started": 0,
            "answered": 0,
            "unanswered": 0,
            "median_business_hours": None,
            "within_target_share": None,
            "within_latest_share": None,
        },
        "breaches": {"total": 0, "by_clock_and_tier": []},
        "first_contact_resolution": {"resolved": 0, "with_one_agent_reply": 0, "rate": None},
        "satisfaction": {"responses": 0, "average": None, "distribution": {"5": 0}},
    }
    rows = {row[3]: row[5] for row in report_csv_rows(report)[1:]}

    assert rows["first_response_median_business_hours"] == ""
    assert rows["next_reply_within_target_share"] == ""
    assert rows["first_contact_resolution_rate"] == ""
    assert rows["tickets_opened"] == 0


@pytest.mark.django_db
def test_the_admin_report_page_draws_the_charts(client, kendrascottes, week):
    client.force_login(agent_of(kendrascottes, username="reader"))

    response = client.get(
        REPORTS_URL, {"brand": "kendrascottes", "since": "2026-11-09", "until": "2026-11-13"}
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert content.count('<figure class="chart"><figcaption>') == 6
    assert "Tickets opened (6) and resolved (3) per day" in content
    assert "Breaches by clock and tier (2)" in content
    assert "Escalation tier response, tier 2" in content
    assert "target 24 h" in content and "latest 48 h" in content
    assert "Download CSV" in content and "report.csv?brand=kendrascottes" in content


@pytest.mark.django_db
def test_the_report_page_is_in_its_brands_time_zone(client, kendrascottes, crocso, week):
    # An owner of both brands (Chicago and Denver) sees other admin pages in UTC.
    owner = agent_of(kendrascottes, BrandMembership.Role.OWNER)
    BrandMembership.objects.create(brand=crocso, user=owner, role=BrandMembership.Role.OWNER)
    client.force_login(owner)

    report = client.get(REPORTS_URL, {"brand": "crocso"}).content.decode()
    versions = client.get("/admin/brands/policyversion/").content.decode()

    assert "Times in America/Denver" in report
    assert "Times in UTC" in versions


@pytest.mark.django_db
def test_an_owner_who_is_not_an_agent_gets_the_report_of_their_brand(client, kendrascottes, week):
    client.force_login(agent_of(kendrascottes, BrandMembership.Role.OWNER))

    response = client.get(REPORTS_URL, {"since": "2026-11-09", "until": "2026-11-13"})

    assert response.status_code == 200
    assert response.context["report"]["tickets"]["opened"] == 6


@pytest.mark.django_db
def test_reports_offer_and_show_only_the_users_brands(client, kendrascottes, crocso, week):
    client.force_login(agent_of(crocso))

    page = client.get(REPORTS_URL)
    foreign = client.get(
        f"{REPORTS_URL}report.csv",
        {"brand": "kendrascottes", "since": "2026-11-09", "until": "2026-11-13"},
    )

    assert list(page.context["form"].fields["brand"].queryset) == [crocso]
    assert page.context["report"]["brand"] == "crocso"
    assert foreign.status_code == 400
    assert b"brand" in foreign.content and b"tickets_opened" not in foreign.content


@pytest.mark.django_db
def test_reports_are_refused_to_staff_without_a_brand(client, shipped_brands):
    client.force_login(UserFactory(username="nobody"))

    assert client.get(REPORTS_URL).status_code == 403
    assert client.get(f"{REPORTS_URL}report.csv").status_code == 403


@pytest.mark.django_db
def test_sla_report_prints_the_report_as_json(kendrascottes, week):
    out = io.StringIO()

    call_command(
        "sla_report",
        "--brand",
        "kendrascottes",
        "--since",
        "2026-11-09",
        "--until",
        "2026-11-13",
        stdout=out,
    )

    printed = json.loads(out.getvalue())
    assert {key: value for key, value in printed.items() if key != "daily"} == EXPECTED
    assert len(printed["daily"]) == 5


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--brand", "nope", "--since", "2026-11-09"], "Unknown brand 'nope'"),
        (["--brand", "crocso", "--since", "09/11/2026"], "--since '09/11/2026' is not a date"),
        (["--brand", "crocso", "--since", "2026-11-09", "--until", "2026-11-01"], "before"),
    ],
)
def test_sla_report_refuses_bad_arguments_with_exit_status_2(shipped_brands, arguments, message):
    with pytest.raises(CommandError, match=message) as refused:
        call_command("sla_report", *arguments)

    assert refused.value.returncode == 2


def test_sla_report_exits_2_from_the_shell_on_a_bad_date():
    environment = {
        **os.environ,
        "SECRET_KEY": "x",
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }

    finished = subprocess.run(
        [sys.executable, "manage.py", "sla_report", "--brand", "crocso", "--since", "soon"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert finished.returncode == 2
    assert "--since 'soon' is not a date" in finished.stderr
