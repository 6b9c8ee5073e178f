"""A populated demo: both brands' staff with a login per role, and weeks of history.

The history is made the way real work makes it, through the services (mail arriving, the
contact form, agents replying, escalating, merging, customers rating), each step at its own
instant in the past. Time is travelled to that instant for the step, and the SLA sweep runs
there first, so every clock, warning, breach and escalation is the engine's own, computed
from the real timestamps; nothing is written into a clock column by hand.

Demo customers write from addresses at `DEMO_DOMAIN`: that is how a demo ticket is told
from a real one, and the demo is never loaded into a database holding real tickets.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from brands.calendars import clock_open_seconds
from brands.memberships import membership_grant
from brands.models import Brand, BrandMembership, SlaPolicy
from helpdesk.errors import ApplicationError
from helpdesk.models import Macro, Message, Ticket
from helpdesk.services.intake.inbound import inbound_process, inbound_store
from helpdesk.services.intake.storefront import ticket_open
from helpdesk.services.sla.sweep import sla_sweep
from helpdesk.services.tickets.feedback import feedback_record
from helpdesk.services.tickets.lifecycle import (
    ticket_add_note,
    ticket_assign,
    ticket_escalate,
    ticket_reply,
)
from helpdesk.services.tickets.merge import ticket_merge

DEMO_DOMAIN = "demo.example"
ADMIN_USERNAME = "admin"
ROLES = (
    ("agent", BrandMembership.Role.AGENT),
    ("senior", BrandMembership.Role.SENIOR),
    ("owner", BrandMembership.Role.OWNER),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    what: str


def demo_foreign_tickets() -> int:
    """Tickets that are not the demo's: their presence refuses the demo."""
    return Ticket.objects.exclude(customer_email__iendswith=f"@{DEMO_DOMAIN}").count()


def demo_logins_reset(brands: list[Brand]) -> list[DemoLogin]:
    """Per brand an agent, a senior agent and an owner, plus an administrator; each gets a
    fresh password (printed once by the command). Their admin access comes with their role."""
    users = get_user_model().objects
    logins = []
    for brand in brands:
        for suffix, role in ROLES:
            username = f"{brand.slug}-{suffix}"
            user, _ = users.get_or_create(
                username=username,
                defaults={"email": f"{username}@staff.{DEMO_DOMAIN}", "first_name": suffix.title()},
            )
            membership_grant(user, brand, role)
            logins.append(DemoLogin(username, _password_set(user), f"{brand.name} {role.label}"))
    admin, _ = users.get_or_create(
        username=ADMIN_USERNAME, defaults={"email": f"admin@staff.{DEMO_DOMAIN}"}
    )
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])
    logins.append(DemoLogin(ADMIN_USERNAME, _password_set(admin), "administrator (every brand)"))
    return logins


def _password_set(user: AbstractBaseUser) -> str:
    password = secrets.token_urlsafe(9)
    user.set_password(password)
    user.save(update_fields=["password"])
    return password


def demo_load(brands: list[Brand], now: datetime | None = None) -> tuple[int, list[DemoLogin]]:
    """The demo's logins (fresh passwords) and, once, weeks of history up to `now`: returns
    how many tickets were opened (0 when the history was there already) and the logins.
    Refuses, changing nothing, a database with tickets that are not the demo's."""
    foreign = demo_foreign_tickets()
    if foreign:
        raise ApplicationError(
            f"This database holds {foreign} ticket(s) that are not the demo's: the demo is "
            "only loaded into a database of its own.",
            {"database": "Use an empty database for the demo."},
        )
    logins = demo_logins_reset(brands)
    if Ticket.objects.exists():
        return 0, logins
    return _history_load(brands, now or timezone.now()), logins


# A brand's canned replies, as an owner would write them: one per way a reply leaves a ticket.
DEMO_MACROS = [
    (
        "We are on it",
        "Hello {customer_name},\n\nThank you for writing. We are looking into {reference} and "
        "you will hear from us by {promised_time}.\n\n{agent_name}",
        Ticket.Status.OPEN,
    ),
    (
        "Return label",
        "Hello {customer_name},\n\nHere is the return label for {reference}: print it, stick "
        "it on the parcel and drop it at any post office. We will write as soon as it "
        "arrives.\n\n{agent_name}",
        Ticket.Status.WAITING,
    ),
    (
        "Solved, anything else?",
        "Hello {customer_name},\n\nI am glad this is sorted. If anything else comes up, just "
        "reply to this mail and {reference} opens again.\n\n{agent_name}",
        Ticket.Status.RESOLVED,
    ),
]


def _history_load(brands: list[Brand], now: datetime) -> int:
    for brand in brands:
        for name, body, status in DEMO_MACROS:
            Macro.objects.get_or_create(
                brand=brand, name=name, defaults={"body": body, "status": status}
            )
    steps: list[tuple[datetime, Callable[[], None]]] = []
    for brand in brands:
        steps.extend(_BrandStory(brand, now).steps())
    steps.sort(key=lambda step: step[0])
    for at, step in steps:
        with time_machine.travel(at, tick=False):
            # What the beat would have fired by then, fired then.
            sla_sweep(now=at)
            with transaction.atomic():
                step()
    with time_machine.travel(now, tick=False):
        sla_sweep(now=now)
    return Ticket.objects.count()


class _BrandStory:
    """One brand's weeks: each ticket a few steps, placed by business hours before `now`."""

    def __init__(self, brand: Brand, now: datetime) -> None:
        self.brand, self.now = brand, now
        self.zone = ZoneInfo(brand.time_zone)
        self.tickets: dict[str, Ticket] = {}
        self.staff = {
            suffix: get_user_model().objects.get(username=f"{brand.slug}-{suffix}")
            for suffix, _ in ROLES
        }
        self.texts = STORIES[brand.slug] if brand.slug in STORIES else STORIES["default"]
        self._steps: list[tuple[datetime, Callable[[], None]]] = []

    # -- when --------------------------------------------------------------------------------

    def business_hours_ago(self, hours: float) -> datetime:
        """The instant `hours` of the brand's business time before now (hour steps, then
        minutes), so a ticket lands in warning or breach by the brand's own calendar."""
        wanted = int(hours * 3600)
        at = self.now
        for step in (timedelta(hours=1), timedelta(minutes=5)):
            while (
                clock_open_seconds(self.brand, SlaPolicy.Clock.BUSINESS, at - step, self.now)
                < wanted
            ):
                at -= step
        return at

    def days_ago(self, days: int, hour: int = 10, minute: int = 0) -> datetime:
        """A weekday `days` ago (a weekend moves to the Friday before) at a local time."""
        day = (self.now.astimezone(self.zone) - timedelta(days=days)).date()
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        return datetime.combine(day, time(hour, minute), tzinfo=self.zone)

    def at(self, when: datetime, step: Callable[[], None]) -> None:
        self._steps.append((min(when, self.now - timedelta(minutes=1)), step))

    # -- what --------------------------------------------------------------------------------

    def mail(self, key: str, when: datetime, who: str, subject: str, body: str) -> None:
        """A customer's mail to the support address, new or a reply by the reference."""

        def arrive() -> None:
            ticket = self.tickets.get(key)
            message = EmailMessage()
            name, local = who.split("|")
            message["From"] = f"{name} <{local}@{DEMO_DOMAIN}>"
            message["To"] = self.brand.addresses.first().email
            message["Subject"] = f"Re: [{ticket.reference}] {ticket.subject}" if ticket else subject
            message["Date"] = format_datetime(timezone.now())
            message["Message-ID"] = make_msgid(domain=DEMO_DOMAIN)
            message.set_content(body)
            inbound = inbound_store(message.as_bytes(), source="demo")
            inbound_process(inbound.pk)
            if ticket is None:
                self.tickets[key] = Message.objects.get(
                    brand=self.brand, message_id=message["Message-ID"]
                ).ticket

        self.at(when, arrive)

    def form(self, key: str, when: datetime, who: str, subject: str, body: str, **fields) -> None:
        """A request through the brand's contact form (a category, an order number)."""

        def send() -> None:
            name, local = who.split("|")
            category = fields.pop("category", None)
            self.tickets[key] = ticket_open(
                self.brand,
                customer_email=f"{local}@{DEMO_DOMAIN}",
                customer_name=name,
                subject=subject,
                message=body,
                category=self.brand.categories.get(slug=category) if category else None,
                **fields,
            )

        self.at(when, send)

    def reply(self, key: str, when: datetime, who: str, body: str, **options) -> None:
        def answer() -> None:
            ticket = self.tickets[key]
            if ticket.assignee_id is None:
                ticket_assign(ticket, self.staff[who])
            ticket_reply(ticket, author=self.staff[who], body=body, at=timezone.now(), **options)

        self.at(when, answer)

    def escalate(self, key: str, when: datetime, who: str, note: str) -> None:
        def up() -> None:
            ticket = self.tickets[key]
            ticket_add_note(ticket, author=self.staff[who], body=note)
            ticket_escalate(ticket, at=timezone.now(), actor=self.staff[who])

        self.at(when, up)

    def merge(self, key: str, into: str, when: datetime) -> None:
        self.at(
            when,
            lambda: ticket_merge(
                self.tickets[key], into=self.tickets[into], actor=self.staff["agent"]
            ),
        )

    def rate(self, key: str, when: datetime, rating: int, comment: str = "") -> None:
        def give() -> None:
            ticket = Ticket.objects.get(pk=self.tickets[key].pk)
            feedback_record(ticket, rating=rating, comment=comment)

        self.at(when, give)

    # -- the story ---------------------------------------------------------------------------

    def steps(self) -> list[tuple[datetime, Callable[[], None]]]:
        t = self.texts
        resolved = Ticket.Status.RESOLVED
        waiting = Ticket.Status.WAITING
        # Resolved over the past four weeks, answered sooner or later, rated: the reports.
        for n, (days, answer_hours, rating, comment) in enumerate(
            [
                (26, 3, 5, "Quick and kind, thank you."),
                (23, 20, 4, ""),
                (20, 30, 3, "Took a while, but sorted."),
                (18, 2, 5, "Perfect."),
                (15, 50, 2, "Too slow for a simple question."),
                (12, 6, 5, ""),
                (9, 26, 4, "Fine."),
                (6, 4, 5, "Excellent service."),
            ]
        ):
            key = f"resolved-{n}"
            who, subject, body, answer = t["resolved"][n % len(t["resolved"])]
            received = self.days_ago(days, hour=9 + n % 6)
            self.mail(key, received, who, subject, body)
            answered = received + timedelta(hours=answer_hours)
            if n % 3 == 1:
                # A question back before it is settled: a next reply, answered in time.
                self.reply(key, answered, "agent", answer)
                self.mail(key, answered + timedelta(hours=3), who, "", t["thanks"][0])
                answered += timedelta(hours=6)
                self.reply(key, answered, "agent", t["thanks"][1], status=resolved)
            else:
                self.reply(key, answered, "agent", answer, status=resolved)
            self.rate(key, answered + timedelta(hours=5), rating, comment)
        # Today's work: new, in warning, breached (the engine decides from the hours).
        who, subject, body = t["new"]
        self.mail("new", self.now - timedelta(hours=2), who, subject, body)
        who, subject, body = t["urgent"]
        self.mail("urgent", self.now - timedelta(hours=5), who, subject, body)
        who, subject, body = t["warning"]
        self.mail("warning", self.business_hours_ago(30), who, subject, body)
        who, subject, body = t["breached"]
        self.mail("breached", self.business_hours_ago(55), who, subject, body)
        # Waiting on the customer.
        who, subject, body, answer = t["waiting"]
        self.mail("waiting", self.business_hours_ago(40), who, subject, body)
        self.reply("waiting", self.business_hours_ago(30), "agent", answer, status=waiting)
        # Escalated to the senior team by the agent.
        who, subject, body, answer, note = t["tier2"]
        self.mail("tier2", self.business_hours_ago(45), who, subject, body)
        self.reply("tier2", self.business_hours_ago(40), "agent", answer)
        self.escalate("tier2", self.business_hours_ago(20), "agent", note)
        # A complaint with a proposed resolution.
        who, subject, body, answer, fields = t["complaint"]
        self.form("complaint", self.business_hours_ago(35), who, subject, body, **fields)
        self.reply(
            "complaint",
            self.business_hours_ago(12),
            "senior",
            answer,
            status=waiting,
            proposes_resolution=True,
        )
        # Other languages (the language extension on their clocks).
        who, subject, body, answer = t["french"]
        self.mail("french", self.business_hours_ago(20), who, subject, body)
        self.reply("french", self.business_hours_ago(6), "agent", answer)
        who, subject, body = t["spanish"]
        self.mail("spanish", self.business_hours_ago(8), who, subject, body)
        # The same customer twice about one thing: merged.
        who, subject, body, again = t["merged"]
        self.mail("merged", self.business_hours_ago(16), who, subject, body)
        self.form("merged-2", self.business_hours_ago(14), who, subject, again)
        self.merge("merged-2", "merged", self.business_hours_ago(10))
        # A follow-up: answered, then the customer wrote again (the next-reply clock).
        who, subject, body, answer, again = t["follow-up"]
        self.mail("follow-up", self.business_hours_ago(28), who, subject, body)
        self.reply("follow-up", self.business_hours_ago(22), "agent", answer)
        self.mail("follow-up", self.business_hours_ago(5), who, "", again)
        return self._steps


# The customers' words, per brand, kept whole on one line each (data, not code).
# ruff: noqa: E501
# The customers' words, per brand ("Name|address" of the sender, subject, body, our answer).
STORIES: dict[str, dict] = {
    "kendrascottes": {
        "thanks": (
            "Thank you! One more thing: how long does delivery take?",
            "Two to four business days within the US. Have a lovely day!",
        ),
        "resolved": [
            (
                "Amelia Hart|amelia",
                "Ring sizing question",
                "Hello, does the Luna ring run small? I usually wear a 6.",
                "Hi Amelia, the Luna ring is true to size: a 6 will fit as usual.",
            ),
            (
                "Noah Price|noah",
                "Gift wrapping",
                "Can you gift wrap the Aurora necklace with a note?",
                "Hi Noah, yes: add the note at checkout and we wrap it for free.",
            ),
            (
                "Isla Moreno|isla",
                "Care instructions",
                "How should I clean my sterling silver bracelet?",
                "Hi Isla, a soft cloth and a little mild soap; never dip it in cleaner.",
            ),
            (
                "Liam Brooks|liam",
                "Order confirmation missing",
                "I ordered yesterday (order 104233) but got no confirmation mail.",
                "Hi Liam, order 104233 is confirmed; we sent the mail again.",
            ),
        ],
        "new": (
            "Grace Lin|grace",
            "Restock of the Celeste earrings?",
            "Will the Celeste earrings come back? I missed the drop.",
        ),
        "urgent": (
            "Oliver Quinn|oliver",
            "Necklace arrived damaged",
            "My Aurora necklace arrived damaged, the clasp is broken. Order 104871. It is a gift for Saturday.",
        ),
        "warning": (
            "Chloe Evans|chloe",
            "Change of address",
            "Can I still change the shipping address for order 104902?",
        ),
        "breached": (
            "Ethan Ward|ethan",
            "Engraving options",
            "Which fonts can you engrave on the Signet ring?",
        ),
        "waiting": (
            "Mia Collins|mia",
            "Return of a bracelet",
            "I would like to return the Stella bracelet, it is too large.",
            "Hi Mia, happy to help: could you send us the order number so we can open the return?",
        ),
        "tier2": (
            "Lucas Reed|lucas",
            "Refund not received",
            "I returned my earrings three weeks ago and have no refund yet. Order 103377.",
            "Hi Lucas, I can see the return arrived; I am checking the refund with our finance team.",
            "The refund failed twice at the payment provider: needs a senior to issue it by hand.",
        ),
        "complaint": (
            "Sophie Turner|sophie",
            "Tarnished ring after two weeks",
            "The gold-plated ring I bought is tarnished after two weeks of wear. I am disappointed.",
            "Hi Sophie, I am sorry. We propose a full replacement with our solid gold version at no extra cost, or a full refund: which do you prefer?",
            {"category": "complaint", "order_number": "104512"},
        ),
        "french": (
            "Camille Martin|camille",
            "Question sur une bague",
            "Bonjour, je voudrais savoir si la bague Luna existe en or rose. Merci beaucoup pour votre aide.",
            "Bonjour Camille, oui, la bague Luna existe en or rose, en tailles 5 à 8.",
        ),
        "spanish": (
            "Lucía García|lucia",
            "Consulta sobre un collar",
            "Hola, quisiera saber si el collar Aurora se puede enviar a México. Muchas gracias por su ayuda.",
        ),
        "merged": (
            "Henry Scott|henry",
            "Where is my order?",
            "Hello, my order 104650 has not shipped yet, can you check?",
            "Sorry to write again: any news about order 104650?",
        ),
        "follow-up": (
            "Ava Bennett|ava",
            "Matching earrings",
            "Do you have earrings that match the Stella bracelet?",
            "Hi Ava, yes: the Stella studs are made to match.",
            "Thank you! Are the Stella studs available in silver too?",
        ),
    },
    "crocso": {
        "thanks": (
            "Great, thanks. Do you ship to Canada as well?",
            "Yes, we ship to Canada: 5 to 8 business days.",
        ),
        "resolved": [
            (
                "Jack Miller|jack",
                "Which size for kids?",
                "My son wears a 13 in sneakers, which Classic Clog size should I order?",
                "Hi Jack, take a C13; Classic Clogs are roomy.",
            ),
            (
                "Emma Davis|emma",
                "Jibbitz not included",
                "My Jibbitz pack was missing from order 552310.",
                "Hi Emma, sorry about that: a new pack is on its way today.",
            ),
            (
                "Leo Wilson|leo",
                "Exchange for a bigger size",
                "Can I exchange my sandals for one size up?",
                "Hi Leo, yes: here is your prepaid exchange label.",
            ),
            (
                "Zoe Harris|zoe",
                "Checkout error",
                "The checkout page gave me an error when paying with my card.",
                "Hi Zoe, we fixed a payment page fault this morning; please try again.",
            ),
        ],
        "new": ("Ella Young|ella", "Waterproof sneakers?", "Are the new Echo sneakers waterproof?"),
        "urgent": (
            "Mason Clark|mason",
            "Package says delivered but never arrived",
            "Tracking says delivered but my package never arrived. Order 553014.",
        ),
        "warning": (
            "Lily Adams|lily",
            "Order status",
            "What is the status of order 552980? It has been a week.",
        ),
        "breached": (
            "James King|james",
            "Account password reset",
            "I never receive the password reset mail for my account.",
        ),
        "waiting": (
            "Aria Scott|aria",
            "Refund for returned clogs",
            "I sent my clogs back, when will I get my refund?",
            "Hi Aria, could you send us the return tracking number so we can find the parcel?",
        ),
        "tier2": (
            "Owen Baker|owen",
            "Wrong item received",
            "I received the wrong item: red clogs instead of navy. Order 552777.",
            "Hi Owen, sorry! The navy pair is out of stock in your size; let me check with the warehouse.",
            "Warehouse cannot find the navy pair: a senior should decide on a substitute or refund.",
        ),
        "complaint": (
            "Ruby Lewis|ruby",
            "Sole came off after a month",
            "The sole of my sandals came off after one month. Not happy with the quality.",
            "Hi Ruby, that should not happen: we propose a free replacement pair, shipped today.",
            {"category": "feedback"},
        ),
        "french": (
            "Louis Bernard|louis",
            "Question sur les sabots",
            "Bonjour, est-ce que les sabots Classic existent en pointure 47 ? Merci d'avance pour votre réponse.",
            "Bonjour Louis, oui, les sabots Classic existent en pointure 47 (M13).",
        ),
        "spanish": (
            "Mateo López|mateo",
            "Pregunta sobre sandalias",
            "Hola, ¿las sandalias de verano están disponibles en talla 38? Muchas gracias por su ayuda.",
        ),
        "merged": (
            "Nora Hall|nora",
            "Delivery time",
            "How long does delivery take to Colorado for order 553100?",
            "Sorry, second message: order 553100, when will it arrive?",
        ),
        "follow-up": (
            "Leah Allen|leah",
            "Cleaning my clogs",
            "How do I clean my fuzz-lined clogs?",
            "Hi Leah, spot-clean the lining with cold water and mild soap; let them air dry.",
            "Thanks! Can I put the shell of the clog in the washing machine?",
        ),
    },
}
STORIES["default"] = STORIES["kendrascottes"]
