"""The staff API's alerts: the requesting agent's own inbox, its unread count, marking read."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from brands.memberships import membership_revoke
from brands.models import BrandMembership
from helpdesk.models import Alert
from helpdesk.services.tickets.lifecycle import ticket_assign
from tests.factories import agent_of

pytestmark = pytest.mark.django_db

ALERTS = "/api/v1/staff/alerts/"
UNREAD_COUNT = "/api/v1/staff/alerts/unread-count/"
READ_ALL = "/api/v1/staff/alerts/read/"


def read_one(alert_id: object) -> str:
    return f"/api/v1/staff/alerts/{alert_id}/read/"


def alert(user, ticket, *, minutes_ago: int, read: bool = False, kind=Alert.Kind.MENTION) -> Alert:
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return Alert.objects.create(
        user=user,
        ticket=ticket,
        kind=kind,
        text=f"{kind.label}: {ticket.reference}",
        created_at=at,
        read_at=at if read else None,
    )


@pytest.fixture
def inbox(ks_agent, ks_ticket) -> dict[str, Alert]:
    """Kim's alerts: an old unread one, a read one, and the newest, unread."""
    return {
        "old": alert(ks_agent, ks_ticket, minutes_ago=30),
        "read": alert(ks_agent, ks_ticket, minutes_ago=20, read=True),
        "new": alert(ks_agent, ks_ticket, minutes_ago=10, kind=Alert.Kind.BREACH),
    }


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def test_an_agent_lists_their_alerts_newest_first_a_page_at_a_time(staff, inbox, ks_ticket):
    first = staff.get(ALERTS, {"page_size": 2})

    assert first.status_code == 200
    body = first.json()
    assert "count" not in body and body["next"] and body["previous"] is None
    assert ids(first) == [inbox["new"].pk, inbox["read"].pk]
    assert body["results"][0] == {
        "id": inbox["new"].pk,
        "kind": "breach",
        "text": f"Breach: {ks_ticket.reference}",
        "ticket": ks_ticket.reference,
        "created_at": body["results"][0]["created_at"],
        "read_at": None,
        "is_read": False,
    }
    last = staff.get(body["next"])
    assert ids(last) == [inbox["old"].pk]
    assert last.json()["next"] is None and last.json()["previous"]


def test_a_page_of_alerts_never_counts_the_whole_inbox(staff, inbox):
    with CaptureQueriesContext(connection) as queries:
        response = staff.get(ALERTS, {"page_size": 2})

    assert response.status_code == 200 and len(ids(response)) == 2
    assert not [query["sql"] for query in queries if "COUNT(" in query["sql"].upper()]


def test_unread_alerts_come_first_or_alone_when_asked(staff, inbox):
    unread_first = staff.get(ALERTS, {"ordering": "unread_first"})
    assert ids(unread_first) == [inbox["new"].pk, inbox["old"].pk, inbox["read"].pk]

    only_unread = staff.get(ALERTS, {"unread": "true"})
    assert ids(only_unread) == [inbox["new"].pk, inbox["old"].pk]


def test_an_assignment_by_a_colleague_reaches_the_agents_list_and_count(
    staff, kendrascottes, ks_agent, ks_ticket
):
    colleague = agent_of(kendrascottes, username="colleague")
    ticket_assign(ks_ticket, ks_agent, actor=colleague)

    assert staff.get(UNREAD_COUNT).json() == {"unread": 1}
    [row] = staff.get(ALERTS).json()["results"]
    assert (row["kind"], row["ticket"]) == ("assigned", ks_ticket.reference)


def test_marking_one_read_lowers_the_unread_count_and_keeps_the_first_reading(staff, inbox):
    assert staff.get(UNREAD_COUNT).json() == {"unread": 2}

    response = staff.post(read_one(inbox["old"].pk))

    assert response.status_code == 200
    assert response.json()["is_read"] is True
    inbox["old"].refresh_from_db()
    first_reading = inbox["old"].read_at
    assert first_reading is not None
    assert staff.get(UNREAD_COUNT).json() == {"unread": 1}
    staff.post(read_one(inbox["old"].pk))  # again: nothing changes
    inbox["old"].refresh_from_db()
    assert inbox["old"].read_at == first_reading


def test_marking_all_read_empties_the_unread_count(staff, inbox):
    response = staff.post(READ_ALL)

    assert response.status_code == 200
    assert response.json() == {"marked_read": 2}
    assert staff.get(UNREAD_COUNT).json() == {"unread": 0}
    assert not Alert.objects.filter(read_at__isnull=True).exists()


def test_another_users_alert_is_not_found_and_stays_unread(staff, kendrascottes, ks_ticket, inbox):
    colleague = agent_of(kendrascottes, username="colleague")
    theirs = alert(colleague, ks_ticket, minutes_ago=5)

    response = staff.post(read_one(theirs.pk))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert theirs.pk not in ids(staff.get(ALERTS))
    assert staff.post(read_one("not-a-number")).status_code == 404


def test_alerts_of_a_brand_the_agent_left_are_no_longer_theirs_to_read(
    staff, crocso, ks_agent, cr_ticket
):
    membership = BrandMembership.objects.create(
        user=ks_agent, brand=crocso, role=BrandMembership.Role.AGENT
    )
    crocso_alert = alert(ks_agent, cr_ticket, minutes_ago=5)
    assert ids(staff.get(ALERTS)) == [crocso_alert.pk]

    membership_revoke(membership)

    assert ids(staff.get(ALERTS)) == []
    assert staff.get(UNREAD_COUNT).json() == {"unread": 0}
    assert staff.post(read_one(crocso_alert.pk)).status_code == 404


def test_marking_all_read_leaves_the_alerts_of_a_brand_the_agent_left(
    staff, crocso, ks_agent, cr_ticket, inbox
):
    membership = BrandMembership.objects.create(
        user=ks_agent, brand=crocso, role=BrandMembership.Role.AGENT
    )
    crocso_alert = alert(ks_agent, cr_ticket, minutes_ago=5)
    membership_revoke(membership)

    response = staff.post(READ_ALL)

    assert response.json() == {"marked_read": 2}
    crocso_alert.refresh_from_db()
    assert crocso_alert.read_at is None
    assert not Alert.objects.filter(ticket=inbox["new"].ticket, read_at__isnull=True).exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", ALERTS), ("get", UNREAD_COUNT), ("post", READ_ALL), ("post", "read-one")],
)
def test_a_storefront_key_cannot_reach_an_agents_alerts(storefront, inbox, method, path):
    path = read_one(inbox["new"].pk) if path == "read-one" else path

    response = getattr(storefront, method)(path)

    assert response.status_code == 401
    assert Alert.objects.filter(read_at__isnull=True).count() == 2


def test_an_unknown_ordering_or_unread_value_is_a_400(staff, inbox):
    response = staff.get(ALERTS, {"ordering": "oldest"})
    assert response.status_code == 400
    assert "ordering" in response.json()["fields"]
    assert staff.get(ALERTS, {"unread": "perhaps"}).status_code == 400
