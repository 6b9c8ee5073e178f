"""Staff alerts: in the app, by mail or both as each agent chose, mail from the staff address."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from brands.models import BrandMembership, StaffPreference
from helpdesk.models import Alert, OutboundEmail
from helpdesk.services.notices.staff import alert_mentions, alert_open
from helpdesk.services.sla.sweep import sla_sweep
from helpdesk.services.tickets.lifecycle import (
    ticket_add_note,
    ticket_assign,
    ticket_customer_reply,
)
from tests.factories import TicketFactory, agent_of, member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def staff_address(settings):
    settings.STAFF_FROM_EMAIL = "alerts@staff.example"


def prefer(user, delivery: str) -> None:
    StaffPreference.objects.update_or_create(user=user, defaults={"alert_delivery": delivery})


def alerts(user) -> list[tuple[str, str]]:
    return [(a.kind, a.ticket.reference) for a in Alert.objects.filter(user=user)]


def test_an_agent_given_a_ticket_is_alerted_in_the_app_and_by_staff_mail(
    kendrascottes, django_capture_on_commit_callbacks
):
    boss, kim = agent_of(kendrascottes, username="boss"), agent_of(kendrascottes, username="kim")
    ticket = TicketFactory(brand=kendrascottes)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_assign(ticket, kim, actor=boss)
    assert alerts(kim) == [("assigned", ticket.reference)]
    [sent] = mail.outbox
    assert sent.to == ["kim@staff.example"]
    assert sent.from_email == "alerts@staff.example" != kendrascottes.from_email
    assert "Assigned to you" in sent.subject


def test_taking_a_ticket_yourself_alerts_nobody(kendrascottes):
    kim = agent_of(kendrascottes, username="kim")
    ticket_assign(TicketFactory(brand=kendrascottes), kim, actor=kim)
    assert not Alert.objects.exists() and not OutboundEmail.objects.filter(kind="staff_alert")


def test_mail_only_and_in_app_only_are_honoured(kendrascottes):
    mail_only = agent_of(kendrascottes, username="mailer")
    app_only = agent_of(kendrascottes, username="app")
    prefer(mail_only, StaffPreference.AlertDelivery.MAIL)
    prefer(app_only, StaffPreference.AlertDelivery.IN_APP)
    ticket = TicketFactory(brand=kendrascottes)
    ticket_assign(ticket, mail_only)
    ticket_assign(ticket, app_only)
    assert alerts(mail_only) == [] and alerts(app_only) == [("assigned", ticket.reference)]
    staff_mail = OutboundEmail.objects.filter(kind=OutboundEmail.Kind.STAFF_ALERT)
    assert [row.to for row in staff_mail] == [["mailer@staff.example"]]


def test_the_assignee_hears_when_the_customer_replies(kendrascottes):
    kim = agent_of(kendrascottes, username="kim")
    ticket = TicketFactory(brand=kendrascottes)
    ticket_assign(ticket, kim, actor=kim)
    ticket_customer_reply(ticket, body="Any news?")
    ticket_customer_reply(ticket, body="Hello?")
    assert alerts(kim) == [("customer_replied", ticket.reference)] * 2


def test_warning_then_breach_on_your_ticket_reach_the_assignee_once(kendrascottes):
    kim = agent_of(kendrascottes, username="kim")
    agent_of(kendrascottes, BrandMembership.Role.SENIOR)
    prefer(kim, StaffPreference.AlertDelivery.IN_APP)
    ticket = TicketFactory(brand=kendrascottes, received_at=timezone.now() - timedelta(days=30))
    ticket_assign(ticket, kim, actor=kim)
    sla_sweep()
    sla_sweep()  # a replayed sweep adds nothing
    assert sorted(alerts(kim)) == [("breach", ticket.reference), ("warning", ticket.reference)]
    breach = Alert.objects.get(user=kim, kind="breach")
    assert breach.text == f"Breached: {ticket.reference} {ticket.subject}"


def test_the_senior_group_is_alerted_in_the_app_of_an_escalation(kendrascottes):
    senior = agent_of(kendrascottes, BrandMembership.Role.SENIOR)
    ticket = TicketFactory(brand=kendrascottes, received_at=timezone.now() - timedelta(days=30))
    sla_sweep()
    assert alerts(senior) == [("escalation", ticket.reference)]


def test_a_mention_alerts_the_brands_staff_named_but_not_the_author_or_outsiders(
    kendrascottes, crocso
):
    author = agent_of(kendrascottes, username="author")
    kim = agent_of(kendrascottes, username="kim")
    outsider = agent_of(crocso, username="outsider")
    both = member(
        "both", (kendrascottes, BrandMembership.Role.AGENT), (crocso, BrandMembership.Role.AGENT)
    )
    ticket = TicketFactory(brand=kendrascottes)
    note = ticket_add_note(ticket, author=author, body="@kim @outsider @both @author look")
    alert_mentions(ticket, note, [kim, outsider, both, author])
    assert alerts(kim) == alerts(both) == [("mention", ticket.reference)]
    assert alerts(outsider) == alerts(author) == []


def test_opening_an_alert_marks_it_read_only_for_its_owner(kendrascottes):
    kim, other = agent_of(kendrascottes, username="kim"), agent_of(kendrascottes, username="o")
    ticket_assign(TicketFactory(brand=kendrascottes), kim)
    alert = Alert.objects.get(user=kim)
    assert alert_open(other, alert.pk) is None
    assert Alert.objects.get(pk=alert.pk).read_at is None
    assert alert_open(kim, alert.pk).read_at is not None
    first_read = Alert.objects.get(pk=alert.pk).read_at
    alert_open(kim, alert.pk)
    assert Alert.objects.get(pk=alert.pk).read_at == first_read


def test_an_alert_of_a_brand_the_agent_left_is_not_theirs_to_open(kendrascottes):
    kim = agent_of(kendrascottes, username="kim")
    ticket_assign(TicketFactory(brand=kendrascottes), kim)
    alert = Alert.objects.get(user=kim)
    BrandMembership.objects.filter(user=kim).delete()

    assert alert_open(kim, alert.pk) is None
    assert Alert.objects.get(pk=alert.pk).read_at is None
