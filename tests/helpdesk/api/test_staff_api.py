from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from brands.models import BrandMembership
from helpdesk.models import SlaClock, Ticket
from helpdesk.services.sla.clocks import ticket_next_due_refresh
from helpdesk.services.tickets.lifecycle import ticket_add_note, ticket_assign, ticket_set_status
from tests.factories import StorefrontTicketFactory, UserFactory, agent_of


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def refs(client: APIClient, query: str = "") -> list[str]:
    response = client.get(f"/api/v1/staff/tickets/{query}")
    assert response.status_code == 200, response.json()
    return [t["reference"] for t in response.json()["results"]]


# ------------------------------------------------------------------------------------- token


@pytest.mark.django_db
def test_an_agent_exchanges_username_and_password_for_a_token(ks_agent):
    response = APIClient().post(
        "/api/v1/staff/token/", {"username": ks_agent.username, "password": "pw"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=ks_agent).key


@pytest.mark.django_db
def test_a_wrong_password_or_a_non_agent_gets_no_token(ks_agent):
    outsider = UserFactory(username="outsider")
    for username, password in ((ks_agent.username, "wrong"), (outsider.username, "pw")):
        response = APIClient().post(
            "/api/v1/staff/token/", {"username": username, "password": password}, format="json"
        )
        assert response.status_code == 400
        assert response.json()["message"] == "Unable to log in with these credentials."
    assert not Token.objects.exists()


@pytest.mark.django_db
def test_password_guessing_is_throttled(ks_agent, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "staff_login": "3/min",
        },
    }
    client = APIClient()
    codes = [
        client.post("/api/v1/staff/token/", {"username": "x", "password": "y"}).status_code
        for _ in range(4)
    ]
    assert codes == [400, 400, 400, 429]


@pytest.mark.django_db
def test_password_guessing_is_throttled_per_client_behind_proxies(ks_agent, settings):
    settings.TRUSTED_PROXY_COUNT = 2  # a load balancer, then a local proxy
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "staff_login": "2/min",
        },
    }
    client = APIClient(REMOTE_ADDR="10.0.0.3")

    def guess(forwarded: str) -> int:
        return client.post(
            "/api/v1/staff/token/",
            {"username": "x", "password": "y"},
            HTTP_X_FORWARDED_FOR=forwarded,
        ).status_code

    # The balancer appended the client, the local proxy the balancer; a forged first entry
    # changes nothing.
    guesser = "203.0.113.7, 10.0.0.1"
    assert [guess(guesser), guess(f"192.0.2.1, {guesser}"), guess(guesser)] == [400, 400, 429]
    assert guess("198.51.100.9, 10.0.0.1") == 400  # another client through the same proxies


@pytest.mark.django_db
@pytest.mark.parametrize("header", [None, "Token nope", "Token " + "x" * 40, "Api-Key abc.def"])
def test_the_staff_api_refuses_missing_or_invalid_tokens_with_401(shipped_brands, header):
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/staff/tickets/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_an_inactive_users_token_stops_working(staff, ks_agent):
    ks_agent.is_active = False
    ks_agent.save()
    assert staff.get("/api/v1/staff/tickets/").status_code == 401


# -------------------------------------------------------------------------------------- list


@pytest.mark.django_db
def test_the_list_shows_the_brands_the_user_works_for(staff, ks_ticket, cr_ticket):
    assert refs(staff) == [ks_ticket.reference]


@pytest.mark.django_db
def test_an_agent_of_both_brands_sees_both_and_filters_by_brand(
    kendrascottes, crocso, ks_ticket, cr_ticket
):
    user = agent_of(kendrascottes, username="both")
    BrandMembership.objects.create(user=user, brand=crocso, role=BrandMembership.Role.AGENT)
    client = token_client(user)
    assert set(refs(client)) == {ks_ticket.reference, cr_ticket.reference}
    assert refs(client, "?brand=crocso") == [cr_ticket.reference]


@pytest.mark.django_db
def test_a_brand_owner_who_is_not_an_agent_sees_no_tickets(kendrascottes, ks_ticket):
    owner = agent_of(kendrascottes, role=BrandMembership.Role.OWNER)
    assert refs(token_client(owner)) == []


@pytest.mark.django_db
def test_the_list_filters_by_status_urgency_tier_and_assignee(staff, kendrascottes, ks_agent):
    plain = StorefrontTicketFactory(brand=kendrascottes)
    urgent = StorefrontTicketFactory(brand=kendrascottes, message="The bracelet arrived broken.")
    resolved = StorefrontTicketFactory(brand=kendrascottes)
    ticket_set_status(resolved, Ticket.Status.RESOLVED)
    ticket_assign(plain, ks_agent)
    staff.post(f"/api/v1/staff/tickets/{urgent.reference}/escalate/", {}, format="json")

    assert refs(staff, "?status=resolved") == [resolved.reference]
    assert refs(staff, "?urgent=true") == [urgent.reference]
    assert refs(staff, "?tier=2") == [urgent.reference]
    assert refs(staff, f"?assignee={ks_agent.pk}") == [plain.reference]
    assert set(refs(staff, "?unassigned=true")) == {urgent.reference, resolved.reference}


@pytest.mark.django_db
def test_the_list_filters_by_breach_due_time_creation_and_text(staff, kendrascottes):
    late = StorefrontTicketFactory(brand=kendrascottes, subject="Late order", order_number="ORD-77")
    fresh = StorefrontTicketFactory(brand=kendrascottes, subject="New question")
    past = timezone.now() - timedelta(hours=1)
    SlaClock.objects.filter(ticket=late).update(latest_at=past, target_at=past)
    Ticket.objects.filter(pk=late.pk).update(received_at=timezone.now() - timedelta(days=5))

    assert refs(staff, "?breached=true") == [late.reference]
    assert refs(staff, "?breached=false") == [fresh.reference]
    soon = (timezone.now() + timedelta(minutes=1)).isoformat().replace("+", "%2B")
    assert refs(staff, f"?due_before={soon}") == [late.reference]
    day_ago = (timezone.now() - timedelta(days=1)).isoformat().replace("+", "%2B")
    assert refs(staff, f"?created_after={day_ago}") == [fresh.reference]
    assert refs(staff, f"?created_before={day_ago}") == [late.reference]
    assert refs(staff, "?q=ord-77") == [late.reference]
    assert refs(staff, "?q=question") == [fresh.reference]
    body = staff.get(f"/api/v1/staff/tickets/?q={late.reference}").json()
    assert body["results"][0]["breached"] is True


@pytest.mark.django_db
def test_the_list_orders_by_due_time_and_creation(staff, kendrascottes):
    first, second = (
        StorefrontTicketFactory(brand=kendrascottes),
        StorefrontTicketFactory(brand=kendrascottes),
    )
    later = timezone.now() + timedelta(days=30)
    SlaClock.objects.filter(ticket=first).update(latest_at=later)
    ticket_next_due_refresh(first.pk)  # as the clock service does on every change
    assert refs(staff, "?ordering=due") == [second.reference, first.reference]
    assert refs(staff, "?ordering=-due") == [first.reference, second.reference]
    assert refs(staff, "?ordering=created") == [first.reference, second.reference]
    assert refs(staff) == [second.reference, first.reference]


@pytest.mark.django_db
def test_each_ordering_reads_ties_by_id_the_same_way_and_the_reference_by_number(
    staff, kendrascottes
):
    tickets = [StorefrontTicketFactory(brand=kendrascottes) for _ in range(3)]
    # Past a million the reference grows a digit: by its text KS-1000000 would come first.
    for ticket, number in zip(tickets, (999_999, 1_000_000, 1_000_001), strict=True):
        Ticket.objects.filter(pk=ticket.pk).update(number=number, reference=f"KS-{number}")
    refs_in_order = [f"KS-{number}" for number in (999_999, 1_000_000, 1_000_001)]
    Ticket.objects.filter(pk=tickets[0].pk).update(
        tier=2, status=Ticket.Status.WAITING, updated_at=timezone.now() + timedelta(minutes=1)
    )

    assert refs(staff, "?ordering=reference") == refs_in_order
    assert refs(staff, "?ordering=-reference") == refs_in_order[::-1]
    # Equal tiers and statuses: by id in the order's direction, as the index keeps them.
    assert refs(staff, "?ordering=tier") == [refs_in_order[1], refs_in_order[2], refs_in_order[0]]
    assert refs(staff, "?ordering=-tier") == [refs_in_order[0], refs_in_order[2], refs_in_order[1]]
    assert refs(staff, "?ordering=status")[-1] == refs_in_order[0]  # "new" before "waiting"
    assert refs(staff, "?ordering=-updated")[0] == refs_in_order[0]  # changed last


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    ["tier=0", "tier=1.5", "assignee=99999999999999999999", "ordering=secret", "due_before=x"],
)
def test_an_invalid_staff_filter_is_a_400(staff, query):
    response = staff.get(f"/api/v1/staff/tickets/?{query}")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == [query.split("=")[0]]


@pytest.mark.django_db
def test_the_staff_list_runs_the_same_queries_for_one_row_or_many(staff, kendrascottes, ks_agent):
    for n in range(5):
        ticket = StorefrontTicketFactory(
            brand=kendrascottes, customer_email=f"c{n}@customer.example"
        )
        ticket_assign(ticket, ks_agent)

    def queries(page_size: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = staff.get(f"/api/v1/staff/tickets/?page_size={page_size}")
        assert len(response.json()["results"]) == page_size
        return len(captured)

    assert queries(1) == queries(5)


# ------------------------------------------------------------------------------------ detail


@pytest.mark.django_db
def test_the_staff_detail_shows_notes_and_clocks(staff, ks_ticket, ks_agent):
    ticket_add_note(ks_ticket, author=ks_agent, body="VIP customer")
    body = staff.get(f"/api/v1/staff/tickets/{ks_ticket.reference}/").json()
    kinds = [(m["kind"], m["body_text"]) for m in body["messages"]]
    assert ("note", "VIP customer") in kinds
    assert body["messages"][-1]["author"]["username"] == ks_agent.username
    assert [c["kind"] for c in body["clocks"]] == ["first_response"]


@pytest.mark.django_db
def test_a_staff_user_of_one_brand_gets_404_for_another_brands_ticket(staff, cr_ticket):
    base = f"/api/v1/staff/tickets/{cr_ticket.reference}/"
    messages_before = cr_ticket.messages.count()
    assert staff.get(base).status_code == 404
    for action, data in [
        ("reply/", {"body": "Hi"}),
        ("notes/", {"body": "Hi"}),
        ("assign/", {"assignee": None}),
        ("escalate/", {}),
        ("resolve/", {}),
    ]:
        response = staff.post(base + action, data, format="json")
        assert response.status_code == 404, action
    cr_ticket.refresh_from_db()
    assert (cr_ticket.status, cr_ticket.tier, cr_ticket.assignee) == ("new", 1, None)
    assert cr_ticket.messages.count() == messages_before


@pytest.mark.django_db
def test_an_unknown_reference_is_not_found_for_staff(staff):
    assert staff.get("/api/v1/staff/tickets/KS-424242/").status_code == 404


# ----------------------------------------------------------------------------------- actions


@pytest.mark.django_db
def test_an_agent_replies_by_mail_and_sets_the_status(
    staff, ks_ticket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            f"/api/v1/staff/tickets/{ks_ticket.reference}/reply/",
            {
                "body": "Which size do you wear?",
                "status": "waiting",
                "last_seen_message": ks_ticket.messages.latest("id").pk,
            },
            format="json",
        )
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "waiting"
    assert any("Which size do you wear?" in m.body for m in mail.outbox)
    clock = ks_ticket.clocks.get(kind=SlaClock.Kind.FIRST_RESPONSE)
    assert clock.state == SlaClock.State.STOPPED


@pytest.mark.django_db
def test_a_reply_with_an_unknown_status_or_no_body_is_refused(staff, ks_ticket):
    url = f"/api/v1/staff/tickets/{ks_ticket.reference}/reply/"
    seen = ks_ticket.messages.latest("id").pk
    response = staff.post(
        url, {"body": "", "status": "closed", "last_seen_message": seen}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"body", "status"}


@pytest.mark.django_db
def test_an_internal_note_is_kept_from_the_customer(staff, storefront, ks_ticket):
    response = staff.post(
        f"/api/v1/staff/tickets/{ks_ticket.reference}/notes/", {"body": "Refund approved"}
    )
    assert response.status_code == 201
    assert response.json()["messages"][-1]["kind"] == "note"
    public = storefront.get(f"/api/v1/tickets/{ks_ticket.reference}/")
    assert "Refund approved" not in public.content.decode()
    assert len(mail.outbox) == 0


@pytest.mark.django_db
def test_an_agent_assigns_a_colleague_and_unassigns(staff, kendrascottes, ks_ticket):
    colleague = agent_of(kendrascottes, username="colleague")
    url = f"/api/v1/staff/tickets/{ks_ticket.reference}/assign/"
    response = staff.post(url, {"assignee": colleague.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["assignee"]["username"] == "colleague"
    assert staff.post(url, {"assignee": None}, format="json").json()["assignee"] is None


@pytest.mark.django_db
def test_assigning_someone_outside_the_brand_or_unknown_is_refused_alike(staff, crocso, ks_ticket):
    stranger = agent_of(crocso, username="stranger")
    url = f"/api/v1/staff/tickets/{ks_ticket.reference}/assign/"
    outside = staff.post(url, {"assignee": stranger.pk}, format="json")
    unknown = staff.post(url, {"assignee": 987654}, format="json")
    assert outside.status_code == unknown.status_code == 400
    assert outside.json() == unknown.json()


@pytest.mark.django_db
def test_an_agent_escalates_and_the_customer_request_counts_once(staff, ks_ticket):
    url = f"/api/v1/staff/tickets/{ks_ticket.reference}/escalate/"
    response = staff.post(url, {"on_customer_request": True}, format="json")
    assert response.status_code == 200
    assert response.json()["tier"] == 2
    assert response.json()["escalation_requested_at"] is not None
    again = staff.post(url, {"on_customer_request": True}, format="json")
    assert again.status_code == 400


@pytest.mark.django_db
def test_escalating_past_the_top_tier_is_refused(staff, ks_ticket):
    url = f"/api/v1/staff/tickets/{ks_ticket.reference}/escalate/"
    assert staff.post(url, {}, format="json").status_code == 200
    response = staff.post(url, {}, format="json")
    assert response.status_code == 400
    assert response.json()["message"] == "There is no higher tier."


@pytest.mark.django_db
def test_an_agent_resolves_a_ticket_and_its_clocks_stop(staff, ks_ticket):
    url = f"/api/v1/staff/tickets/{ks_ticket.reference}/resolve/"
    refused = staff.post(url, {}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()["fields"]
    response = staff.post(url, {"reason": "Answered by phone."}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "resolved"
    assert not ks_ticket.clocks.exclude(state=SlaClock.State.STOPPED).exists()
