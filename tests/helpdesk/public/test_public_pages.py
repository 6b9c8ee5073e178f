"""A brand's public pages: the policy from its settings, the contact form and the customer's
view of a ticket with its rating form."""

import html as html_lib
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone

from brands.models import Brand, SlaPolicy
from brands.promises import promise_text
from brands.services import policy_version_record
from helpdesk.models import Feedback, Ticket
from helpdesk.services.rendering.status_links import status_path, status_url
from helpdesk.services.tickets.lifecycle import ticket_add_note, ticket_create, ticket_reply
from tests.factories import agent_of


def text_of(response) -> str:
    """The page's words without tags, spaces collapsed."""
    html = response.content.decode()
    body = html[html.index("<main>") :]
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", body)).split())


# -- the policy page ------------------------------------------------------------------------------


def _original_headings(slug: str) -> list[str]:
    """The numbered sections of the brand's own policy text, in order."""
    text = (Path(settings.BRANDS_CONFIG_DIR) / "originals" / f"{slug}.txt").read_text("utf-8")
    return re.findall(r"^\s*(\d+\. [^\n]+?)\s*$", text, flags=re.MULTILINE)


def _headings(response) -> list[str]:
    return [
        html_lib.unescape(heading)
        for heading in re.findall(r"<h2>([^<]+)</h2>", response.content.decode())
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["kendrascottes", "crocso"])
def test_the_policy_page_has_the_brands_own_sections_in_their_order(client, shipped_brands, slug):
    headings = _headings(client.get(f"/b/{slug}/policy/"))

    assert headings == _original_headings(slug)


@pytest.mark.django_db
def test_the_policy_page_says_kendrascottes_promises_in_its_words_with_the_kept_figures(
    client, kendrascottes
):
    response = client.get("/b/kendrascottes/policy/")

    assert response.status_code == 200
    text = text_of(response)
    for sentence in (
        "Respond to all email inquiries within 24 to 48 business hours (excluding weekends and "
        "major holidays). For urgent matters (e.g., damaged item on delivery, shipping "
        "emergency), we prioritize responses and aim to reply within 12 business hours.",
        "at least once every 3 to 5 business days to keep you updated on progress",
        "Monday to Friday: all day",
        "Christmas Day, Independence Day, Labor Day, Memorial Day, New Year's Day, "
        "Thanksgiving Day",
        "Tracking shipments, updating shipping addresses (before orders ship)",
        "including your order number (if applicable)",
        "propose a resolution within 48 business hours of receiving your complaint",
        # "we'll escalate", and the calendar hours the policy wrote, which the clock keeps.
        "we'll escalate your concern to a senior team member for further review, with a "
        "response provided within an additional 24 to 48 hours.",
        "primarily in English",
        "slightly extended (by up to 24 business hours)",
        "support@kendrascottes.example",
    ):
        assert sentence in text, sentence
    version = kendrascottes.policy_versions.get()
    local = timezone.localtime(version.created_at, timezone=_zone(kendrascottes))
    assert f"Last updated: {local:%B} {local.day}, {local.year}" in text


def _zone(brand: Brand):
    return ZoneInfo(brand.time_zone)


@pytest.mark.django_db
def test_the_policy_page_says_crocsos_own_promises(client, crocso):
    text = text_of(client.get("/b/crocso/policy/"))

    for sentence in (
        # The peak-period sentence is part of the policy, dates or not.
        "During peak periods (e.g., sales events, holidays), response times may be slightly "
        "extended",
        "aim to respond within 24 hours.",
        "in a single interaction whenever possible",
        "we will keep you informed of the progress at each step",
        "in line with our Refund Policy and Shipping Policy",
        "you may request to escalate the matter to a senior customer service representative",
        "primarily assists in English",
        'Any changes will be posted on this page with an updated "last updated" date.',
        "Checkout errors, navigation problems.",
    ):
        assert sentence in text, sentence
    # Kendrascottes' complaint step and cadence are not Crocso's promises.
    assert "order number" not in text
    assert "business days" not in text
    assert "propose a resolution" not in text


@pytest.mark.django_db
def test_a_switched_off_figure_takes_its_sentence_off_the_page(client, kendrascottes):
    SlaPolicy.objects.filter(brand=kendrascottes).update(complaint_proposal_latest_hours=None)

    text = text_of(client.get("/b/kendrascottes/policy/"))

    assert "propose a resolution" not in text
    assert "Step 1: Contact us with details of your concern" in text


@pytest.mark.django_db
def test_an_edited_sentence_is_a_policy_version_and_is_on_the_page(client, kendrascottes):
    section = kendrascottes.policy_sections.get(key="commitment")
    section.body = "We answer <kindly> within {first_response}."
    section.save()
    version = policy_version_record(kendrascottes, source="test")

    assert version.changes["page_sections.commitment.body"][1] == section.body
    page = client.get("/b/kendrascottes/policy/").content.decode()
    assert "We answer &lt;kindly&gt; within 24 to 48 business hours." in page


@pytest.mark.django_db
def test_a_settings_change_moves_the_page_the_acknowledgement_and_the_due_time_together(
    client, kendrascottes, django_capture_on_commit_callbacks
):
    kendrascottes.policy_versions.update(created_at=datetime(2025, 1, 15, 18, tzinfo=UTC))
    before = text_of(client.get("/b/kendrascottes/policy/"))
    assert "Last updated: January 15, 2025" in before
    assert "within 24 to 48 business hours" in before

    SlaPolicy.objects.filter(brand=kendrascottes).update(
        first_response_target_hours=Decimal("30"), first_response_latest_hours=Decimal("40.5")
    )
    version = policy_version_record(kendrascottes, source="test")

    after = text_of(client.get("/b/kendrascottes/policy/"))
    local = timezone.localtime(version.created_at, timezone=_zone(kendrascottes))
    assert "within 30 to 40.5 business hours" in after
    assert f"Last updated: {local:%B} {local.day}, {local.year}" in after
    assert "January 15, 2025" not in after
    with django_capture_on_commit_callbacks(execute=True):
        contact(client)
    clock = Ticket.objects.get().clocks.get(kind="first_response")
    assert clock.latest_seconds == int(Decimal("40.5") * 3600)
    assert promise_text(clock.latest_at, kendrascottes.time_zone) in mail.outbox[0].body


@pytest.mark.django_db
def test_an_unknown_brand_has_no_pages(client, shipped_brands):
    assert client.get("/b/nobody/policy/").status_code == 404
    assert client.get("/b/nobody/contact/").status_code == 404


# -- the contact form -----------------------------------------------------------------------------


def contact(client, slug="kendrascottes", meta: dict | None = None, **fields):
    """Post the contact form; `meta` is the request's environment (client address, headers)."""
    data = {
        "customer_name": "Ann",
        "customer_email": "ann@customer.example",
        "category": "product-information",
        "order_number": "",
        "subject": "Ring sizes",
        "message": "Do you have size 5?",
        "website": "",
    } | fields
    return client.post(f"/b/{slug}/contact/", data, **(meta or {}))


@pytest.mark.django_db
def test_the_contact_form_opens_a_ticket_and_acknowledges_it(
    client, kendrascottes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = contact(client)

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == "/b/kendrascottes/contact/sent/"
    assert (ticket.brand, ticket.customer_email, ticket.subject) == (
        kendrascottes,
        "ann@customer.example",
        "Ring sizes",
    )
    assert ticket.category.slug == "product-information"
    assert ticket.messages.get(kind="inbound").body_text == "Do you have size 5?"
    assert [m.to for m in mail.outbox] == [["ann@customer.example"]]
    sent = client.get(response["Location"])
    assert ticket.reference in sent.content.decode()


@pytest.mark.django_db
def test_the_contact_form_needs_its_csrf_token(kendrascottes):
    browser = Client(enforce_csrf_checks=True)

    form = browser.get("/b/kendrascottes/contact/")
    refused = contact(browser)

    assert 'name="csrfmiddlewaretoken"' in form.content.decode()
    assert refused.status_code == 403
    assert not Ticket.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field", "error"),
    [
        ({"category": "order-support"}, "order_number", "An order number is required"),
        ({"customer_email": "not-an-address"}, "customer_email", "valid email"),
        ({"subject": ""}, "subject", "required"),
        ({"category": "website"}, "category", "Select a valid choice"),  # a Crocso category
        ({"message": "x" * 20_001}, "message", "no more than 20000 characters"),
    ],
)
def test_the_contact_form_refuses_what_the_api_refuses(client, kendrascottes, fields, field, error):
    response = contact(client, **fields)

    assert response.status_code == 400
    assert error in " ".join(response.context["form"].errors.get(field, [])), response.context[
        "form"
    ].errors
    assert not Ticket.objects.exists()


@pytest.mark.django_db
def test_the_contact_form_is_rate_limited_per_address(client, kendrascottes, settings):
    settings.CONTACT_FORM_MAX_PER_HOUR = 2

    statuses = [contact(client, subject=f"Question {n}").status_code for n in range(3)]

    assert statuses == [302, 302, 429]
    assert Ticket.objects.count() == 2
    # Another brand's form counts on its own.
    assert contact(client, slug="crocso").status_code == 302


@pytest.mark.django_db
def test_behind_a_proxy_the_contact_form_counts_each_customer_not_the_proxy(
    client, kendrascottes, settings
):
    settings.CONTACT_FORM_MAX_PER_HOUR = 1
    settings.TRUSTED_PROXY_COUNT = 1

    def from_customer(forwarded: str, n: int) -> int:
        meta = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": forwarded}
        return contact(client, subject=f"Question {n}", meta=meta).status_code

    assert from_customer("203.0.113.7", 1) == 302
    assert from_customer("198.51.100.9", 2) == 302  # another customer, same proxy
    assert from_customer("203.0.113.7", 3) == 429
    # A client writing its own X-Forwarded-For gets the proxy's entry after it: still counted.
    assert from_customer("192.0.2.1, 203.0.113.7", 4) == 429
    # A proxy that adds the client's port: a new connection is not a new client.
    assert from_customer("203.0.113.7:52100", 5) == 429
    assert from_customer("[2001:db8::7]:443", 6) == 302
    assert from_customer("2001:db8::7", 7) == 429
    assert Ticket.objects.count() == 3


@pytest.mark.django_db
def test_without_a_trusted_proxy_a_forwarded_header_changes_nothing(
    client, kendrascottes, settings
):
    settings.CONTACT_FORM_MAX_PER_HOUR = 1
    settings.TRUSTED_PROXY_COUNT = 0
    first = contact(client, meta={"HTTP_X_FORWARDED_FOR": "192.0.2.1"})
    second = contact(client, subject="Again", meta={"HTTP_X_FORWARDED_FOR": "192.0.2.2"})
    assert (first.status_code, second.status_code) == (302, 429)


@pytest.mark.django_db
def test_the_contact_forms_trap_field_quietly_drops_bots(client, kendrascottes):
    response = contact(client, website="http://spam.example")

    assert response.status_code == 302
    assert not Ticket.objects.exists()


# -- the customer's view of a ticket ---------------------------------------------------------------


@pytest.fixture
def answered(kendrascottes) -> Ticket:
    agent = agent_of(kendrascottes)
    ticket = ticket_create(
        kendrascottes,
        customer_email="ann@customer.example",
        subject="Ring sizes",
        body="Do you have size 5?",
    )
    ticket_add_note(ticket, author=agent, body="Internal: check stock")
    ticket_reply(ticket, author=agent, body="Yes, we do.", status="resolved")
    return ticket


@pytest.mark.django_db
def test_the_status_link_shows_the_thread_without_internal_notes(client, answered):
    response = client.get(status_path(answered))

    assert response.status_code == 200
    text = text_of(response)
    assert answered.reference in text and "Resolved" in text
    assert "Do you have size 5?" in text and "Yes, we do." in text
    assert "check stock" not in text
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_an_open_ticket_shows_when_the_customer_will_hear_back(client, kendrascottes):
    ticket = ticket_create(
        kendrascottes, customer_email="b@customer.example", subject="Hi", body="Hi"
    )

    text = text_of(client.get(status_path(ticket)))

    assert "you will hear from us by" in text
    assert "Rate our service" not in text


@pytest.mark.django_db
def test_a_tampered_or_other_brands_link_is_a_404(client, answered, crocso):
    path = status_path(answered)
    token = path.rstrip("/").rsplit("/", 1)[1]

    assert client.get(path[:-3] + "xx/").status_code == 404
    assert client.get(f"/b/crocso/status/{token}/").status_code == 404


@pytest.mark.django_db
def test_the_mailed_link_is_absolute_under_the_public_address(answered, settings):
    settings.PUBLIC_BASE_URL = "https://help.example.com/"

    assert status_url(answered) == "https://help.example.com" + status_path(answered)


@pytest.mark.django_db
def test_a_rating_link_only_fills_in_the_form(client, answered):
    response = client.get(status_path(answered), {"rating": "2"})

    assert response.context["form"]["rating"].value() == 2
    assert 'value="2" required id="id_rating_3" checked' in response.content.decode()
    assert not Feedback.objects.exists()


@pytest.mark.django_db
def test_the_rating_counts_when_the_form_is_submitted_once(client, answered):
    response = client.post(status_path(answered), {"rating": "4", "comment": "Quick, thanks"})

    assert response.status_code == 302
    feedback = Feedback.objects.get()
    assert (feedback.ticket, feedback.rating, feedback.comment) == (answered, 4, "Quick, thanks")
    page = client.get(response["Location"])
    assert "Thank you for your rating." in page.content.decode()
    assert "You rated this request 4 out of 5." in page.content.decode()
    again = client.post(status_path(answered), {"rating": "1"})
    assert again.status_code == 409
    assert Feedback.objects.get().rating == 4


@pytest.mark.django_db
def test_a_ticket_still_open_cannot_be_rated(client, kendrascottes):
    ticket = ticket_create(
        kendrascottes, customer_email="b@customer.example", subject="Hi", body="Hi"
    )

    response = client.post(status_path(ticket), {"rating": "5"})

    assert response.status_code == 409
    assert not Feedback.objects.exists()
