"""When the customer may ask for a senior review comes from the brand's policy: Kendrascottes
after a resolution was proposed to a complaint, Crocso once we have answered."""

from datetime import timedelta

import pytest
from django.utils import timezone

from brands.models import SlaPolicy
from brands.services import policy_version_record
from helpdesk.errors import ApplicationError
from helpdesk.models import OutboundEmail, Ticket
from helpdesk.selectors.storefront import storefront_ticket
from helpdesk.services.tickets.customer_escalation import (
    customer_escalation_refusal,
    customer_may_escalate,
    ticket_escalate_if_asked,
    ticket_escalate_on_request,
)
from helpdesk.services.tickets.lifecycle import (
    ticket_customer_reply,
    ticket_escalate,
    ticket_reply,
    ticket_set_status,
)
from tests.factories import TicketFactory, agent_of


def complaint(brand) -> Ticket:
    return TicketFactory(
        brand=brand, category=brand.categories.get(slug="complaint"), order_number="KS-1"
    )


@pytest.mark.django_db
def test_crocso_lets_the_customer_ask_once_we_have_answered(crocso):
    ticket = TicketFactory(brand=crocso)
    assert not customer_may_escalate(ticket)
    assert "once we have answered" in customer_escalation_refusal(ticket)

    ticket_reply(ticket, author=agent_of(crocso), body="Here is what we can do.")
    ticket.refresh_from_db()

    assert customer_may_escalate(ticket)


@pytest.mark.django_db
def test_kendrascottes_waits_for_a_proposed_resolution_not_any_answer(kendrascottes):
    ticket = complaint(kendrascottes)
    agent = agent_of(kendrascottes)
    ticket_reply(ticket, author=agent, body="We are looking into it.")
    ticket.refresh_from_db()
    assert not customer_may_escalate(ticket)
    assert "proposed a resolution" in customer_escalation_refusal(ticket)

    ticket_reply(ticket, author=agent, body="We offer a refund.", proposes_resolution=True)
    ticket.refresh_from_db()

    assert customer_may_escalate(ticket)


@pytest.mark.django_db
def test_asking_moves_the_ticket_to_tier_two_once_and_tells_the_customer(crocso):
    ticket = TicketFactory(brand=crocso)
    ticket_reply(ticket, author=agent_of(crocso), body="Here is what we can do.")
    ticket.refresh_from_db()

    assert ticket_escalate_on_request(ticket) is True
    ticket.refresh_from_db()
    assert ticket.tier == 2 and ticket.escalation_requested_at is not None
    assert OutboundEmail.objects.filter(
        ticket=ticket, kind=OutboundEmail.Kind.ESCALATION_NOTICE
    ).exists()
    assert not customer_may_escalate(ticket)
    with pytest.raises(ApplicationError) as refused:
        ticket_escalate_on_request(ticket)
    assert refused.value.message == "Escalation was already requested."
    assert "escalated on request before" in refused.value.fields["ticket"]


@pytest.mark.django_db
def test_a_refused_request_changes_nothing(kendrascottes):
    ticket = complaint(kendrascottes)

    with pytest.raises(ApplicationError) as refused:
        ticket_escalate_on_request(ticket)

    assert refused.value.message == "Escalation is not possible."
    ticket.refresh_from_db()
    assert ticket.tier == 1 and ticket.escalation_requested_at is None
    assert not OutboundEmail.objects.filter(kind=OutboundEmail.Kind.ESCALATION_NOTICE).exists()


@pytest.mark.django_db
def test_a_brand_may_leave_escalation_to_its_agents(crocso):
    SlaPolicy.objects.filter(brand=crocso).update(
        customer_escalation_after=SlaPolicy.CustomerEscalation.NEVER
    )
    ticket = TicketFactory(brand=crocso)
    ticket_reply(ticket, author=agent_of(crocso), body="Here is what we can do.")
    ticket = Ticket.objects.select_related("brand__policy").get(pk=ticket.pk)

    assert not customer_may_escalate(ticket)


@pytest.mark.django_db
def test_closed_tickets_and_resolved_ones_past_the_reopen_window_cannot_be_escalated(crocso):
    ticket = TicketFactory(brand=crocso)
    agent = agent_of(crocso)
    ticket_reply(ticket, author=agent, body="Done.", status=Ticket.Status.RESOLVED)
    ticket.refresh_from_db()
    assert customer_may_escalate(ticket)  # within the reopen window: it reopens
    later = ticket.resolved_at + timedelta(days=crocso.reopen_window_days + 1)
    assert not customer_may_escalate(ticket, later)

    ticket_set_status(ticket, Ticket.Status.CLOSED, at=timezone.now(), notify=False)
    ticket.refresh_from_db()
    assert not customer_may_escalate(ticket)


@pytest.mark.django_db
def test_the_storefronts_detail_gets_the_same_answer_as_the_ticket_itself(kendrascottes):
    """The storefront's detail reads the tier above and the proposed resolution with the
    ticket, in one query: the rule must answer it as it answers the model, at every step."""
    ticket = complaint(kendrascottes)
    agent = agent_of(kendrascottes)

    def answers() -> tuple[str | None, str | None]:
        model = Ticket.objects.select_related("brand__policy").get(pk=ticket.pk)
        row = storefront_ticket(model.brand, ticket.reference)
        return customer_escalation_refusal(model), customer_escalation_refusal(row)

    steps = [
        lambda: ticket_reply(ticket, author=agent, body="Looking into it."),
        lambda: ticket_reply(ticket, author=agent, body="A refund?", proposes_resolution=True),
        lambda: ticket_escalate_on_request(ticket),
    ]
    seen = [answers()]
    for step in steps:
        step()
        seen.append(answers())

    assert all(model == row for model, row in seen), seen
    allowed = [model is None for model, _row in seen]
    assert allowed == [False, False, True, False]


# -- asking in words ------------------------------------------------------------------------------


def customer_writes(ticket: Ticket, body: str, at=None) -> bool:
    """A customer's message as mail and the storefront bring it in; whether it escalated."""
    message = ticket_customer_reply(ticket, body=body, received_at=at or timezone.now())
    return ticket_escalate_if_asked(message)


@pytest.mark.django_db
def test_asking_for_a_senior_after_the_proposed_resolution_escalates_once(kendrascottes):
    ticket = complaint(kendrascottes)
    agent = agent_of(kendrascottes)
    ticket_reply(ticket, author=agent, body="Here is our offer", proposes_resolution=True)
    asked = timezone.now()

    assert customer_writes(ticket, "Not good enough, please escalate this.", at=asked)

    ticket.refresh_from_db()
    assert (ticket.tier, ticket.escalation_requested_at) == (2, asked)
    # "within an additional 24-48 hours": calendar hours, as the policy writes them.
    tier_clock = ticket.clocks.get(kind="tier_response", state="running")
    assert tier_clock.latest_at == asked + timedelta(hours=48)
    notice = OutboundEmail.objects.get(kind=OutboundEmail.Kind.ESCALATION_NOTICE)
    assert notice.to == [ticket.customer_email]
    assert not customer_writes(ticket, "Escalate again!")
    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.ESCALATION_NOTICE).count() == 1
    with pytest.raises(ApplicationError):
        ticket_escalate(ticket, by_customer=True)


@pytest.mark.django_db
def test_asking_in_words_before_the_policy_allows_it_escalates_nothing(kendrascottes, crocso):
    complained = complaint(kendrascottes)
    ticket_reply(complained, author=agent_of(kendrascottes), body="We are looking into it.")
    waiting = TicketFactory(brand=crocso)

    assert not customer_writes(complained, "I want a supervisor now.")
    assert not customer_writes(waiting, "Please pass this to a senior representative.")

    assert [Ticket.objects.get(pk=t.pk).tier for t in (complained, waiting)] == [1, 1]


@pytest.mark.django_db
def test_crocso_customers_ask_in_their_policys_own_words(crocso):
    ticket = TicketFactory(brand=crocso)
    ticket_reply(ticket, author=agent_of(crocso), body="Here is what we can do.")

    assert customer_writes(ticket, "Please pass this to a senior customer service representative.")

    assert Ticket.objects.get(pk=ticket.pk).tier == 2


@pytest.mark.django_db
def test_a_brand_owner_sets_the_phrases_that_ask_for_escalation(crocso):
    policy = crocso.policy
    policy.escalation_phrases = "responsable\nparler à un superviseur"
    policy.save()
    policy_version_record(crocso, source="admin")
    calm, upset = TicketFactory(brand=crocso), TicketFactory(brand=crocso)
    agent = agent_of(crocso)
    for ticket in (calm, upset):
        ticket_reply(ticket, author=agent, body="Voici notre réponse.")

    # No longer a phrase of this brand: a manager mentioned in passing escalates nothing.
    assert not customer_writes(calm, "My manager loved the clogs!")
    assert customer_writes(upset, "Je veux parler à un  Superviseur.")
