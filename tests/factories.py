"""What tests set up, in one place: brands, staff and their roles in brands, and tickets with
their messages, attachments, clocks and SLA events.

Brands are the two the repository ships, loaded from their files (the `kendrascottes` and
`crocso` fixtures in conftest.py use `BrandFactory`). A ticket is opened through the services,
so its first message and its clocks are the ones the code makes, and `SlaClockFactory` starts
another promise's clock the same way; rows written as they are (`MessageFactory`,
`AttachmentFactory`, `SlaEventFactory`) are for what no service writes in a test's few lines.
"""

from datetime import timedelta
from pathlib import Path

import factory
from django.conf import settings
from django.contrib.auth import get_user_model
from django.forms import CheckboxInput
from django.utils import timezone

from brands.loader import brand_files_load
from brands.models import Brand, BrandMembership
from helpdesk.models import Attachment, Message, SlaClock, SlaEvent, Ticket
from helpdesk.services.intake.storefront import ticket_open
from helpdesk.services.sla.clocks import clock_start, clock_terms
from helpdesk.services.tickets.lifecycle import ticket_create

# -- brands --------------------------------------------------------------------------------------


class BrandFactory(factory.Factory):
    """A brand as the repository ships it, loaded from its brand file by the loader (so every
    setting, calendar, category and tier is the file's); loading it again changes nothing."""

    class Meta:
        model = Brand

    slug = "kendrascottes"

    @classmethod
    def _create(cls, model_class, slug: str) -> Brand:
        brand_files_load([Path(settings.BRANDS_CONFIG_DIR) / f"{slug}.toml"])
        return Brand.objects.select_related("policy").get(slug=slug)


# -- staff ---------------------------------------------------------------------------------------


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@staff.example")
    is_staff = True
    password = factory.django.Password("pw")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BrandMembership

    user = factory.SubFactory(UserFactory)
    role = BrandMembership.Role.AGENT


def agent_of(brand, role: str = BrandMembership.Role.AGENT, **user_fields):
    return MembershipFactory(
        brand=brand,
        role=role,
        user__username=user_fields.pop("username", f"{role}-{brand.slug}"),
        **{f"user__{k}": v for k, v in user_fields.items()},
    ).user


def member(username: str, *roles: tuple[Brand, str], **fields):
    """A user with each (brand, role) given, for people who work for several brands."""
    user = UserFactory(username=username, **fields)
    for brand, role in roles:
        BrandMembership.objects.create(user=user, brand=brand, role=role)
    return user


# -- tickets -------------------------------------------------------------------------------------


class TicketFactory(factory.Factory):
    """A ticket opened by `ticket_create`, as mail or an agent opens one: with its customer's
    first message and the clocks its brand's policy starts.

    `brand` is required. The customer wrote five minutes ago unless `received_at` says when;
    any other argument of `ticket_create` passes through (`category`, `is_urgent`, `language`,
    `message_fields`, `acknowledge`...).
    """

    class Meta:
        model = Ticket

    customer_email = "ann@customer.example"
    subject = "Where is my order?"
    body = "Hello, my order has not arrived."
    received_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=5))

    @classmethod
    def _create(cls, model_class, **fields) -> Ticket:
        return ticket_create(**fields)


class StorefrontTicketFactory(factory.Factory):
    """A ticket opened as a storefront or the contact form opens one (`ticket_open`): the
    brand's urgent words are looked for in the text, and the customer is acknowledged.

    `brand` is required; the first message is `message`, as the API calls it.
    """

    class Meta:
        model = Ticket

    customer_email = "ann@customer.example"
    customer_name = "Ann"
    subject = "Where is my necklace?"
    message = "It has not arrived."

    @classmethod
    def _create(cls, model_class, **fields) -> Ticket:
        return ticket_open(**fields)


def first_response(ticket: Ticket) -> SlaClock:
    """The ticket's first-response clock."""
    return ticket.clocks.get(kind=SlaClock.Kind.FIRST_RESPONSE)


class SlaClockFactory(factory.Factory):
    """A clock of `kind` started on `ticket` by the SLA service, with the terms the brand's
    policy gives that promise (the first response starts with the ticket itself)."""

    class Meta:
        model = SlaClock

    kind = SlaClock.Kind.COMPLAINT_PROPOSAL
    started_at = factory.LazyFunction(timezone.now)
    tier = None

    @classmethod
    def _create(cls, model_class, ticket: Ticket, kind: str, started_at, tier) -> SlaClock:
        terms = clock_terms(ticket, kind, started_at, tier=tier)
        if terms is None:
            raise ValueError(f"{ticket.brand} promises no {kind} clock.")
        return clock_start(ticket, terms, tier=tier)


class MessageFactory(factory.django.DjangoModelFactory):
    """A message written as a row on the `ticket` given, now, moving no clock (a reply that
    should count goes through `ticket_reply`)."""

    class Meta:
        model = Message

    brand = factory.SelfAttribute("ticket.brand")
    kind = Message.Kind.INBOUND
    created_at = factory.LazyFunction(timezone.now)


class AttachmentFactory(factory.django.DjangoModelFactory):
    """A small photo kept with the `message` given."""

    class Meta:
        model = Attachment

    filename = "photo.jpg"
    content_type = "image/jpeg"
    file = factory.django.FileField(filename="photo.jpg", data=b"jpeg bytes")
    size = 10


class SlaEventFactory(factory.django.DjangoModelFactory):
    """An event of the `clock` given, written as a row: by default the warning of tier 1 due at
    the clock's target, fired now (the sweep fires real ones; this is for pages and reports
    that list them)."""

    class Meta:
        model = SlaEvent

    ticket = factory.SelfAttribute("clock.ticket")
    kind = SlaEvent.Kind.WARNING
    due_at = factory.SelfAttribute("clock.target_at")
    tier = 1
    created_at = factory.LazyFunction(timezone.now)


def admin_form_data(response, changes: dict | None = None) -> dict:
    """The POST an admin change page would send untouched: its form, every inline form and
    the management forms; `changes` (field's HTML name: value) are applied on top."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data: dict = {}
    for form in forms:
        for name, field in form.fields.items():
            bound = form[name]
            value = bound.value()
            if isinstance(field.widget, CheckboxInput):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            elif hasattr(value, "isoformat"):
                data[bound.html_name] = value.isoformat()
            else:
                data[bound.html_name] = "" if value is None else str(value)
    changes = {key: str(value) for key, value in (changes or {}).items()}
    return data | changes | {"_save": "Save"}
