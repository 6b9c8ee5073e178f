"""Next-reply compliance in the report, beside the first response's."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from helpdesk.selectors.reports import ReportPeriod, brand_report, report_csv_rows
from helpdesk.services.tickets.lifecycle import ticket_customer_reply, ticket_reply
from tests.factories import TicketFactory, agent_of

CHICAGO = ZoneInfo("America/Chicago")
WEEK = ReportPeriod(date(2026, 11, 9), date(2026, 11, 13))  # Monday to Friday


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=CHICAGO)


@pytest.fixture
def follow_ups(kendrascottes):
    """Three customer messages after our answers: one answered in 2 business hours, one in 30
    (past the 24-hour target, within the 48-hour latest), and one not answered yet."""
    agent = agent_of(kendrascottes)
    fast = TicketFactory(brand=kendrascottes, received_at=at(9, 9))
    ticket_reply(fast, author=agent, body="Here", at=at(9, 10))
    ticket_customer_reply(fast, body="Thanks, and?", received_at=at(9, 12))
    ticket_reply(fast, author=agent, body="Also here", at=at(9, 14))

    slow = TicketFactory(brand=kendrascottes, received_at=at(10, 9))
    ticket_reply(slow, author=agent, body="Here", at=at(10, 10))
    ticket_customer_reply(slow, body="Thanks, and?", received_at=at(10, 12))
    ticket_customer_reply(slow, body="Hello?", received_at=at(11, 9))  # the same clock
    ticket_reply(slow, author=agent, body="Sorry", at=at(11, 18))

    waiting = TicketFactory(brand=kendrascottes, received_at=at(12, 9))
    ticket_reply(waiting, author=agent, body="Which size?", status="waiting", at=at(12, 10))
    ticket_customer_reply(waiting, body="Size 7", received_at=at(13, 9))


@pytest.mark.django_db
def test_the_report_shows_next_reply_compliance_beside_the_first_responses(
    kendrascottes, follow_ups
):
    report = brand_report(kendrascottes, WEEK)

    assert report["next_reply"] == {
        "started": 3,
        "answered": 2,
        "unanswered": 1,
        "median_business_hours": 16.0,
        "within_target": 1,
        "within_latest": 2,
        "within_target_share": 0.5,
        "within_latest_share": 1.0,
    }
    # The first responses, each within an hour, are counted apart.
    assert report["first_response"]["within_target_share"] == 1.0
    rows = {row[3]: row[5] for row in report_csv_rows(report)[1:]}
    assert rows["next_reply_within_target_share"] == 0.5
    assert rows["next_reply_within_latest_share"] == 1.0
    assert rows["next_reply_unanswered"] == 1


@pytest.mark.django_db
def test_the_admin_report_page_shows_next_replies_in_time(client, kendrascottes, follow_ups):
    client.force_login(agent_of(kendrascottes, username="reader"))

    content = client.get(
        "/admin/reports/", {"brand": "kendrascottes", "since": "2026-11-09", "until": "2026-11-13"}
    ).content.decode()

    assert "Next reply within target" in content
    assert "2 next replies measured" in content
    csv = client.get(
        "/admin/reports/report.csv",
        {"brand": "kendrascottes", "since": "2026-11-09", "until": "2026-11-13"},
    ).content.decode()
    assert "next_reply_within_latest_share,,1.0" in csv
