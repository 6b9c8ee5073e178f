"""Tags on tickets: set by an agent, per brand, recorded in the audit trail."""

import pytest

from helpdesk.errors import ApplicationError
from helpdesk.models import Tag, TicketEvent
from helpdesk.services.tickets.tags import tag_names_parse, ticket_tags_set
from tests.factories import TicketFactory, agent_of

pytestmark = pytest.mark.django_db


def test_tags_are_set_per_brand_and_recorded_with_who(kendrascottes, crocso):
    agent = agent_of(kendrascottes)
    ticket = TicketFactory(brand=kendrascottes)
    assert ticket_tags_set(ticket, tag_names_parse("VIP, refund ,vip"), actor=agent) == [
        "refund",
        "vip",
    ]
    ticket_tags_set(TicketFactory(brand=crocso), ["vip"])
    assert Tag.objects.filter(name="vip").count() == 2  # one per brand
    ticket_tags_set(ticket, ["refund"], actor=agent)
    assert list(ticket.tags.values_list("name", flat=True)) == ["refund"]
    first, second = ticket.events.filter(kind=TicketEvent.Kind.TAGS)
    assert (first.before, first.after, first.actor) == ("", "refund, vip", agent)
    assert (second.before, second.after) == ("refund, vip", "refund")


def test_setting_the_same_tags_again_records_nothing(kendrascottes):
    ticket = TicketFactory(brand=kendrascottes)
    ticket_tags_set(ticket, ["vip"])
    ticket_tags_set(ticket, ["VIP"])
    assert ticket.events.filter(kind=TicketEvent.Kind.TAGS).count() == 1


@pytest.mark.parametrize("names", [["x" * 51], ["<script>"], [f"t{n}" for n in range(21)]])
def test_hostile_tags_are_refused_with_a_field_error(kendrascottes, names):
    ticket = TicketFactory(brand=kendrascottes)
    with pytest.raises(ApplicationError) as refused:
        ticket_tags_set(ticket, names)
    assert "tags" in refused.value.fields
    assert not Tag.objects.exists()
