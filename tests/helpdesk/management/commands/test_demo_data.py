"""`manage.py demo_data`: the demo `make run` opens on, made through the services, with a
login per role that sees exactly its brand and role's share of it."""

import re
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client

from helpdesk.models import Feedback, Macro, Message, SlaClock, SlaEvent, Ticket
from helpdesk.services.demo import DEMO_DOMAIN
from helpdesk.services.tickets.macros import macro_placeholders_unknown, macro_render
from tests.factories import TicketFactory

LOGIN = re.compile(r"^  (\S+)\s+(\S+)\s+(.+)$", re.M)


def demo_data() -> dict[str, str]:
    out = StringIO()
    call_command("demo_data", stdout=out)
    return dict(match.groups()[:2] for match in LOGIN.finditer(out.getvalue()))


def logged_in(username: str, password: str) -> Client:
    """A browser's login through the admin's own form (lockout and second factor included)."""
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


@pytest.fixture
def demo(shipped_brands) -> dict[str, str]:
    return demo_data()


def test_the_demo_has_every_state_a_newcomer_should_see_in_both_brands(demo):
    for slug in ("kendrascottes", "crocso"):
        tickets = Ticket.objects.filter(brand__slug=slug)
        assert {"new", "open", "waiting", "resolved", "closed"} <= set(
            tickets.values_list("status", flat=True)
        )
        events = SlaEvent.objects.filter(clock__ticket__brand__slug=slug)
        assert {"warning", "breach", "escalation"} <= set(events.values_list("kind", flat=True))
        assert tickets.filter(tier=2).exists()
        assert tickets.filter(is_urgent=True).exists()
        assert {"fr", "es"} <= set(tickets.values_list("language", flat=True))
        merged = tickets.get(merged_into__isnull=False)
        assert (
            merged.status == "closed" and merged.merged_into.customer_email == merged.customer_email
        )
        assert Message.objects.filter(
            ticket__brand__slug=slug, proposes_resolution=True, ticket__status="waiting"
        ).exists()
        ratings = Feedback.objects.filter(ticket__brand__slug=slug)
        assert ratings.count() == 8 and len(set(ratings.values_list("rating", flat=True))) >= 3
        # A follow-up: the customer wrote again after our answer; its next-reply clock runs.
        assert SlaClock.objects.filter(
            ticket__brand__slug=slug, kind="next_reply", stopped_at__isnull=True
        ).exists()
        # ...and earlier follow-ups were answered, so the report measures next replies.
        assert SlaClock.objects.filter(
            ticket__brand__slug=slug, kind="next_reply", stopped_at__isnull=False
        ).exists()
    assert not Ticket.objects.exclude(customer_email__endswith=f"@{DEMO_DOMAIN}").exists()


def test_the_demo_brands_have_canned_replies_that_fill_in_for_a_ticket(demo):
    for slug in ("kendrascottes", "crocso"):
        macros = Macro.objects.filter(brand__slug=slug)
        assert set(macros.values_list("status", flat=True)) == {"open", "waiting", "resolved"}
        ticket = Ticket.objects.filter(brand__slug=slug, status="open").first()
        agent = User.objects.get(username=f"{slug}-agent")
        for macro in macros:
            assert macro_placeholders_unknown(macro.body) == []
            text = macro_render(macro, ticket, agent)
            assert ticket.reference in text and "{" not in text and "[" not in text


def test_the_demo_clocks_are_the_engines_from_the_real_timestamps(demo):
    # Received long before its first answer: the clock ran from receipt to the reply.
    for ticket in Ticket.objects.filter(status="resolved"):
        clock = ticket.clocks.get(kind="first_response")
        assert clock.started_at == ticket.received_at
        assert clock.stopped_at == ticket.first_responded_at > ticket.received_at
    warned = SlaEvent.objects.filter(kind="warning").select_related("clock")
    assert all(event.clock.target_at == event.due_at for event in warned)


def test_loading_again_changes_no_history_and_gives_new_passwords(demo):
    tickets = Ticket.objects.count()
    again = demo_data()
    assert Ticket.objects.count() == tickets
    assert set(again) == set(demo) and again["admin"] != demo["admin"]
    logged_in("admin", again["admin"])


def test_a_database_with_real_tickets_is_refused_and_left_alone(kendrascottes):
    TicketFactory(brand=kendrascottes, customer_email="real@customer.example")
    with pytest.raises(CommandError, match="not the demo's"):
        call_command("demo_data", stdout=StringIO())
    assert Ticket.objects.count() == 1
    assert not Ticket.objects.filter(customer_email__endswith=DEMO_DOMAIN).exists()


def test_each_demo_login_sees_only_what_its_role_in_its_brand_should(demo):
    ks = Ticket.objects.filter(brand__slug="kendrascottes").first()
    cr = Ticket.objects.filter(brand__slug="crocso").first()
    for slug, ours, theirs in (("kendrascottes", ks, cr), ("crocso", cr, ks)):
        for role in ("agent", "senior"):
            client = logged_in(f"{slug}-{role}", demo[f"{slug}-{role}"])
            assert client.get(f"/admin/helpdesk/ticket/{ours.pk}/change/").status_code == 200
            assert client.get(f"/admin/helpdesk/ticket/{theirs.pk}/change/").status_code == 404
            assert client.get(f"/admin/brands/brand/{ours.brand_id}/change/").status_code in (
                403,
                404,
            )
        owner = logged_in(f"{slug}-owner", demo[f"{slug}-owner"])
        assert owner.get(f"/admin/brands/brand/{ours.brand_id}/change/").status_code == 200
        assert owner.get(f"/admin/brands/brand/{theirs.brand_id}/change/").status_code == 404
        assert owner.get(f"/admin/helpdesk/ticket/{ours.pk}/change/").status_code == 403
        report = owner.get(f"/admin/reports/?brand={slug}")
        assert report.status_code == 200 and "<svg" in report.content.decode()
    admin = logged_in("admin", demo["admin"])
    for ticket in (ks, cr):
        assert admin.get(f"/admin/helpdesk/ticket/{ticket.pk}/change/").status_code == 200
