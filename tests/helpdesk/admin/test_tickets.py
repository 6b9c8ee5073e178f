"""Ticket admin: one queue per agent's brands, with SLA due columns, filters and the thread."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import formats, timezone

from brands.models import Brand, BrandMembership
from helpdesk.models import Feedback, Message, SlaClock, Ticket
from helpdesk.services.sla.clocks import first_response_terms
from helpdesk.services.tickets.lifecycle import (
    ticket_add_note,
    ticket_assign,
    ticket_reply,
    ticket_set_status,
)
from helpdesk.services.tickets.tags import ticket_tags_set
from tests.factories import MessageFactory, TicketFactory, UserFactory, admin_form_data, agent_of
from tests.helpdesk.admin.pages import TICKETS_URL, page_url


def received_for(brand: Brand, state: str) -> datetime:
    """A receipt time whose first-response clock is `state` now, by the brand's own calendar.

    Searching rather than using a fixed "three days ago" keeps the tests true on any weekday,
    across weekends and holidays.
    """
    now = timezone.now()
    for hours in range(6, 24 * 40, 6):
        at = now - timedelta(hours=hours)
        terms = first_response_terms(brand, received_at=at)
        if state == "due_soon" and terms.target_at <= now < terms.latest_at:
            return at
        if state == "breached" and terms.latest_at <= now:
            return at
    raise AssertionError(f"no receipt time gives a {state} clock")


def listed(response) -> list[str]:
    return sorted(ticket.reference for ticket in response.context["cl"].result_list)


def row_of(response, reference: str) -> str:
    """The changelist row that shows `reference`, as HTML."""
    rows = re.findall(r"<tr>.*?</tr>", response.content.decode(), flags=re.S)
    (row,) = [row for row in rows if f">{reference}<" in row]
    return row


def shown_datetime(value: datetime, time_zone: str | None = None) -> str:
    """How admin prints a read-only date and time (on a ticket's page, in its brand's zone)."""
    zone = ZoneInfo(time_zone) if time_zone else None
    return formats.localize(timezone.localtime(value, zone))


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True)


@pytest.fixture
def cr_agent(crocso):
    return agent_of(crocso)


def many_tickets(brands: list[Brand], count: int) -> list[Ticket]:
    """`count` tickets spread over the brands, with assignees, categories, urgency and tiers."""
    assignees = {}
    for brand in brands:
        assignees[brand.pk] = [
            BrandMembership.objects.get_or_create(
                brand=brand,
                role=BrandMembership.Role.AGENT,
                user=UserFactory(username=f"agent{i}-{brand.slug}"),
            )[0].user
            for i in range(3)
        ]
    tickets = []
    for i in range(count):
        brand = brands[i % len(brands)]
        categories = list(brand.categories.filter(requires_order_number=False))
        ticket = TicketFactory(
            brand=brand,
            customer_email=f"customer{i}@customer.example",
            category=categories[i % len(categories)],
            is_urgent=i % 4 == 0,
            received_at=timezone.now() - timedelta(hours=i * 7),
        )
        ticket.assignee = assignees[brand.pk][i % 3]
        ticket.tier = 1 + i % 2
        ticket.save(update_fields=["assignee", "tier"])
        tickets.append(ticket)
    return tickets


def changelist_queries(client, rows: int) -> int:
    """Queries of one changelist page, after checking it showed `rows` tickets."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(TICKETS_URL)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == rows
    assert response.content.decode().count('class="field-first_response_due"') == rows
    return len(queries)


@pytest.mark.django_db
def test_the_changelist_query_count_does_not_grow_with_the_rows(client, superuser, shipped_brands):
    client.force_login(superuser)
    brands = list(shipped_brands.values())
    many_tickets(brands, 3)
    few = changelist_queries(client, rows=3)

    many_tickets(brands, 27)
    many = changelist_queries(client, rows=30)

    assert many == few
    # Session, user, the page's time zone (the user's own choice, else the zone their brands
    # share), the user's brands (a list for the ticket query; staffed and owned for the
    # page's links), the rows with one more (no count), the brand and tier filters' choices
    # and the tags filter's choices (small tables, never the tickets), the unread alerts and
    # whether they work for several brands (the brand column): 15 today.
    assert many <= 15


@pytest.mark.django_db
def test_an_agents_changelist_query_count_does_not_grow_with_the_rows(client, crocso):
    agent = agent_of(crocso, username="counted")
    client.force_login(agent)
    many_tickets([crocso], 3)
    few = changelist_queries(client, rows=3)
    many_tickets([crocso], 30)
    many = changelist_queries(client, rows=33)

    assert many == few
    # As for a superuser, plus Django's two model-permission lookups for the site's apps: 17.
    assert many <= 17


@pytest.mark.django_db
def test_the_changelist_shows_the_queue_columns(client, superuser, kendrascottes):
    client.force_login(superuser)
    ticket = TicketFactory(brand=kendrascottes, is_urgent=True, subject="Ring arrived broken")
    ticket.assignee = agent_of(kendrascottes, username="kim")
    ticket.save(update_fields=["assignee"])

    response = client.get(TICKETS_URL)

    content = response.content.decode()
    for column in (
        "reference",
        "brand",
        "subject",
        "status",
        "urgency",
        "tier",
        "assignee",
        "first_response_due",
    ):
        assert f"column-{column}" in content, column
    assert "First response due" in content
    row = row_of(response, ticket.reference)
    assert ">Kendrascottes<" in row
    assert ">Ring arrived broken<" in row
    assert ">New<" in row
    assert ">Urgent</span>" in row  # in words, never a green tick
    assert ">kim<" in row
    due = first_response_terms(kendrascottes, received_at=ticket.received_at, is_urgent=True)
    local_due = due.latest_at.astimezone(ZoneInfo(kendrascottes.time_zone))
    assert f"{local_due:%a %d %b %H:%M}" in re.sub(r"<[^>]+>", "", row)
    assert "due soon" not in row and "breached" not in row


@pytest.mark.django_db
def test_a_ticket_past_its_target_shows_due_soon_and_past_its_latest_shows_breached(
    client, superuser, kendrascottes, crocso
):
    client.force_login(superuser)
    due_soon = TicketFactory(
        brand=kendrascottes, received_at=received_for(kendrascottes, "due_soon")
    )
    breached = TicketFactory(brand=crocso, received_at=received_for(crocso, "breached"))
    on_time = TicketFactory(brand=kendrascottes)
    answered = TicketFactory(brand=crocso, received_at=received_for(crocso, "breached"))
    ticket_set_status(answered, Ticket.Status.RESOLVED, notify=False)

    response = client.get(TICKETS_URL)

    assert "sla-due-soon" in row_of(response, due_soon.reference)
    assert "· due soon" in row_of(response, due_soon.reference)
    # In both due columns: the next due (here the first response too) turns amber as well.
    next_due = re.search(
        r'<td class="field-next_due">(.*?)</td>', row_of(response, due_soon.reference)
    )
    assert "sla-due-soon" in next_due[1]
    assert "breached" not in row_of(response, due_soon.reference)
    assert "· breached" in row_of(response, breached.reference)
    assert "sla-breached" in row_of(response, breached.reference)
    assert "due soon" not in row_of(response, on_time.reference)
    assert "breached" not in row_of(response, on_time.reference)
    # A resolved ticket's clock has stopped: nothing is due.
    assert ">—<" in row_of(response, answered.reference)


@pytest.fixture
def queue(kendrascottes, crocso) -> dict[str, Ticket]:
    """A small queue over both brands with one distinguishing trait per ticket."""
    tickets = {
        "ks_new": TicketFactory(brand=kendrascottes, customer_email="nina@customer.example"),
        "ks_urgent": TicketFactory(brand=kendrascottes, is_urgent=True),
        "ks_tier2": TicketFactory(brand=kendrascottes),
        "ks_due_soon": TicketFactory(
            brand=kendrascottes, received_at=received_for(kendrascottes, "due_soon")
        ),
        "cr_order": TicketFactory(
            brand=crocso,
            order_number="CR-ORDER-778",
            category=crocso.categories.filter(requires_order_number=True).first(),
        ),
        "cr_breached": TicketFactory(brand=crocso, received_at=received_for(crocso, "breached")),
        "cr_waiting": TicketFactory(brand=crocso),
    }
    Ticket.objects.filter(pk=tickets["ks_tier2"].pk).update(tier=2)
    ticket_set_status(tickets["cr_waiting"], Ticket.Status.WAITING, notify=False)
    return {name: Ticket.objects.get(pk=ticket.pk) for name, ticket in tickets.items()}


def refs(queue: dict[str, Ticket], *names: str) -> list[str]:
    return sorted(queue[name].reference for name in names)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("brand__id__exact={crocso}", ["cr_order", "cr_breached", "cr_waiting"]),
        ("status__exact=waiting", ["cr_waiting"]),
        ("is_urgent__exact=1", ["ks_urgent"]),
        ("tier=2", ["ks_tier2"]),
        ("sla=breached", ["cr_breached"]),
        ("sla=due_soon", ["ks_due_soon"]),
        ("q=nina@customer.example", ["ks_new"]),
        ("q=CR-ORDER-778", ["cr_order"]),
    ],
)
def test_filters_and_search_return_the_right_tickets(
    client, superuser, queue, crocso, query, expected
):
    client.force_login(superuser)

    response = client.get(f"{TICKETS_URL}?{query.format(crocso=crocso.pk)}")

    assert response.status_code == 200
    assert listed(response) == refs(queue, *expected)


@pytest.mark.django_db
def test_search_finds_a_ticket_by_its_reference(client, superuser, queue):
    client.force_login(superuser)
    reference = queue["ks_tier2"].reference

    response = client.get(TICKETS_URL, {"q": reference})

    assert listed(response) == [reference]


@pytest.mark.django_db
def test_the_change_page_shows_the_thread_and_the_sla_clocks(client, cr_agent, crocso):
    client.force_login(cr_agent)
    ticket = TicketFactory(brand=crocso, body="My clogs are the wrong size.")
    ticket_add_note(ticket, author=cr_agent, body="Check the warehouse pick list.")
    MessageFactory(
        ticket=ticket,
        kind=Message.Kind.OUTBOUND,
        author=cr_agent,
        body_text="We are sending the right size today.",
        created_at=timezone.now(),
    )
    clock = ticket.clocks.get(kind=SlaClock.Kind.FIRST_RESPONSE)

    response = client.get(page_url(ticket))

    assert response.status_code == 200
    content = response.content.decode()
    for body in (
        "My clogs are the wrong size.",
        "Check the warehouse pick list.",
        "We are sending the right size today.",
    ):
        assert body in content
    assert "Internal note" in content and "To the customer" in content
    assert "First response" in content
    assert shown_datetime(clock.target_at, crocso.time_zone) in content
    assert shown_datetime(clock.latest_at, crocso.time_zone) in content
    # Messages come in thread order.
    assert content.index("wrong size") < content.index("pick list") < content.index("right size")


@pytest.mark.django_db
def test_a_crocso_agent_sees_only_crocso_tickets(client, cr_agent, queue):
    client.force_login(cr_agent)

    response = client.get(TICKETS_URL)

    assert response.status_code == 200
    assert listed(response) == refs(queue, "cr_order", "cr_breached", "cr_waiting")
    assert "KS-" not in response.content.decode()


@pytest.mark.django_db
def test_a_crocso_agent_is_sent_away_from_a_kendrascottes_ticket(client, cr_agent, queue):
    client.force_login(cr_agent)
    ticket = queue["ks_new"]

    response = client.get(page_url(ticket))

    # Another brand's ticket does not exist for them: a 404, not Django's redirect to the
    # index with a message that would confirm the ticket is there.
    assert response.status_code == 404
    assert ticket.subject not in response.content.decode()


@pytest.mark.django_db
def test_a_crocso_agent_cannot_change_a_kendrascottes_ticket_by_posting(client, cr_agent, queue):
    client.force_login(cr_agent)
    ticket = queue["ks_new"]

    response = client.post(page_url(ticket), {"subject": "hijacked", "status": "closed"})

    assert response.status_code == 404
    ticket.refresh_from_db()
    assert (ticket.subject, ticket.status) == ("Where is my order?", "new")


@pytest.mark.django_db
def test_a_crocso_agent_is_offered_only_crocso_in_the_brand_filter(client, cr_agent, queue):
    client.force_login(cr_agent)

    response = client.get(TICKETS_URL)

    # One brand leaves nothing to choose, so Django leaves the brand filter out altogether.
    assert "brand" not in [spec.title for spec in response.context["cl"].filter_specs]
    assert "Kendrascottes" not in response.content.decode()


@pytest.mark.django_db
def test_a_superuser_is_offered_every_brand_in_the_brand_filter(client, queue, superuser):
    client.force_login(superuser)

    response = client.get(TICKETS_URL)

    (brand_filter,) = [f for f in response.context["cl"].filter_specs if f.title == "brand"]
    assert [name for _pk, name in brand_filter.lookup_choices] == ["Crocso", "Kendrascottes"]


@pytest.mark.django_db
def test_a_brand_owner_who_is_not_an_agent_cannot_see_tickets(client, kendrascottes, queue):
    owner = agent_of(kendrascottes, role=BrandMembership.Role.OWNER)
    client.force_login(owner)

    assert client.get(TICKETS_URL).status_code == 403
    assert client.get(page_url(queue["ks_new"])).status_code == 403
    index = client.get("/admin/").content.decode()
    assert TICKETS_URL not in index


@pytest.mark.django_db
def test_a_superuser_sees_every_brands_tickets(client, superuser, queue):
    client.force_login(superuser)

    response = client.get(TICKETS_URL)

    assert listed(response) == refs(queue, *queue)
    assert client.get(page_url(queue["ks_new"])).status_code == 200


@pytest.mark.django_db
def test_the_category_dropdown_lists_only_the_tickets_brand_categories(
    client, cr_agent, kendrascottes, crocso
):
    client.force_login(cr_agent)
    ticket = TicketFactory(brand=crocso)

    response = client.get(page_url(ticket))

    field = response.context["adminform"].form.fields["category"]
    assert set(field.queryset) == set(crocso.categories.all())
    assert not set(field.queryset) & set(kendrascottes.categories.all())


@pytest.mark.django_db
def test_an_agent_of_both_brands_gets_only_the_tickets_own_brand_categories_and_agents(
    client, kendrascottes, crocso
):
    agent = agent_of(crocso, username="both")
    BrandMembership.objects.create(user=agent, brand=kendrascottes, role="agent")
    ks_agent = agent_of(kendrascottes, username="kim")
    ks_senior = agent_of(kendrascottes, role=BrandMembership.Role.SENIOR, username="sam")
    agent_of(kendrascottes, role=BrandMembership.Role.OWNER, username="olive")
    UserFactory(username="stranger")
    root = UserFactory(username="root", is_superuser=True)
    client.force_login(agent)
    ticket = TicketFactory(brand=crocso)

    form = client.get(page_url(ticket)).context["adminform"].form

    assert set(form.fields["category"].queryset) == set(crocso.categories.all())
    # The same people ticket_assign accepts: the brand's agents and seniors, and superusers.
    assert set(form.fields["assignee"].queryset) == {agent, root}
    ks_form = client.get(page_url(TicketFactory(brand=kendrascottes))).context["adminform"].form
    assert set(ks_form.fields["assignee"].queryset) == {agent, ks_agent, ks_senior, root}


@pytest.mark.django_db
def test_an_assignee_who_left_the_brand_stays_selected_on_the_change_form(client, crocso):
    agent = agent_of(crocso, username="carl")
    leaver = agent_of(crocso, username="lee")
    ticket = TicketFactory(brand=crocso)
    Ticket.objects.filter(pk=ticket.pk).update(assignee=leaver)
    BrandMembership.objects.filter(user=leaver).delete()
    client.force_login(agent)

    page = client.get(page_url(ticket))
    response = client.post(page_url(ticket), admin_form_data(page, {"subject": "Sizes"}))

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.subject, ticket.assignee) == ("Sizes", leaver)


@pytest.mark.django_db
def test_an_agent_assigns_a_colleague_through_the_change_form(client, crocso):
    agent = agent_of(crocso, username="carl")
    colleague = agent_of(crocso, role=BrandMembership.Role.SENIOR, username="cleo")
    client.force_login(agent)
    ticket = TicketFactory(brand=crocso)

    data = admin_form_data(client.get(page_url(ticket)), {"assignee": colleague.pk})

    response = client.post(page_url(ticket), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    ticket.refresh_from_db()
    assert ticket.assignee == colleague


@pytest.mark.django_db
def test_a_kendrascottes_category_cannot_be_posted_onto_a_crocso_ticket(
    client, kendrascottes, crocso
):
    agent = agent_of(crocso, username="both")
    BrandMembership.objects.create(user=agent, brand=kendrascottes, role="agent")
    client.force_login(agent)
    ticket = TicketFactory(brand=crocso)
    foreign = kendrascottes.categories.first()

    data = admin_form_data(client.get(page_url(ticket)), {"category": foreign.pk})

    response = client.post(page_url(ticket), data)

    assert response.status_code == 200
    assert "category" in response.context["adminform"].form.errors
    ticket.refresh_from_db()
    assert ticket.category is None


@pytest.mark.django_db
def test_clocks_of_other_brands_do_not_leak_into_the_sla_filter(client, cr_agent, queue):
    client.force_login(cr_agent)
    assert SlaClock.objects.filter(ticket__brand__slug="kendrascottes").exists()

    response = client.get(TICKETS_URL, {"sla": "due_soon"})

    assert listed(response) == []


def worked_ticket(brand: Brand, n: int, people: list, **fields) -> Ticket:
    """The `n`th ticket of a busy day: assigned to one of `people` in turn or to nobody, some
    urgent, tagged, waiting on the customer, or resolved and rated; its clocks running as
    ticket_create starts them unless a reply paused or stopped them."""
    ticket = TicketFactory(
        brand=brand,
        is_urgent=n % 5 == 0,
        received_at=timezone.now() - timedelta(hours=n),
        **fields,
    )
    assignee = [*people, None][n % (len(people) + 1)]
    if assignee is not None:
        ticket_assign(ticket, assignee, actor=people[0])
    ticket_tags_set(ticket, [["vip"], ["damaged", "returns"], []][n % 3], actor=people[0])
    replier = assignee or people[0]
    if n % 4 == 1:
        ticket_reply(ticket, author=replier, body="Which size?", status=Ticket.Status.WAITING)
    elif n % 7 == 3:
        ticket_reply(ticket, author=replier, body="Refunded.", status=Ticket.Status.RESOLVED)
        Feedback.objects.create(ticket=ticket, rating=1 + n % 5, created_at=timezone.now())
    return ticket


@pytest.mark.django_db
def test_the_queue_and_the_ticket_page_read_as_many_queries_for_1_and_50_tickets(client, crocso):
    """The agent's queue, the whole list and a ticket page whose customer card lists the
    customer's other tickets cost the same queries with 1 ticket as with 50: tickets of
    several assignees, urgent or not, tagged, waiting, resolved and rated, clocks running."""
    counted = agent_of(crocso, username="counted")
    people = [
        counted,
        agent_of(crocso, username="lee"),
        agent_of(crocso, BrandMembership.Role.SENIOR, username="sam"),
    ]
    client.force_login(counted)
    first = worked_ticket(crocso, 0, people, customer_email="ann@customer.example")

    def list_queries(rows: int, **query: str) -> int:
        client.get(TICKETS_URL, query)  # warm the per-process caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(TICKETS_URL, query)
        assert len(response.context["cl"].result_list) == rows
        return len(queries)

    def page_queries() -> int:
        client.get(page_url(first))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page_url(first))
        assert response.status_code == 200
        return len(queries)

    def queued() -> int:
        """Open tickets that are the counted agent's or nobody's at their tier."""
        mine_or_nobodys = Q(assignee=counted) | Q(assignee__isnull=True, tier=1)
        live = Ticket.objects.exclude(status__in=Ticket.FINISHED_STATES)
        return live.filter(mine_or_nobodys).count()

    one = (list_queries(queued(), queue="mine"), list_queries(1), page_queries())
    for n in range(1, 50):
        worked_ticket(crocso, n, people, customer_email="ann@customer.example")
    assert queued() > 10
    assert Ticket.objects.filter(status=Ticket.Status.WAITING).count() > 10
    fifty = (list_queries(queued(), queue="mine"), list_queries(50), page_queries())

    assert one == fifty
    card = client.get(page_url(first)).content.decode()
    assert "CR-000002" in card and "rated " in card
