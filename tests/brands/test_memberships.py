"""Admin access follows brand memberships: a role lets a person into admin with that brand's
rights, and taking their last role away takes admin away."""

import pytest

from brands.memberships import membership_grant, membership_revoke
from brands.models import BrandMembership
from helpdesk.services.tickets.lifecycle import ticket_assign
from tests.factories import TicketFactory, UserFactory

AGENT = BrandMembership.Role.AGENT
OWNER = BrandMembership.Role.OWNER


def test_a_membership_added_in_admin_lets_its_user_into_admin_for_that_brand_only(
    client, kendrascottes, crocso
):
    root = UserFactory(username="root", is_superuser=True)
    newcomer = UserFactory(username="newcomer", is_staff=False)
    ours = TicketFactory(brand=kendrascottes, customer_email="ann@customer.example")
    theirs = TicketFactory(brand=crocso, customer_email="bob@customer.example")
    client.force_login(newcomer)
    assert client.get("/admin/").status_code == 302  # to the login page

    client.force_login(root)
    response = client.post(
        "/admin/brands/brandmembership/add/",
        {"user": newcomer.pk, "brand": kendrascottes.pk, "role": AGENT},
    )
    assert response.status_code == 302, response.content
    newcomer.refresh_from_db()
    assert newcomer.is_staff

    client.force_login(newcomer)
    assert client.get("/admin/").status_code == 200
    assert client.get(f"/admin/helpdesk/ticket/{ours.pk}/change/").status_code == 200
    assert client.get(f"/admin/helpdesk/ticket/{theirs.pk}/change/").status_code == 404


def test_deleting_the_last_membership_in_admin_takes_admin_away(client, kendrascottes, crocso):
    root = UserFactory(username="root", is_superuser=True)
    person = UserFactory(username="person", is_staff=False)
    first = membership_grant(person, kendrascottes, AGENT)
    second = membership_grant(person, crocso, OWNER)
    client.force_login(root)
    client.post(f"/admin/brands/brandmembership/{first.pk}/delete/", {"post": "yes"})
    person.refresh_from_db()
    assert person.is_staff  # still Crocso's owner
    client.post(
        "/admin/brands/brandmembership/",
        {"action": "delete_selected", "_selected_action": [second.pk], "post": "yes"},
    )
    assert not BrandMembership.objects.filter(user=person).exists()
    person.refresh_from_db()
    assert not person.is_staff
    client.force_login(person)
    assert client.get("/admin/").status_code == 302


def test_moving_a_membership_to_another_user_moves_admin_access(client, kendrascottes):
    root = UserFactory(username="root", is_superuser=True)
    before, after = UserFactory(username="before"), UserFactory(username="after", is_staff=False)
    membership = membership_grant(before, kendrascottes, AGENT)
    client.force_login(root)
    client.post(
        f"/admin/brands/brandmembership/{membership.pk}/change/",
        {"user": after.pk, "brand": kendrascottes.pk, "role": AGENT},
    )
    before.refresh_from_db()
    after.refresh_from_db()
    assert (before.is_staff, after.is_staff) == (False, True)


def test_a_superuser_keeps_admin_without_memberships(kendrascottes):
    root = UserFactory(username="root", is_superuser=True)
    membership_revoke(membership_grant(root, kendrascottes, OWNER))
    root.refresh_from_db()
    assert root.is_staff


@pytest.fixture
def agent_with_a_ticket(client, kendrascottes):
    """A Kendrascottes agent with an open ticket, and a superuser signed in to change them."""
    client.force_login(UserFactory(username="root", is_superuser=True))
    person = UserFactory(username="person")
    membership = membership_grant(person, kendrascottes, AGENT)
    ticket = TicketFactory(brand=kendrascottes)
    ticket_assign(ticket, person)
    return membership, ticket


def test_an_agent_removed_in_admin_leaves_their_open_tickets_to_the_team(
    client, agent_with_a_ticket, django_capture_on_commit_callbacks
):
    membership, ticket = agent_with_a_ticket

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/brands/brandmembership/{membership.pk}/delete/", {"post": "yes"})

    ticket.refresh_from_db()
    assert ticket.assignee is None
    assert ticket.events.last().detail == "the assignee no longer works for the brand"


def test_an_agent_moved_to_another_brand_in_admin_leaves_the_first_brand_s_tickets(
    client, agent_with_a_ticket, crocso, django_capture_on_commit_callbacks
):
    membership, ticket = agent_with_a_ticket

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/brands/brandmembership/{membership.pk}/change/",
            {"user": membership.user_id, "brand": crocso.pk, "role": AGENT},
        )

    assert response.status_code == 302, response.content
    ticket.refresh_from_db()
    assert ticket.assignee is None
