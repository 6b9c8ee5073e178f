"""Every choice an admin page offers is built from the user's brands, whatever ids are posted;
an object of their own brand that their role there does not open is a 403, never a redirect
saying it does not exist."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from brands.models import BrandApiKey, BrandMembership
from helpdesk.models import InboundEmail, Ticket
from helpdesk.services.api_keys import api_key_create
from helpdesk.services.tickets.lifecycle import ticket_acknowledge
from tests.factories import (
    AttachmentFactory,
    SlaEventFactory,
    TicketFactory,
    UserFactory,
    first_response,
    member,
)
from tests.helpdesk.admin.pages import TICKETS_URL

AGENT = BrandMembership.Role.AGENT
SENIOR = BrandMembership.Role.SENIOR
OWNER = BrandMembership.Role.OWNER


@pytest.fixture
def world(kendrascottes, crocso) -> dict:
    """Per brand a ticket with its acknowledgement, an attachment, an SLA event and a received
    mail; its staff; a superuser; and Cleo, agent of Crocso and owner of Kendrascottes."""
    users = {
        "root": UserFactory(username="root", is_superuser=True),
        "cleo": member("cleo", (crocso, AGENT), (kendrascottes, OWNER)),
        "cr_agent": member("cr_agent", (crocso, AGENT)),
        "ks_agent": member("ks_agent", (kendrascottes, AGENT)),
        "ks_senior": member("ks_senior", (kendrascottes, SENIOR)),
        "drifter": UserFactory(username="drifter"),
    }
    brands = {"kendrascottes": kendrascottes, "crocso": crocso}
    objects: dict[str, dict] = {}
    for slug, brand in brands.items():
        ticket = TicketFactory(
            brand=brand,
            customer_email=f"ann@{slug}.example",
            subject=f"{brand.name} ring",
            body="Hi",
        )
        attachment = AttachmentFactory(message=ticket.messages.get(kind="inbound"))
        objects[slug] = {
            "brand": brand,
            "ticket": ticket,
            "outbound": ticket_acknowledge(ticket),
            "attachment": attachment,
            "event": SlaEventFactory(clock=first_response(ticket)),
            "inbound": InboundEmail.objects.create(
                raw=b"Subject: ring\r\n\r\nHi",
                sha256=slug,
                size=20,
                source="test",
                brand=brand,
                status=InboundEmail.Status.PROCESSED,
                received_at=timezone.now(),
            ),
            "version": brand.policy_versions.get(),
            "key": api_key_create(brand, name="shop")[0],
        }
    return {"users": users, **objects}


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def brand_filter_choices(response) -> list[str]:
    """The brand names a changelist's brand filter offers ([] when it is left out)."""
    filters = [spec for spec in response.context["cl"].filter_specs if spec.title == "brand"]
    return [name for spec in filters for _pk, name in spec.lookup_choices]


# -- bulk assign --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_bulk_assign_with_only_another_brands_ids_refuses_and_offers_no_one(client, world):
    client.force_login(world["users"]["cr_agent"])
    foreign = world["kendrascottes"]["ticket"]

    response = client.post(
        TICKETS_URL,
        {"action": "assign_selected", "_selected_action": [foreign.pk]},
        follow=True,
    )

    assert "form" not in response.context
    assert messages_of(response) == ["None of the selected tickets is yours to assign."]
    assert "ks_agent" not in response.content.decode()


@pytest.mark.django_db
def test_bulk_assign_applied_to_another_brands_ids_assigns_and_names_no_one(client, world):
    users = world["users"]
    client.force_login(users["cr_agent"])
    foreign = world["kendrascottes"]["ticket"]

    response = client.post(
        TICKETS_URL,
        {
            "action": "assign_selected",
            "_selected_action": [foreign.pk],
            "apply": "1",
            "assignee": users["ks_agent"].pk,
        },
        follow=True,
    )

    foreign.refresh_from_db()
    assert foreign.assignee is None
    assert messages_of(response) == ["None of the selected tickets is yours to assign."]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "past_the_column",
    [
        False,
        pytest.param(
            True,
            marks=pytest.mark.skipif(
                connection.vendor != "postgresql",
                reason="PostgreSQL compares an id past bigint; SQLite cannot bind one",
            ),
        ),
    ],
    ids=["unused", "past-bigint"],
)
def test_bulk_assign_with_ids_that_do_not_exist_refuses_and_offers_no_one(
    client, world, past_the_column
):
    client.force_login(world["users"]["cr_agent"])
    unused = Ticket.objects.aggregate(last=Max("pk"))["last"] + 1000
    ids = [str(2**63)] if past_the_column else [unused, unused + 1]

    response = client.post(
        TICKETS_URL, {"action": "assign_selected", "_selected_action": ids}, follow=True
    )

    assert response.status_code == 200
    assert "form" not in response.context
    assert messages_of(response) == ["None of the selected tickets is yours to assign."]
    assert "drifter" not in response.content.decode()


# -- list filters ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["inboundemail", "outboundemail"])
def test_the_mail_brand_filter_offers_only_the_brands_the_agent_works_for(client, world, model):
    # Cleo owns Kendrascottes, but its mail is the agents' work, not hers.
    client.force_login(world["users"]["cleo"])

    response = client.get(f"/admin/helpdesk/{model}/")

    assert response.status_code == 200
    assert set(brand_filter_choices(response)) <= {"Crocso"}
    assert "Kendrascottes" not in brand_filter_choices(response)


@pytest.mark.django_db
def test_a_staff_user_holding_model_permissions_is_still_refused_the_memberships(client, world):
    user = world["users"]["cr_agent"]
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="brands", codename__endswith="_brandmembership"
        )
    )
    client.force_login(user)

    # Who works for which brand is the superusers' to decide: the list would name, and the
    # form offer, every brand and every person.
    assert client.get("/admin/brands/brandmembership/").status_code == 403
    assert client.get("/admin/brands/brandmembership/add/").status_code == 403


# -- a role that does not open an object of one's own brand: 403 ----------------------------


def pages_cleo_has_no_role_for(world: dict) -> list[str]:
    """Kendrascottes' ticket work (Cleo only owns it) and Crocso's settings (she only works
    its tickets)."""
    ks, cr = world["kendrascottes"], world["crocso"]
    ticket = ks["ticket"].pk
    return [
        f"/admin/helpdesk/ticket/{ticket}/change/",
        f"/admin/helpdesk/ticket/{ticket}/history/",
        f"/admin/helpdesk/ticket/{ticket}/delete/",
        f"/admin/helpdesk/ticket/attachment/{ks['attachment'].pk}/",
        f"/admin/helpdesk/attachment/{ks['attachment'].pk}/change/",
        f"/admin/helpdesk/slaevent/{ks['event'].pk}/change/",
        f"/admin/helpdesk/inboundemail/{ks['inbound'].pk}/change/",
        f"/admin/helpdesk/outboundemail/{ks['outbound'].pk}/change/",
        f"/admin/brands/brand/{cr['brand'].pk}/change/",
        f"/admin/brands/brand/{cr['brand'].pk}/history/",
        f"/admin/brands/policyversion/{cr['version'].pk}/change/",
        f"/admin/brands/brandapikey/{cr['key'].pk}/change/",
    ]


@pytest.mark.django_db
def test_an_agent_of_one_brand_and_owner_of_another_gets_403_where_their_role_does_not_open(
    client, world
):
    client.force_login(world["users"]["cleo"])

    answers = {url: client.get(url).status_code for url in pages_cleo_has_no_role_for(world)}

    assert answers == dict.fromkeys(answers, 403)


@pytest.mark.django_db
def test_an_agent_of_one_brand_and_owner_of_another_gets_403_posting_to_that_brands_ticket(
    client, world
):
    client.force_login(world["users"]["cleo"])
    ticket = world["kendrascottes"]["ticket"]

    response = client.post(
        f"/admin/helpdesk/ticket/{ticket.pk}/change/", {"subject": "hijacked", "status": "closed"}
    )

    assert response.status_code == 403
    ticket.refresh_from_db()
    assert (ticket.subject, ticket.status) == ("Kendrascottes ring", Ticket.Status.NEW)


@pytest.mark.django_db
def test_an_object_that_does_not_exist_is_a_404_for_a_superuser_too(client, world):
    client.force_login(world["users"]["root"])
    unused = Ticket.objects.aggregate(last=Max("pk"))["last"] + 1000

    assert client.get(f"/admin/helpdesk/ticket/{unused}/change/").status_code == 404
    assert client.get(f"/admin/brands/brandapikey/{unused}/change/").status_code == 404


# -- the same choices, whoever asks --------------------------------------------------------------


@pytest.mark.django_db
def test_a_superuser_is_offered_every_brand_in_the_mail_filters(client, world):
    client.force_login(world["users"]["root"])

    for model in ("inboundemail", "outboundemail"):
        response = client.get(f"/admin/helpdesk/{model}/")
        assert set(brand_filter_choices(response)) == {"Crocso", "Kendrascottes"}, model


@pytest.mark.django_db
def test_autocompletes_answer_with_the_users_brands_only(client, world):
    def autocomplete(model: str, field: str):
        return client.get(
            "/admin/autocomplete/",
            {"app_label": "helpdesk", "model_name": model, "field_name": field, "term": ""},
        )

    client.force_login(world["users"]["cleo"])
    tickets = autocomplete("ticket", "merged_into").json()["results"]
    client.force_login(world["users"]["cr_agent"])
    brands = autocomplete("ticket", "brand")

    assert [result["text"] for result in tickets] == [str(world["crocso"]["ticket"])]
    # Brands are the owners' pages: an agent who owns none is offered none.
    assert brands.status_code == 403


@pytest.mark.django_db
def test_the_api_key_form_offers_only_the_brands_the_user_owns(client, world):
    client.force_login(world["users"]["cleo"])

    form = client.get("/admin/brands/brandapikey/add/").context["adminform"].form

    assert [brand.slug for brand in form.fields["brand"].queryset] == ["kendrascottes"]
    assert BrandApiKey.objects.count() == 2
