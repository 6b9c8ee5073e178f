"""One home per rule: breached and in warning, the next tier, who may be assigned, and who
escalated. Each rule is asked of its one function, and every place that shows it agrees."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from brands.models import Brand
from brands.selectors import brand_staff
from helpdesk.errors import ApplicationError
from helpdesk.models import (
    BREACHED,
    IN_WARNING,
    ON_TRACK,
    SlaClock,
    SlaEvent,
    Ticket,
    deadline_state,
)
from helpdesk.selectors.staff import sla_status_counts, staff_tickets
from helpdesk.services.sla.tiers import next_tier
from helpdesk.services.tickets.lifecycle import (
    ticket_assign,
    ticket_escalate,
    ticket_set_status,
)
from tests.factories import SlaClockFactory, TicketFactory, UserFactory, agent_of

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.mark.parametrize(
    ("target", "latest", "breached_at", "running", "state"),
    [
        (NOW + HOUR, NOW + 2 * HOUR, None, True, ON_TRACK),
        (NOW - HOUR, NOW + HOUR, None, True, IN_WARNING),
        (NOW - HOUR, NOW + HOUR, None, False, ON_TRACK),  # paused: its time does not run
        (NOW - 2 * HOUR, NOW, None, True, BREACHED),  # the latest instant itself is a breach
        (NOW - 2 * HOUR, NOW - HOUR, None, False, BREACHED),  # paused after its latest
        (NOW + HOUR, NOW + 2 * HOUR, NOW - HOUR, True, BREACHED),  # marked, then recomputed
    ],
)
def test_deadline_state_is_breached_from_the_latest_instant_and_warns_only_while_running(
    target, latest, breached_at, running, state
):
    assert deadline_state(target, latest, NOW, breached_at=breached_at, running=running) == state


@pytest.fixture
def three_tickets(kendrascottes):
    """One breached, one in warning, one in warning but paused on the customer."""
    now = timezone.now()
    breached, warning, paused = (
        TicketFactory(brand=kendrascottes, received_at=now) for _ in range(3)
    )
    clock = SlaClock.objects.filter(kind=SlaClock.Kind.FIRST_RESPONSE)
    clock.filter(ticket=breached).update(target_at=now - 2 * HOUR, latest_at=now - HOUR)
    clock.filter(ticket__in=[warning, paused]).update(
        target_at=now - HOUR, latest_at=now + 5 * HOUR
    )
    ticket_set_status(paused, Ticket.Status.WAITING, notify=False)
    return breached, warning, paused


@pytest.mark.django_db
def test_sql_and_python_agree_on_every_clock(three_tickets):
    warning = three_tickets[1]
    # Other promises' clocks too: a complaint's proposal already past its latest instant.
    SlaClockFactory(ticket=warning, started_at=timezone.now() - timedelta(days=30))
    now = timezone.now()
    clocks = list(SlaClock.objects.live())
    assert {c.pk for c in clocks if c.deadline_state(now) == BREACHED} == set(
        SlaClock.objects.live().breached(now).values_list("pk", flat=True)
    )
    assert {c.pk for c in clocks if c.deadline_state(now) == IN_WARNING} == set(
        SlaClock.objects.live().in_warning(now).values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_the_admin_filter_the_staff_api_and_the_status_counts_agree(
    client, kendrascottes, three_tickets
):
    breached, warning, paused = three_tickets
    agent = agent_of(kendrascottes)
    client.force_login(agent)
    page = client.get("/admin/helpdesk/ticket/?sla=breached").content.decode()
    assert breached.reference in page and warning.reference not in page
    page = client.get("/admin/helpdesk/ticket/?sla=due_soon").content.decode()
    assert warning.reference in page
    assert breached.reference not in page and paused.reference not in page
    flagged = {t.reference for t in staff_tickets(agent).filter(breached=True)}
    assert flagged == {breached.reference}
    brands = Brand.objects.filter(pk=kendrascottes.pk)
    counts = sla_status_counts(brands, timezone.now())
    assert counts["kendrascottes"] == {"breached": 1, "due_soon": 1, "waiting": 1, "on_track": 0}


@pytest.mark.django_db
def test_the_next_tier_is_the_brands_next_level_and_none_at_the_top(kendrascottes):
    levels = sorted(kendrascottes.tiers.values_list("level", flat=True))
    assert next_tier(kendrascottes, levels[0]) == levels[1]
    assert next_tier(kendrascottes, levels[-1]) is None


@pytest.mark.django_db
def test_the_ticket_page_offers_escalation_to_the_next_tier_only_below_the_top(
    client, kendrascottes
):
    ticket = TicketFactory(brand=kendrascottes, received_at=timezone.now())
    client.force_login(agent_of(kendrascottes, role="senior"))
    url = f"/admin/helpdesk/ticket/{ticket.pk}/change/"
    assert "Escalate to tier 2" in client.get(url).content.decode()
    ticket_escalate(ticket)
    assert "Escalate to tier" not in client.get(url).content.decode()


@pytest.mark.django_db
def test_who_escalated_is_recorded_for_staff_and_left_empty_for_the_customer(client, kendrascottes):
    by_agent, by_customer = (
        TicketFactory(brand=kendrascottes, received_at=timezone.now()) for _ in range(2)
    )
    agent = agent_of(kendrascottes)
    client.force_login(agent)
    assert client.post(f"/admin/helpdesk/ticket/{by_agent.pk}/escalate/").status_code == 302
    ticket_escalate(by_customer, by_customer=True)
    events = {e.ticket_id: e for e in SlaEvent.objects.filter(kind=SlaEvent.Kind.ESCALATION)}
    assert events[by_agent.pk].actor == agent
    assert (events[by_customer.pk].actor, events[by_customer.pk].detail) == (None, "on request")


@pytest.mark.django_db
def test_ticket_assign_accepts_exactly_the_brands_staff_the_admin_offers(kendrascottes, crocso):
    ticket = TicketFactory(brand=kendrascottes, received_at=timezone.now())
    ours, theirs = agent_of(kendrascottes), agent_of(crocso)
    gone = agent_of(kendrascottes, username="gone", is_active=False)
    owner_only = agent_of(kendrascottes, role="owner", username="owner-only")
    root = UserFactory(username="root", is_superuser=True)
    offered = set(brand_staff([kendrascottes.pk]))
    for person in (ours, theirs, gone, owner_only, root):
        if person in offered:
            assert ticket_assign(ticket, person).assignee == person
        else:
            with pytest.raises(ApplicationError):
                ticket_assign(ticket, person)
    assert offered == {ours, root}
