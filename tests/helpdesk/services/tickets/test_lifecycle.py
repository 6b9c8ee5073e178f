import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from brands.models import PeakPeriod
from helpdesk.errors import ApplicationError
from helpdesk.models import Ticket
from helpdesk.services.tickets.lifecycle import ticket_set_status
from tests.factories import TicketFactory, first_response

CHICAGO = ZoneInfo("America/Chicago")
DENVER = ZoneInfo("America/Denver")
# Wednesday before Thanksgiving 2026, 10:00 in Chicago (09:00 in Denver).
BEFORE_THANKSGIVING = datetime(2026, 11, 25, 10, 0, tzinfo=CHICAGO)


@pytest.mark.django_db
def test_references_count_per_brand(kendrascottes, crocso):
    refs = [
        TicketFactory(brand=b, received_at=BEFORE_THANKSGIVING).reference
        for b in (kendrascottes, kendrascottes, crocso)
    ]
    assert refs == ["KS-000001", "KS-000002", "CR-000001"]


@pytest.mark.django_db
def test_both_brands_promise_the_monday_after_thanksgiving(kendrascottes, crocso):
    ks, cr = (
        first_response(TicketFactory(brand=kendrascottes, received_at=BEFORE_THANKSGIVING)),
        first_response(TicketFactory(brand=crocso, received_at=BEFORE_THANKSGIVING)),
    )
    assert ks.target_at == datetime(2026, 11, 27, 10, 0, tzinfo=CHICAGO)
    assert ks.latest_at == datetime(2026, 11, 30, 10, 0, tzinfo=CHICAGO)
    assert cr.target_at == datetime(2026, 11, 27, 9, 0, tzinfo=DENVER)
    assert cr.latest_at == datetime(2026, 11, 30, 9, 0, tzinfo=DENVER)
    assert ks.next_check_at == ks.target_at


@pytest.mark.django_db
def test_urgent_kendrascottes_gets_twelve_business_hours_warning_at_three_quarters(kendrascottes):
    clock = first_response(
        TicketFactory(brand=kendrascottes, received_at=BEFORE_THANKSGIVING, is_urgent=True)
    )
    assert clock.mode == "business"
    assert clock.latest_at == datetime(2026, 11, 25, 22, 0, tzinfo=CHICAGO)
    assert clock.target_at == datetime(2026, 11, 25, 19, 0, tzinfo=CHICAGO)


@pytest.mark.django_db
def test_urgent_crocso_gets_twenty_four_calendar_hours_through_the_holiday(crocso):
    clock = first_response(
        TicketFactory(brand=crocso, received_at=BEFORE_THANKSGIVING, is_urgent=True)
    )
    assert clock.mode == "calendar"
    assert clock.latest_at == datetime(2026, 11, 26, 9, 0, tzinfo=DENVER)
    assert clock.target_at == datetime(2026, 11, 26, 3, 0, tzinfo=DENVER)


@pytest.mark.django_db
def test_an_urgent_category_gets_the_urgent_rule(kendrascottes):
    category = kendrascottes.categories.get(slug="shipping")
    category.is_urgent = True
    category.save()
    ticket = TicketFactory(
        brand=kendrascottes, received_at=BEFORE_THANKSGIVING, category=category, order_number="A1"
    )
    assert ticket.is_urgent
    assert first_response(ticket).latest_at == datetime(2026, 11, 25, 22, 0, tzinfo=CHICAGO)


@pytest.mark.django_db
def test_another_language_adds_a_business_day_and_flags_translation(kendrascottes):
    ticket = TicketFactory(brand=kendrascottes, received_at=BEFORE_THANKSGIVING, language="fr")
    assert ticket.needs_translation
    clock = first_response(ticket)
    assert clock.target_at == datetime(2026, 11, 30, 10, 0, tzinfo=CHICAGO)
    assert clock.latest_at == datetime(2026, 12, 1, 10, 0, tzinfo=CHICAGO)


@pytest.mark.django_db
def test_a_regional_variant_of_the_brand_language_is_not_foreign(kendrascottes):
    ticket = TicketFactory(brand=kendrascottes, received_at=BEFORE_THANKSGIVING, language="en-GB")
    assert not ticket.needs_translation
    assert first_response(ticket).latest_at == datetime(2026, 11, 30, 10, 0, tzinfo=CHICAGO)


@pytest.mark.django_db
def test_a_peak_period_extends_clocks_started_inside_it(crocso):
    PeakPeriod.objects.create(
        brand=crocso,
        name="Black Friday sale",
        starts_on="2026-11-24",
        ends_on="2026-11-30",
        extension_hours=24,
    )
    inside = first_response(TicketFactory(brand=crocso, received_at=BEFORE_THANKSGIVING))
    after = first_response(
        TicketFactory(brand=crocso, received_at=datetime(2026, 12, 1, 9, 0, tzinfo=DENVER))
    )
    assert inside.latest_at == datetime(2026, 12, 1, 9, 0, tzinfo=DENVER)
    assert after.latest_at == datetime(2026, 12, 3, 9, 0, tzinfo=DENVER)


@pytest.mark.django_db
def test_waiting_on_the_customer_pauses_and_replying_resumes_with_the_time_left(kendrascottes):
    monday = datetime(2026, 11, 9, 10, 0, tzinfo=CHICAGO)
    ticket = TicketFactory(brand=kendrascottes, received_at=monday)
    ticket_set_status(
        ticket, Ticket.Status.WAITING, at=datetime(2026, 11, 9, 16, 0, tzinfo=CHICAGO)
    )
    paused = first_response(ticket)
    assert paused.state == "paused"
    assert paused.elapsed_seconds == 6 * 3600
    assert paused.next_check_at is None

    ticket_set_status(ticket, Ticket.Status.OPEN, at=datetime(2026, 11, 11, 10, 0, tzinfo=CHICAGO))
    resumed = first_response(ticket)
    assert resumed.state == "running"
    assert resumed.target_at == datetime(2026, 11, 12, 4, 0, tzinfo=CHICAGO)
    assert resumed.latest_at == datetime(2026, 11, 13, 4, 0, tzinfo=CHICAGO)
    assert resumed.next_check_at == resumed.target_at


@pytest.mark.django_db
def test_a_pause_over_a_weekend_gives_back_no_more_than_was_left(kendrascottes):
    friday = datetime(2026, 11, 13, 12, 0, tzinfo=CHICAGO)
    ticket = TicketFactory(brand=kendrascottes, received_at=friday)
    ticket_set_status(
        ticket, Ticket.Status.WAITING, at=datetime(2026, 11, 14, 9, 0, tzinfo=CHICAGO)
    )
    ticket_set_status(ticket, Ticket.Status.OPEN, at=datetime(2026, 11, 15, 20, 0, tzinfo=CHICAGO))
    clock = first_response(ticket)
    # 12 hours used on Friday, so 12 of the target's 24 are left from Monday 00:00.
    assert clock.elapsed_seconds == 12 * 3600
    assert clock.target_at == datetime(2026, 11, 16, 12, 0, tzinfo=CHICAGO)


@pytest.mark.django_db
def test_resolving_stops_every_clock(kendrascottes):
    ticket = TicketFactory(brand=kendrascottes, received_at=BEFORE_THANKSGIVING)
    ticket_set_status(
        ticket, Ticket.Status.RESOLVED, at=datetime(2026, 11, 25, 12, 0, tzinfo=CHICAGO)
    )
    clock = first_response(ticket)
    assert (clock.state, clock.next_check_at) == ("stopped", None)
    ticket.refresh_from_db()
    assert ticket.resolved_at == datetime(2026, 11, 25, 12, 0, tzinfo=CHICAGO)


@pytest.mark.django_db
def test_the_ticket_records_the_policy_version_its_clocks_came_from(kendrascottes):
    ticket = TicketFactory(brand=kendrascottes, received_at=BEFORE_THANKSGIVING)
    assert ticket.policy_version == kendrascottes.policy_versions.get(number=1)


@pytest.mark.django_db
def test_a_category_needing_an_order_number_refuses_a_ticket_without_one(kendrascottes):
    with pytest.raises(ApplicationError) as refused:
        TicketFactory(
            brand=kendrascottes,
            received_at=BEFORE_THANKSGIVING,
            category=kendrascottes.categories.get(slug="complaint"),
        )
    assert "order_number" in refused.value.fields
    assert not Ticket.objects.exists()


@pytest.mark.django_db
def test_another_brands_category_is_refused(kendrascottes, crocso):
    with pytest.raises(ApplicationError) as refused:
        TicketFactory(
            brand=kendrascottes,
            received_at=BEFORE_THANKSGIVING,
            category=crocso.categories.get(slug="account"),
        )
    assert "category" in refused.value.fields


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_concurrent_creation_hands_out_distinct_references(kendrascottes):
    references, errors = [], []

    def create() -> None:
        try:
            references.append(
                TicketFactory(brand=kendrascottes, received_at=BEFORE_THANKSGIVING).reference
            )
        except Exception as error:  # collected so the assertion shows it
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(references) == [f"KS-{n:06d}" for n in range(1, 9)]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the sequence is PostgreSQL's")
def test_a_lost_number_sequence_continues_after_the_numbers_already_used(kendrascottes):
    TicketFactory(brand=kendrascottes, received_at=BEFORE_THANKSGIVING)
    TicketFactory(brand=kendrascottes, received_at=BEFORE_THANKSGIVING)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SEQUENCE {kendrascottes.ticket_number_sequence}")
    assert (
        TicketFactory(brand=kendrascottes, received_at=BEFORE_THANKSGIVING).reference == "KS-000003"
    )
    assert (
        TicketFactory(brand=kendrascottes, received_at=BEFORE_THANKSGIVING).reference == "KS-000004"
    )


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the sequence is PostgreSQL's")
def test_a_brand_has_its_number_sequence_from_creation_and_numbering_runs_no_ddl(kendrascottes):
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [kendrascottes.ticket_number_sequence])
        assert cursor.fetchone()[0] is True
    with CaptureQueriesContext(connection) as queries:
        first = TicketFactory(brand=kendrascottes, received_at=BEFORE_THANKSGIVING)
    assert first.reference == "KS-000001"
    statements = " ".join(query["sql"].upper() for query in queries.captured_queries)
    assert "CREATE " not in statements and "DROP " not in statements
