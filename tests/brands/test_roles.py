"""Roles per brand in admin: what each role sees, what it may touch, and that every other
brand's object, by list, dropdown, action, history or URL, does not exist for it."""

import pytest

from brands.models import BrandApiKey, BrandMembership, EmailTemplate, SlaPolicy
from helpdesk.models import OutboundEmail, Ticket
from helpdesk.services.api_keys import api_key_create
from helpdesk.services.tickets.lifecycle import ticket_acknowledge, ticket_add_note
from tests.factories import (
    AttachmentFactory,
    SlaEventFactory,
    TicketFactory,
    UserFactory,
    admin_form_data,
    agent_of,
    first_response,
    member,
)

AGENT = BrandMembership.Role.AGENT
SENIOR = BrandMembership.Role.SENIOR
OWNER = BrandMembership.Role.OWNER
SLUGS = ("kendrascottes", "crocso")


def other(slug: str) -> str:
    return SLUGS[1 - SLUGS.index(slug)]


@pytest.fixture
def world(shipped_brands) -> dict:
    """Per brand: a ticket with a note, an attachment and an SLA event; and one user per role."""
    ks, cr = shipped_brands["kendrascottes"], shipped_brands["crocso"]
    users = {
        "root": UserFactory(username="root", is_superuser=True),
        "ks_agent": member("ks_agent", (ks, AGENT)),
        "ks_senior": member("ks_senior", (ks, SENIOR)),
        "ks_owner": member("ks_owner", (ks, OWNER)),
        "cr_agent": member("cr_agent", (cr, AGENT)),
        "cr_owner": member("cr_owner", (cr, OWNER)),
        "cr_owner_agent": member("cr_owner_agent", (cr, OWNER), (cr, AGENT)),
        "both_agent": member("both_agent", (ks, AGENT), (cr, AGENT)),
    }
    tickets, attachments, events = {}, {}, {}
    for brand in (ks, cr):
        ticket = TicketFactory(
            brand=brand,
            customer_email=f"ann@{brand.slug}.example",
            subject=f"{brand.name} question",
            body="Hello",
        )
        ticket_add_note(ticket, author=users["root"], body=f"{brand.name} internal")
        first = ticket.messages.get(kind="inbound")
        attachment = AttachmentFactory(message=first)
        events[brand.slug] = SlaEventFactory(clock=first_response(ticket))
        tickets[brand.slug], attachments[brand.slug] = ticket, attachment
    return {
        "brands": {"kendrascottes": ks, "crocso": cr},
        "users": users,
        "tickets": tickets,
        "attachments": attachments,
        "events": events,
    }


def listed(client, url: str) -> list:
    response = client.get(url)
    assert response.status_code == 200, url
    return list(response.context["cl"].result_list)


# -- what each role sees --------------------------------------------------------------------

SEES = {
    # user: (brands whose tickets they work, brands they own)
    "root": (SLUGS, SLUGS),
    "ks_agent": (("kendrascottes",), ()),
    "ks_senior": (("kendrascottes",), ()),
    "cr_agent": (("crocso",), ()),
    "cr_owner_agent": (("crocso",), ("crocso",)),
    "both_agent": (SLUGS, ()),
    "ks_owner": ((), ("kendrascottes",)),
    "cr_owner": ((), ("crocso",)),
}


@pytest.mark.django_db
@pytest.mark.parametrize("username", list(SEES))
def test_each_role_lists_only_the_tickets_attachments_and_events_of_its_brands(
    client, world, username
):
    works, _owns = SEES[username]
    client.force_login(world["users"][username])

    for url, brand_of in (
        ("/admin/helpdesk/ticket/", lambda ticket: ticket.brand.slug),
        ("/admin/helpdesk/attachment/", lambda a: a.message.ticket.brand.slug),
        ("/admin/helpdesk/slaevent/", lambda event: event.ticket.brand.slug),
    ):
        if not works:
            assert client.get(url).status_code == 403, url
            continue
        assert sorted(brand_of(row) for row in listed(client, url)) == sorted(works), url


@pytest.mark.django_db
@pytest.mark.parametrize("username", list(SEES))
def test_each_role_lists_only_the_brands_and_policy_versions_it_owns(client, world, username):
    _works, owns = SEES[username]
    client.force_login(world["users"][username])

    for url, brand_of in (
        ("/admin/brands/brand/", lambda brand: brand.slug),
        ("/admin/brands/policyversion/", lambda version: version.brand.slug),
    ):
        if not owns:
            assert client.get(url).status_code == 403, url
            continue
        assert sorted(brand_of(row) for row in listed(client, url)) == sorted(owns), url


# -- another brand's objects by URL ---------------------------------------------------------


def foreign_urls(world: dict, slug: str) -> list[str]:
    """Every page of `slug`'s objects a user could type in."""
    ticket, brand = world["tickets"][slug], world["brands"][slug]
    version = brand.policy_versions.get()
    return [
        f"/admin/helpdesk/ticket/{ticket.pk}/change/",
        f"/admin/helpdesk/ticket/{ticket.pk}/history/",
        f"/admin/helpdesk/ticket/{ticket.pk}/delete/",
        f"/admin/helpdesk/ticket/{ticket.pk}/merge/",
        f"/admin/helpdesk/ticket/attachment/{world['attachments'][slug].pk}/",
        f"/admin/helpdesk/attachment/{world['attachments'][slug].pk}/change/",
        f"/admin/helpdesk/slaevent/{world['events'][slug].pk}/change/",
        f"/admin/brands/brand/{brand.pk}/change/",
        f"/admin/brands/brand/{brand.pk}/history/",
        f"/admin/brands/policyversion/{version.pk}/change/",
        f"/admin/brands/policyversion/compare/{version.pk}/{version.pk}/",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "own"),
    [
        ("ks_agent", "kendrascottes"),
        ("ks_owner", "kendrascottes"),
        ("cr_agent", "crocso"),
        ("cr_owner", "crocso"),
        ("cr_owner_agent", "crocso"),
    ],
)
def test_every_page_of_another_brands_objects_is_a_404(client, world, username, own):
    client.force_login(world["users"][username])

    for url in foreign_urls(world, other(own)):
        assert client.get(url).status_code == 404, url


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "own"), [("ks_agent", "kendrascottes"), ("cr_agent", "crocso")]
)
def test_posting_to_another_brands_ticket_changes_nothing_and_is_a_404(
    client, world, username, own
):
    client.force_login(world["users"][username])
    foreign = world["tickets"][other(own)]
    messages_before = foreign.messages.count()

    for action, data in (
        ("reply", {"body": "hijack", "status": "resolved"}),
        ("note", {"body": "hijack"}),
        ("assign-to-me", {}),
        ("escalate", {}),
        ("merge", {"into": world["tickets"][own].reference}),
    ):
        response = client.post(f"/admin/helpdesk/ticket/{foreign.pk}/{action}/", data)
        assert response.status_code == 404, action

    foreign.refresh_from_db()
    assert (foreign.status, foreign.assignee, foreign.tier) == (Ticket.Status.NEW, None, 1)
    assert foreign.messages.count() == messages_before


@pytest.mark.django_db
@pytest.mark.parametrize("slug", SLUGS)
def test_an_owner_who_is_not_an_agent_is_refused_their_own_brands_tickets(client, world, slug):
    client.force_login(world["users"][{"kendrascottes": "ks_owner", "crocso": "cr_owner"}[slug]])
    ticket = world["tickets"][slug]

    # Their own brand's ticket exists for them, but its contents are the agents' work: 403.
    assert client.get(f"/admin/helpdesk/ticket/{ticket.pk}/change/").status_code == 403
    response = client.post(f"/admin/helpdesk/ticket/{ticket.pk}/reply/", {"body": "Hi"})
    assert response.status_code == 403
    assert not ticket.messages.filter(kind="outbound").exists()
    assert client.get(f"/admin/brands/brand/{world['brands'][slug].pk}/change/").status_code == 200


@pytest.mark.django_db
def test_an_owner_who_is_also_an_agent_works_the_brands_tickets(client, world):
    client.force_login(world["users"]["cr_owner_agent"])
    ticket = world["tickets"]["crocso"]

    page = client.get(f"/admin/helpdesk/ticket/{ticket.pk}/change/")
    reply = client.post(f"/admin/helpdesk/ticket/{ticket.pk}/note/", {"body": "Seen"})

    assert page.status_code == 200
    assert reply.status_code == 302
    assert ticket.messages.filter(kind="note", body_text="Seen").exists()


@pytest.mark.django_db
def test_a_superuser_opens_every_brands_pages(client, world):
    client.force_login(world["users"]["root"])

    for slug in SLUGS:
        for url in foreign_urls(world, slug):
            assert client.get(url).status_code == 200, url


# -- dropdowns, actions, inlines --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("slug", SLUGS)
def test_the_ticket_forms_dropdowns_hold_only_the_tickets_brand(client, world, slug):
    users = world["users"]
    client.force_login(users["both_agent"])
    ticket = world["tickets"][slug]

    form = client.get(f"/admin/helpdesk/ticket/{ticket.pk}/change/").context["adminform"].form

    assert set(form.fields["category"].queryset) == set(world["brands"][slug].categories.all())
    staff = {"kendrascottes": {"ks_agent", "ks_senior"}, "crocso": {"cr_agent", "cr_owner_agent"}}
    expected = {users[name] for name in staff[slug] | {"both_agent", "root"}}
    assert set(form.fields["assignee"].queryset) == expected


@pytest.mark.django_db
def test_bulk_assign_offers_only_people_who_work_for_every_selected_brand(client, world):
    users = world["users"]
    client.force_login(users["both_agent"])
    both = [world["tickets"][slug].pk for slug in SLUGS]

    one = client.post(
        "/admin/helpdesk/ticket/",
        {"action": "assign_selected", "_selected_action": [world["tickets"]["crocso"].pk]},
    )
    mixed = client.post(
        "/admin/helpdesk/ticket/", {"action": "assign_selected", "_selected_action": both}
    )

    offered = set(one.context["form"].fields["assignee"].queryset)
    assert offered == {
        users["cr_agent"],
        users["cr_owner_agent"],
        users["both_agent"],
        users["root"],
    }
    assert set(mixed.context["form"].fields["assignee"].queryset) == {
        users["both_agent"],
        users["root"],
    }


@pytest.mark.django_db
def test_an_action_posted_with_another_brands_ticket_leaves_it_alone(client, world):
    client.force_login(world["users"]["cr_agent"])
    own, foreign = world["tickets"]["crocso"], world["tickets"]["kendrascottes"]

    client.post(
        "/admin/helpdesk/ticket/",
        {"action": "resolve_selected", "_selected_action": [own.pk, foreign.pk], "reason": "Done"},
    )

    own.refresh_from_db()
    foreign.refresh_from_db()
    assert own.status == Ticket.Status.RESOLVED
    assert foreign.status == Ticket.Status.NEW


@pytest.mark.django_db
def test_merge_refuses_a_target_of_another_brand(client, world):
    client.force_login(world["users"]["both_agent"])
    duplicate = world["tickets"]["crocso"]

    response = client.post(
        f"/admin/helpdesk/ticket/{duplicate.pk}/merge/",
        {"into": world["tickets"]["kendrascottes"].reference},
    )

    assert response.status_code == 200
    assert "No open ticket" in str(response.context["form"].errors["into"])
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None


@pytest.mark.django_db
def test_the_attachment_admin_is_read_only_so_no_message_dropdown_leaks(client, world):
    client.force_login(world["users"]["cr_agent"])
    attachment = world["attachments"]["crocso"]

    page = client.get(f"/admin/helpdesk/attachment/{attachment.pk}/change/")
    download = client.get(f"/admin/helpdesk/ticket/attachment/{attachment.pk}/")

    assert page.status_code == 200
    assert "message" not in page.context["adminform"].form.fields
    assert download.status_code == 200
    assert download["Content-Type"] == "application/octet-stream"
    assert 'attachment; filename="photo.jpg"' in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == b"jpeg bytes"


@pytest.mark.django_db
def test_an_owner_edits_their_brands_email_wording_and_it_is_versioned(client, world):
    brand = world["brands"]["crocso"]
    owner = world["users"]["cr_owner"]
    client.force_login(owner)
    url = f"/admin/brands/brand/{brand.pk}/change/"
    page = client.get(url)
    inline_models = {inline.formset.model for inline in page.context["inline_admin_formsets"]}
    assert EmailTemplate in inline_models and SlaPolicy in inline_models
    (prefix,) = [
        inline.formset.prefix
        for inline in page.context["inline_admin_formsets"]
        if inline.formset.model is EmailTemplate
    ]
    data = admin_form_data(page)
    data |= {
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-0-name": "acknowledgement",
        f"{prefix}-0-subject": "We got it: {{ ticket.reference }}",
        f"{prefix}-0-body_text": "Hi, we answer by {{ reply_by }}.",
        f"{prefix}-0-body_html": "",
        f"{prefix}-0-brand": str(brand.pk),
    }

    response = client.post(url, data)

    assert response.status_code == 302
    template = EmailTemplate.objects.get(brand=brand)
    assert template.subject == "We got it: {{ ticket.reference }}"
    version = brand.policy_versions.order_by("-number").first()
    assert version.author == owner
    assert version.changes["email_templates.acknowledgement.subject"] == [
        None,
        "We got it: {{ ticket.reference }}",
    ]


@pytest.mark.django_db
def test_email_wording_that_does_not_compile_is_refused(client, world):
    brand = world["brands"]["crocso"]
    client.force_login(world["users"]["cr_owner"])
    url = f"/admin/brands/brand/{brand.pk}/change/"
    page = client.get(url)
    (prefix,) = [
        inline.formset.prefix
        for inline in page.context["inline_admin_formsets"]
        if inline.formset.model is EmailTemplate
    ]
    data = admin_form_data(page) | {
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-0-name": "reply",
        f"{prefix}-0-subject": "Re: {% if %}",
        f"{prefix}-0-body_text": "{{ body }}",
        f"{prefix}-0-brand": str(brand.pk),
    }

    response = client.post(url, data)

    assert response.status_code == 200
    assert not EmailTemplate.objects.filter(brand=brand).exists()
    assert brand.policy_versions.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["outboundemail", "brandapikey"])
def test_another_brands_mail_and_keys_are_a_404_by_url(client, kendrascottes, crocso, model):
    if model == "outboundemail":
        ticket = TicketFactory(brand=kendrascottes)
        obj, url = ticket_acknowledge(ticket), "/admin/helpdesk/outboundemail/{}/change/"
        assert OutboundEmail.objects.filter(pk=obj.pk).exists()
    else:
        obj, _ = api_key_create(kendrascottes, name="shop")
        url = "/admin/brands/brandapikey/{}/change/"
        assert BrandApiKey.objects.filter(pk=obj.pk).exists()
    user = agent_of(crocso)
    BrandMembership.objects.create(user=user, brand=crocso, role=BrandMembership.Role.OWNER)
    client.force_login(user)
    assert client.get(url.format(obj.pk)).status_code == 404
