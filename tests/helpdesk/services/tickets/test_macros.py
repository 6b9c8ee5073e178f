"""Macros filled in for a ticket, and what applying one sets."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from brands.promises import promise_text
from helpdesk.errors import ApplicationError
from helpdesk.models import Macro, OutboundEmail
from helpdesk.services.tickets.composer import composer_reply_send
from helpdesk.services.tickets.macros import (
    macro_apply,
    macro_placeholders_unknown,
    macro_render,
    placeholder_markers_left,
)
from helpdesk.services.tickets.tags import ticket_tags_set
from tests.factories import TicketFactory, agent_of, first_response

CHICAGO = ZoneInfo("America/Chicago")
MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=CHICAGO)


@pytest.mark.django_db
def test_a_macro_fills_in_the_customer_the_reference_the_promise_and_the_agent(kendrascottes):
    kim = agent_of(kendrascottes, username="kim", first_name="Kim", last_name="Lee")
    ticket = TicketFactory(brand=kendrascottes, customer_name="Ann")
    macro = Macro.objects.create(
        brand=kendrascottes,
        name="Looking into it",
        body="Hello {customer_name}, about {reference}: you hear from us by {promised_time}. "
        "{agent_name} of {brand_name}. {unknown} {customer_name.__class__} stay as written.",
    )

    text = macro_render(macro, ticket, kim)

    due = promise_text(first_response(ticket).latest_at, kendrascottes.time_zone)
    assert text == (
        f"Hello Ann, about {ticket.reference}: you hear from us by {due}. "
        "Kim Lee of Kendrascottes. {unknown} {customer_name.__class__} stay as written."
    )
    assert macro_placeholders_unknown(macro.body) == ["unknown"]


@pytest.mark.django_db
def test_a_placeholder_the_ticket_has_no_value_for_is_left_as_a_blank_to_fill_in(kendrascottes):
    kim = agent_of(kendrascottes, username="kim")
    ticket = TicketFactory(brand=kendrascottes, customer_name="Ann", order_number="")
    macro = Macro.objects.create(
        brand=kendrascottes, name="Order", body="About order {order_number} for {customer_name}."
    )

    text = macro_render(macro, ticket, kim)

    assert text == "About order [order number] for Ann."
    assert placeholder_markers_left(text) == ["[order number]"]
    assert placeholder_markers_left("About order 104233 for Ann.") == []


@pytest.mark.django_db
def test_a_reply_still_holding_a_macros_blank_is_not_sent(kendrascottes):
    kim = agent_of(kendrascottes, username="kim")
    ticket = TicketFactory(brand=kendrascottes)

    with pytest.raises(ApplicationError) as refused:
        composer_reply_send(ticket, author=kim, body="About order [order number] for Ann.")

    assert "Replace [order number]" in refused.value.fields["body"]
    assert not OutboundEmail.objects.filter(kind=OutboundEmail.Kind.REPLY).exists()
    sent = composer_reply_send(ticket, author=kim, body="About order 104233 for Ann.")
    assert sent.body_text == "About order 104233 for Ann."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "promise"),
    [
        # Another language adds 24 business hours to the 48: three business days.
        ("fr", "jeudi 10 décembre, 10:00 CST"),
        ("en", "Wednesday 9 December, 10:00 AM CST"),
    ],
)
def test_a_macros_promised_time_is_written_in_the_tickets_language(
    kendrascottes, language, promise
):
    kim = agent_of(kendrascottes, username="kim")
    ticket = TicketFactory(brand=kendrascottes, received_at=MONDAY, language=language)
    macro = Macro.objects.create(brand=kendrascottes, name="Soon", body="{promised_time}")

    text = macro_render(macro, ticket, kim, now=MONDAY + timedelta(hours=1))

    assert text == promise


@pytest.mark.django_db
def test_applying_a_macro_sets_its_category_only_on_its_own_brands_tickets(kendrascottes, crocso):
    category = kendrascottes.categories.filter(requires_order_number=False).first()
    macro = Macro.objects.create(brand=kendrascottes, name="Info", body="See", category=category)
    ticket = TicketFactory(brand=kendrascottes)

    macro_apply(ticket, macro)

    ticket.refresh_from_db()
    assert ticket.category == category
    with pytest.raises(ApplicationError):
        macro_apply(TicketFactory(brand=crocso), macro)


@pytest.mark.django_db
def test_applying_a_macro_adds_its_tags_to_the_tickets(kendrascottes):
    kim = agent_of(kendrascottes, username="kim")
    ticket = TicketFactory(brand=kendrascottes)
    ticket_tags_set(ticket, ["vip"])
    macro = Macro.objects.create(brand=kendrascottes, name="Refund", body="x", tags="refund, VIP")

    macro_apply(ticket, macro, actor=kim)

    assert sorted(ticket.tags.values_list("name", flat=True)) == ["refund", "vip"]
