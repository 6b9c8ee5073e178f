import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from brands.models import BrandMembership
from helpdesk.models import Erasure, Ticket
from helpdesk.services.tickets.erasure import ERASED_DOMAIN
from tests.factories import TicketFactory, UserFactory, member

CHANGELIST = reverse("admin:helpdesk_ticket_changelist")
OWNER, AGENT = BrandMembership.Role.OWNER, BrandMembership.Role.AGENT
ANN = "ann@customer.example"


@pytest.fixture
def tickets(kendrascottes, crocso):
    return (
        TicketFactory(brand=kendrascottes, customer_email=ANN, customer_name="Ann Smith"),
        TicketFactory(brand=crocso, customer_email=ANN, customer_name="Ann Smith"),
    )


def _post(client, ticket, *, confirm: bool = False):
    data = {"action": "erase_customer", helpers.ACTION_CHECKBOX_NAME: [ticket.pk]}
    if confirm:
        data["confirm"] = "yes"
    return client.post(CHANGELIST, data, follow=True)


def _erased(ticket) -> bool:
    return Ticket.objects.get(pk=ticket.pk).customer_email.endswith(f"@{ERASED_DOMAIN}")


def test_an_owner_sees_the_counts_then_erases_the_customer_in_their_brand_only(
    client, kendrascottes, tickets
):
    ks, cr = tickets
    owner = member("owner", (kendrascottes, OWNER), (kendrascottes, AGENT), is_staff=True)
    client.force_login(owner)

    confirmation = _post(client, ks)
    assert confirmation.status_code == 200
    assert "Erase a customer&#x27;s personal data" in confirmation.content.decode()
    assert [row["counts"]["tickets"] for row in confirmation.context["customers"]] == [1]
    assert not _erased(ks), "nothing happens before the confirmation"

    done = _post(client, ks, confirm=True)
    assert "Erased a customer" in done.content.decode()
    assert _erased(ks) and not _erased(cr)
    erasure = Erasure.objects.get()
    assert (erasure.actor, erasure.source, erasure.brand) == (owner, "admin", kendrascottes)


def test_a_superuser_may_erase(client, tickets):
    ks, _ = tickets
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    _post(client, ks, confirm=True)
    assert _erased(ks)


def test_an_agent_who_does_not_own_the_brand_is_refused(client, kendrascottes, tickets):
    ks, _ = tickets
    client.force_login(member("agent", (kendrascottes, AGENT), is_staff=True))

    page = client.get(CHANGELIST)
    assert "erase_customer" not in page.content.decode()
    response = _post(client, ks, confirm=True)
    assert not _erased(ks)
    assert not Erasure.objects.exists()
    assert response.status_code == 200


def test_another_brands_owner_is_refused(client, kendrascottes, crocso, tickets):
    ks, _ = tickets
    # Owns Crocso and works Kendrascottes' tickets, but does not own Kendrascottes.
    user = member("other", (crocso, OWNER), (kendrascottes, AGENT), is_staff=True)
    client.force_login(user)

    response = _post(client, ks, confirm=True)

    assert "Only a brand&#x27;s owners may erase" in response.content.decode()
    assert not _erased(ks)
    assert not Erasure.objects.exists()


def test_another_brands_owner_cannot_reach_a_ticket_they_do_not_see(client, crocso, tickets):
    ks, _ = tickets
    client.force_login(member("crocso-owner", (crocso, OWNER), (crocso, AGENT), is_staff=True))

    _post(client, ks, confirm=True)

    assert not _erased(ks)
    assert not Erasure.objects.exists()


ERASE_PAGE = reverse("helpdesk_erase_customer")


def test_an_owner_who_works_no_tickets_erases_a_customer_by_address_after_the_counts(
    client, kendrascottes, tickets
):
    ks, cr = tickets
    client.force_login(member("owner-only", (kendrascottes, OWNER), is_staff=True))
    assert "Erase a customer" in client.get(reverse("admin:index")).content.decode()
    preview = client.post(ERASE_PAGE, {"brand": "kendrascottes", "email": ANN})
    assert preview.status_code == 200
    assert 'id="erasure-preview"' in preview.content.decode()
    assert not _erased(ks)
    done = client.post(ERASE_PAGE, {"brand": "kendrascottes", "email": ANN, "confirm": "yes"})
    assert done.status_code == 302
    assert _erased(ks) and not _erased(cr)
    assert Erasure.objects.get().actor.username == "owner-only"


def test_the_erase_page_refuses_agents_and_other_brands(client, kendrascottes, crocso, tickets):
    ks, cr = tickets
    client.force_login(member("agent", (kendrascottes, AGENT), is_staff=True))
    assert client.get(ERASE_PAGE).status_code == 403
    assert "Erase a customer" not in client.get(reverse("admin:index")).content.decode()
    client.force_login(member("crocso-owner", (crocso, OWNER), is_staff=True))
    refused = client.post(ERASE_PAGE, {"brand": "kendrascottes", "email": ANN, "confirm": "yes"})
    assert refused.status_code == 200
    assert "Select a valid choice" in refused.content.decode()
    assert not _erased(ks) and not _erased(cr)
    assert not Erasure.objects.exists()
