"""A brand's own email wording from admin: used for that brand only, given plain data only, and
read once per policy version rather than once per mail."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from brands.models import BrandMembership, EmailTemplate
from brands.services import policy_version_record
from helpdesk.models import OutboundEmail
from helpdesk.services.outbox.sending import email_render
from helpdesk.services.rendering.status_links import status_url
from helpdesk.services.sla.sweep import sla_sweep
from helpdesk.services.tickets.lifecycle import ticket_acknowledge
from tests.factories import TicketFactory, agent_of

CHICAGO = ZoneInfo("America/Chicago")
MONDAY = datetime(2026, 11, 9, 10, 0, tzinfo=CHICAGO)


def own_wording(brand, name: str, **fields) -> EmailTemplate:
    template, _ = EmailTemplate.objects.update_or_create(brand=brand, name=name, defaults=fields)
    policy_version_record(brand, source="test")
    brand.refresh_from_db()
    return template


@pytest.mark.django_db
def test_a_brands_own_acknowledgement_replaces_the_shipped_one_for_that_brand_only(
    kendrascottes, crocso
):
    own_wording(
        crocso,
        "acknowledgement",
        subject="Got it! [{{ ticket.reference }}]",
        body_text="Hey {{ ticket.customer_name|default:'there' }}, answer by {{ reply_by }}.",
        body_html="",
    )
    cr_ticket, ks_ticket = (
        TicketFactory(brand=crocso, received_at=MONDAY),
        TicketFactory(brand=kendrascottes, received_at=MONDAY),
    )

    ours = ticket_acknowledge(cr_ticket)
    shipped = ticket_acknowledge(ks_ticket)

    assert ours.subject == f"Got it! [{cr_ticket.reference}]"
    assert ours.body_text.startswith("Hey there, answer by ")
    assert ours.body_html == ""  # the brand wrote no HTML: text only
    assert shipped.subject != ours.subject
    assert "Thank you for writing to Kendrascottes" in shipped.body_text


@pytest.mark.django_db
def test_a_brands_html_wording_is_escaped_like_any_template(crocso):
    own_wording(
        crocso,
        "acknowledgement",
        subject="{{ ticket.subject }}",
        body_text="{{ ticket.subject }}",
        body_html="<p>{{ ticket.subject }}</p>",
    )
    ticket = TicketFactory(brand=crocso, received_at=MONDAY, subject="<b>Clogs</b> & more")

    subject, text, html = email_render(crocso, "acknowledgement", {"ticket": ticket})

    assert subject == "<b>Clogs</b> & more"
    assert text == "<b>Clogs</b> & more\n"
    assert html == "<p>&lt;b&gt;Clogs&lt;/b&gt; &amp; more</p>"


@pytest.mark.django_db
def test_a_brands_wording_sees_plain_values_not_the_models_behind_them(crocso):
    agent = agent_of(crocso, first_name="Cleo")
    ticket = TicketFactory(brand=crocso, received_at=MONDAY)
    ticket.assignee = agent
    own_wording(
        crocso,
        "reply",
        subject="Re: {{ ticket.subject }}",
        body_text="[{{ author.password }}][{{ ticket.assignee.password }}]"
        "[{{ brand.ticket_sequence }}]{{ author.first_name }}: {{ body }}",
    )

    _subject, text, _html = email_render(
        crocso, "reply", {"ticket": ticket, "author": agent, "body": "On its way"}
    )

    assert text == "[][][]Cleo: On its way\n"


@pytest.mark.django_db
def test_mail_about_a_ticket_can_link_to_the_customers_status_page(crocso):
    own_wording(crocso, "acknowledgement", subject="Hi", body_text="Follow it: {{ status_url }}")
    ticket = TicketFactory(brand=crocso, received_at=MONDAY)

    _subject, text, _html = email_render(crocso, "acknowledgement", {"ticket": ticket})

    assert text == f"Follow it: {status_url(ticket)}\n"


@pytest.mark.django_db
def test_a_changed_wording_is_used_from_its_policy_version_on(crocso):
    ticket = TicketFactory(brand=crocso, received_at=MONDAY)
    own_wording(crocso, "acknowledgement", subject="First", body_text="One")
    assert email_render(crocso, "acknowledgement", {"ticket": ticket})[0] == "First"

    own_wording(crocso, "acknowledgement", subject="Second", body_text="Two")

    assert email_render(crocso, "acknowledgement", {"ticket": ticket})[0] == "Second"


@pytest.mark.django_db
def test_the_sweep_with_a_brands_own_alert_wording_reads_a_fixed_number_of_queries(
    kendrascottes, django_assert_max_num_queries
):
    agent_of(kendrascottes, email="agent@ks.example")
    agent_of(kendrascottes, BrandMembership.Role.SENIOR, email="senior@ks.example")
    own_wording(
        kendrascottes,
        "staff_warning",
        subject="Hurry: {{ ticket.reference }}",
        body_text="{{ clock.get_kind_display }} due {{ latest }}",
    )
    for _ in range(30):
        TicketFactory(brand=kendrascottes, received_at=MONDAY)

    with django_assert_max_num_queries(13):  # 12, and the sweep's heartbeat
        assert sla_sweep(now=MONDAY + timedelta(hours=25)) == 30

    alerts = OutboundEmail.objects.filter(kind=OutboundEmail.Kind.STAFF_ALERT)
    assert alerts.count() == 30
    assert all(alert.subject.startswith("Hurry: KS-") for alert in alerts)
    assert alerts.first().body_text.startswith("First response due ")
