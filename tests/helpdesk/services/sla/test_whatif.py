"""The what-if replay: a brand's recent clocks recomputed under a draft, live against draft."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from brands.models import PolicyDraft, WhatIfRun
from brands.services import policy_snapshot
from helpdesk.models import Message, SlaClock, SlaEvent, Ticket
from helpdesk.services.sla.whatif import (
    REPLAYED_KINDS,
    recent_clocks,
    replay_clocks,
    whatif_replay,
    whatif_run_start,
)
from helpdesk.services.tickets.lifecycle import (
    ticket_customer_reply,
    ticket_reply,
    ticket_set_status,
)
from tests.factories import TicketFactory, agent_of

CHICAGO = ZoneInfo("America/Chicago")
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=CHICAGO)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=CHICAGO)


def history(brand) -> list[Ticket]:
    """A month of tickets as agents and customers made them: answered early and late, urgent,
    in another language, a complaint, one waiting on the customer for a while, one still open."""
    agent = agent_of(brand)
    # Crocso lists complaints with feedback, not as a category of their own.
    complaint = brand.categories.filter(is_complaint=True).first() or brand.categories.last()
    tickets = []
    for week in range(4):
        start = MONDAY + timedelta(weeks=week)
        plain = TicketFactory(brand=brand, received_at=start)
        ticket_reply(plain, author=agent, body="Here.", at=start + timedelta(hours=40 + week * 8))
        urgent = TicketFactory(brand=brand, received_at=start + timedelta(hours=3), is_urgent=True)
        ticket_reply(urgent, author=agent, body="On it.", at=start + timedelta(hours=13))
        foreign = TicketFactory(brand=brand, received_at=start + timedelta(days=2), language="de")
        ticket_reply(
            foreign, author=agent, body="Hier.", at=start + timedelta(days=4), status="waiting"
        )
        ticket_customer_reply(foreign, body="Danke, und?", received_at=start + timedelta(days=6))
        ticket_reply(foreign, author=agent, body="Gern.", at=start + timedelta(days=9))
        waited = TicketFactory(
            brand=brand,
            received_at=start + timedelta(days=1),
            category=complaint,
            order_number="KS-1",
        )
        ticket_set_status(waited, "waiting", at=start + timedelta(days=1, hours=4))
        ticket_customer_reply(
            waited, body="My order is 123.", received_at=start + timedelta(days=3)
        )
        ticket_reply(
            waited,
            author=agent,
            body="We propose a refund.",
            at=start + timedelta(days=5),
            proposes_resolution=True,
        )
        tickets += [plain, urgent, foreign, waited]
    tickets.append(TicketFactory(brand=brand, received_at=NOW - timedelta(days=3)))
    return tickets


def draft_of(brand, **changes) -> PolicyDraft:
    return PolicyDraft.objects.create(
        brand=brand,
        created_at=NOW,
        updated_at=NOW,
        snapshot=policy_snapshot(brand) | changes,
    )


@pytest.mark.parametrize("slug", ["kendrascottes", "crocso"])
def test_a_draft_equal_to_the_live_policy_gives_every_replayed_clock_its_live_due_time(
    shipped_brands, slug
):
    brand = shipped_brands[slug]
    history(brand)
    stored = SlaClock.objects.filter(ticket__brand=brand, kind__in=REPLAYED_KINDS)

    clocks = recent_clocks(brand, days=60, now=NOW)
    replayed = list(replay_clocks(brand, policy_snapshot(brand), clocks, now=NOW))

    assert len(replayed) == stored.count() > 20
    assert {clock.clock_id: clock.draft_due for clock in replayed} == dict(
        stored.values_list("id", "latest_at")
    )
    assert all(clock.live_due == clock.draft_due for clock in replayed)


def test_a_shorter_urgent_promise_breaches_the_urgent_tickets_answered_after_it(kendrascottes):
    tickets = history(kendrascottes)

    result = whatif_replay(
        draft_of(kendrascottes, **{"policy.urgent_latest_hours": "8"}), days=60, now=NOW
    )

    urgent = [t for t in tickets if t.is_urgent]  # each answered 10 business hours in
    assert result["compliance"]["urgent"] == {"live": [4, 4], "draft": [0, 4]}
    assert result["newly_breaching_count"] == 4
    assert {row["reference"] for row in result["newly_breaching"]} == {t.reference for t in urgent}
    assert result["no_longer_breaching_count"] == 0
    assert (
        result["due_hours"]["urgent"]["draft"]["median"]
        < (result["due_hours"]["urgent"]["live"]["median"])
    )
    assert result["compliance"]["first_response"] == {
        "live": result["compliance"]["first_response"]["live"],
        "draft": result["compliance"]["first_response"]["live"],
    }


def test_a_longer_first_response_promise_stops_late_answers_breaching(kendrascottes):
    history(kendrascottes)

    result = whatif_replay(
        draft_of(kendrascottes, **{"policy.first_response_latest_hours": "72"}), days=60, now=NOW
    )

    assert result["no_longer_breaching_count"] > 0
    assert result["breaching_tickets"]["draft"] < result["breaching_tickets"]["live"]
    assert sum(result["due_by_week_hour"]["draft"].values()) == result["clocks"]


def test_a_run_stores_its_result_and_leaves_no_trace_on_tickets_clocks_or_events(
    kendrascottes, django_capture_on_commit_callbacks
):
    history(kendrascottes)
    draft = draft_of(kendrascottes, **{"policy.urgent_latest_hours": "4"})

    def state() -> list:
        return [
            list(model.objects.order_by("pk").values())
            for model in (Ticket, SlaClock, SlaEvent, Message)
        ]

    before = state()
    with django_capture_on_commit_callbacks(execute=True):  # the task runs eagerly
        run = whatif_run_start(draft, days=365, user=None)

    run.refresh_from_db()
    assert run.status == WhatIfRun.Status.DONE
    assert run.done_count == run.total_count == run.result["clocks"] > 0
    assert run.result["newly_breaching_count"] == 4
    assert state() == before
