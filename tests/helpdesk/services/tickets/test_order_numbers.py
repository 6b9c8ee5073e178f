"""Order numbers: found in real mail posted to the inbound webhook by the brand's pattern,
kept on the ticket, searchable, and set by an agent."""

import pytest
from django.core import mail as outbox

from helpdesk.errors import ApplicationError
from helpdesk.models import Ticket, TicketEvent
from helpdesk.selectors.search import tickets_search
from helpdesk.selectors.staff import tickets_for_user
from helpdesk.selectors.timeline import ticket_timeline
from helpdesk.services.tickets.lifecycle import ticket_customer_reply
from helpdesk.services.tickets.order_numbers import order_numbers_find, ticket_order_numbers_set
from tests.factories import StorefrontTicketFactory, TicketFactory, agent_of
from tests.helpdesk.mail import KS, make_mail, post_inbound


def mail_in(client, django_capture_on_commit_callbacks, **fields) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert post_inbound(client, make_mail(**fields), recipient=fields["to"]).status_code == 200


@pytest.mark.django_db
def test_order_numbers_in_a_mail_s_subject_and_body_are_kept_and_found(
    client, kendrascottes, django_capture_on_commit_callbacks
):
    mail_in(
        client,
        django_capture_on_commit_callbacks,
        to=KS,
        subject="Order #104233 arrived damaged",
        body="Hello,\nthe ring from order 104240 is bent too (and call me on 555 0101).\n",
    )

    ticket = Ticket.objects.get()
    assert ticket.order_numbers == ["104233", "104240"]
    assert ticket.order_number == "104233"
    found = tickets_search(tickets_for_user(agent_of(kendrascottes)), "104240")
    assert list(found) == [ticket]


@pytest.mark.django_db
def test_each_brand_reads_its_own_pattern_in_other_languages(crocso):
    assert order_numbers_find(crocso, "Ma commande n° 556677 est perdue") == ["556677"]
    assert order_numbers_find(crocso, "Mi pedido 99887 no llegó") == ["99887"]
    assert order_numbers_find(crocso, "Call me at 555-1234, I paid $104233") == []


@pytest.mark.django_db
def test_a_reply_with_the_order_number_completes_the_ticket(
    client, kendrascottes, django_capture_on_commit_callbacks
):
    complaint = kendrascottes.categories.get(slug="complaint")
    ticket = TicketFactory(brand=kendrascottes, category=complaint, incomplete_ok=True)
    assert ticket.is_incomplete

    mail_in(
        client,
        django_capture_on_commit_callbacks,
        to=KS,
        subject=f"Re: [{ticket.reference}] Where is my order?",
        body="Sorry, it is order no. 778899.\n",
    )

    ticket.refresh_from_db()
    assert (ticket.order_numbers, ticket.order_number) == (["778899"], "778899")
    assert not ticket.is_incomplete


@pytest.mark.django_db
def test_a_request_that_writes_its_order_number_needs_no_field(crocso):
    order_status = crocso.categories.filter(requires_order_number=True).first()

    ticket = StorefrontTicketFactory(
        brand=crocso, category=order_status, message="Where is order #5566778?"
    )

    assert (ticket.order_number, ticket.is_incomplete) == ("5566778", False)


@pytest.mark.django_db
def test_the_acknowledgement_asks_for_a_missing_order_number(
    kendrascottes, django_capture_on_commit_callbacks
):
    complaint = kendrascottes.categories.get(slug="complaint")

    with django_capture_on_commit_callbacks(execute=True):
        TicketFactory(brand=kendrascottes, category=complaint, incomplete_ok=True, acknowledge=True)

    [acknowledgement] = outbox.outbox
    assert "please reply with your order number" in acknowledgement.body


@pytest.mark.django_db
def test_an_agent_sets_the_order_numbers(kendrascottes):
    ticket = TicketFactory(brand=kendrascottes, subject="Hello", body="Hi")

    ticket_order_numbers_set(ticket, [" 104233 ", "104233", "KS-77"])

    ticket.refresh_from_db()
    assert (ticket.order_numbers, ticket.order_number) == (["104233", "KS-77"], "104233")


@pytest.mark.django_db
def test_too_many_or_too_long_order_numbers_are_refused(kendrascottes):
    ticket = TicketFactory(brand=kendrascottes, order_number="104233")

    with pytest.raises(ApplicationError):
        ticket_order_numbers_set(ticket, ["x" * 65])
    with pytest.raises(ApplicationError):
        ticket_order_numbers_set(ticket, [str(n) for n in range(21)])

    ticket.refresh_from_db()
    assert ticket.order_numbers == ["104233"]


@pytest.mark.django_db
def test_clearing_the_number_a_category_needs_asks_the_customer_for_it(
    kendrascottes, django_capture_on_commit_callbacks
):
    complaint = kendrascottes.categories.get(slug="complaint")
    ticket = TicketFactory(brand=kendrascottes, category=complaint, order_number="104233")
    kim = agent_of(kendrascottes, username="kim")

    with django_capture_on_commit_callbacks(execute=True):
        ticket_order_numbers_set(ticket, [], actor=kim)

    ticket.refresh_from_db()
    assert (ticket.order_numbers, ticket.is_incomplete) == ([], True)
    [request] = outbox.outbox
    assert "please reply with your order number" in request.body


@pytest.mark.django_db
def test_an_agents_change_of_the_order_numbers_is_in_the_timeline_with_the_agent(kendrascottes):
    ticket = TicketFactory(brand=kendrascottes, subject="Order #104233")
    kim = agent_of(kendrascottes, username="kim", first_name="Kim", last_name="Lee")

    ticket_order_numbers_set(ticket, ["104233", "555666"], actor=kim)
    ticket_order_numbers_set(ticket, ["104233", "555666"], actor=kim)  # no change: no entry

    [entry] = [e for e in ticket_timeline(ticket) if e.kind == TicketEvent.Kind.ORDER_NUMBERS]
    assert entry.text == "Order numbers 104233 → 104233, 555666"
    assert (entry.actor_kind, entry.actor) == (TicketEvent.ActorKind.AGENT, "Kim Lee")


@pytest.mark.django_db
def test_numbers_the_customer_writes_in_a_reply_are_recorded_as_theirs(kendrascottes):
    ticket = TicketFactory(brand=kendrascottes)

    ticket_customer_reply(ticket, body="It is order 778899.")

    event = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.ORDER_NUMBERS)
    assert (event.before, event.after, event.actor_kind) == ("", "778899", "customer")


@pytest.mark.django_db
def test_a_brand_without_a_pattern_keeps_only_what_it_is_given(crocso):
    crocso.policy.order_number_pattern = ""
    crocso.policy.save()
    crocso.policy_updated_at = None  # the brand's rules are cached by this: read them again

    ticket = TicketFactory(brand=crocso, subject="Order #104233", order_number="A-1")

    assert ticket.order_numbers == ["A-1"]
