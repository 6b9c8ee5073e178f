"""A brand and every policy setting its promises are computed from.

Nothing here holds a number of the policies themselves: the values come from the brand files in
`brands/config/` or from a brand owner in admin.
"""

import re
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import connections, models
from rest_framework_api_key.models import AbstractAPIKey

from brands.holiday_names import known_holiday_names


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"Unknown time zone {value!r}.")


HOURS = {"max_digits": 7, "decimal_places": 2, "validators": [MinValueValidator(0)]}


class Brand(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(unique=True)
    reference_prefix = models.CharField(
        max_length=5,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{2,5}$", "Two to five capital letters.")],
        help_text="Ticket references read PREFIX-000123.",
    )
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    default_language = models.CharField(
        max_length=16, default="en", help_text="Language code the team answers in."
    )
    from_email = models.EmailField(help_text="Address outgoing mail is sent from.")
    from_name = models.CharField(max_length=120, blank=True)
    # The brand's public pages (header, buttons, links) and its card on the front door.
    colour = models.CharField(
        max_length=7,
        default="#222222",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "A colour as #RRGGBB.")],
        help_text="Header colour of the public pages (#RRGGBB); white text is written on it.",
    )
    accent_colour = models.CharField(
        max_length=7,
        default="#2a7a4b",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "A colour as #RRGGBB.")],
        help_text="Buttons and highlights on the public pages (#RRGGBB).",
    )
    holiday_country = models.CharField(
        max_length=8, default="US", help_text="Country whose holidays the calendar picks from."
    )
    reopen_window_days = models.PositiveSmallIntegerField(
        default=14,
        help_text="A customer reply this many days after resolution reopens the ticket; "
        "later, or after closing, it opens a new ticket linked to the old one.",
    )
    acknowledgements_per_hour = models.PositiveSmallIntegerField(
        default=5, help_text="Most automatic acknowledgements one sender gets in an hour."
    )
    # Retention: each counted from when a finished ticket was closed (else resolved); empty
    # keeps the data for good.
    raw_mail_retention_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Delete the raw inbound mail this many days after its ticket closes. "
        "Empty: kept.",
    )
    attachment_retention_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Delete the attachments of a closed ticket after this many days. Empty: kept.",
    )
    anonymise_after_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Anonymise a closed ticket (names, addresses, text, files) after this many "
        "days; references, times, statuses and ratings stay for the reports. Empty: never.",
    )
    # The last ticket number issued where the brand has no number sequence (SQLite).
    ticket_sequence = models.PositiveIntegerField(default=0, editable=False)
    policy_updated_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the policy last changed."
    )

    class AutoAssign(models.TextChoices):
        OFF = "off", "Off: tickets wait in the queue"
        ROUND_ROBIN = "round_robin", "Round-robin among available agents"
        LEAST_OPEN = "least_open", "The available agent with the fewest open tickets"

    auto_assign = models.CharField(
        max_length=12,
        choices=AutoAssign.choices,
        default=AutoAssign.OFF,
        help_text="Give each new ticket to an available agent of its tier as it arrives, and "
        "open tickets nobody owns as soon as someone of their tier is available.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def ticket_number_sequence(self) -> str:
        """The PostgreSQL sequence the brand's ticket numbers come from."""
        return ticket_number_sequence_name(self.pk)

    def save(self, *args, **kwargs) -> None:
        adding = self._state.adding
        super().save(*args, **kwargs)
        if adding:
            ticket_number_sequence_create(self)


def ticket_number_sequence_name(brand_id: int) -> str:
    return f"brand_{int(brand_id)}_ticket_number"


def ticket_number_sequence_create(brand: Brand) -> None:
    """Made with the brand, so numbering a ticket never runs DDL. A sequence hands numbers
    out without a lock held to the end of the creating transaction (a gap where one rolls
    back, as in any helpdesk). A leftover of a deleted brand with the same id is replaced."""
    connection = connections[brand._state.db or "default"]
    if connection.vendor != "postgresql":
        return
    name = ticket_number_sequence_name(brand.pk)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SEQUENCE IF EXISTS "{name}"')
        cursor.execute(f'CREATE SEQUENCE "{name}" START WITH {int(brand.ticket_sequence) + 1}')


class BrandMembership(models.Model):
    """Who works for or owns a brand. Agents of tier 2 are the senior team."""

    class Role(models.TextChoices):
        AGENT = "agent", "Agent"
        SENIOR = "senior", "Senior agent"
        OWNER = "owner", "Brand owner"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="brand_memberships"
    )
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    # Round-robin assignment gives the next ticket to whoever waited longest since theirs.
    last_assigned_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "brand", "role"], name="unique_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.brand}"


class StaffPreference(models.Model):
    """A staff user's own choices for admin."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_preference"
    )
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text="Admin shows times in this zone. Blank: the zone your brands share, else UTC.",
    )

    class AlertDelivery(models.TextChoices):
        BOTH = "both", "By mail and in the app"
        MAIL = "mail", "By mail only"
        IN_APP = "in_app", "In the app only"

    alert_delivery = models.CharField(
        max_length=6,
        choices=AlertDelivery.choices,
        default=AlertDelivery.BOTH,
        help_text="How you hear of assignments, replies, warnings, breaches and mentions.",
    )
    is_available = models.BooleanField(
        default=True,
        help_text="Automatic assignment gives tickets only to available agents; switching it "
        "off keeps the tickets you have.",
    )

    def __str__(self) -> str:
        return f"{self.user}: {self.time_zone or 'brand zone'}"


class SupportAddress(models.Model):
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="addresses")
    email = models.EmailField(unique=True, help_text="Mail to this address opens tickets.")
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "email"]
        verbose_name_plural = "support addresses"

    def save(self, *args, **kwargs) -> None:
        # Routing compares addresses case-insensitively; storing them lowercased keeps the
        # unique constraint meaningful.
        self.email = self.email.lower()
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.email


class OpeningHours(models.Model):
    class Mode(models.TextChoices):
        ALL_DAY = "all_day", "Open all day"
        HOURS = "hours", "Open these hours"
        CLOSED = "closed", "Closed"

    class Weekday(models.IntegerChoices):
        MONDAY = 0
        TUESDAY = 1
        WEDNESDAY = 2
        THURSDAY = 3
        FRIDAY = 4
        SATURDAY = 5
        SUNDAY = 6

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.ALL_DAY)
    opens_at = models.TimeField(null=True, blank=True)
    closes_at = models.TimeField(
        null=True,
        blank=True,
        help_text="A closing time at or before the opening time runs past midnight.",
    )

    class Meta:
        ordering = ["weekday"]
        verbose_name_plural = "opening hours"
        constraints = [
            models.UniqueConstraint(fields=["brand", "weekday"], name="one_opening_per_weekday")
        ]

    def clean(self) -> None:
        if self.mode == self.Mode.HOURS:
            if self.opens_at is None or self.closes_at is None:
                raise ValidationError("Opening and closing times are required.")
            if self.opens_at == self.closes_at:
                raise ValidationError("Use 'Open all day' for a 24-hour day.")

    def __str__(self) -> str:
        return f"{self.get_weekday_display()}: {self.get_mode_display()}"


class BrandHoliday(models.Model):
    """A holiday picked by the name the `holidays` package gives it; observed dates follow."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="holidays")
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "name"], name="unique_brand_holiday")
        ]

    def clean(self) -> None:
        if self.brand_id and self.name not in known_holiday_names(self.brand.holiday_country):
            raise ValidationError({"name": f"Unknown holiday name {self.name!r}."})

    def __str__(self) -> str:
        return self.name


class Closure(models.Model):
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="closures")
    name = models.CharField(max_length=120)
    starts_on = models.DateField()
    ends_on = models.DateField(help_text="Last closed day, inclusive.")

    class Meta:
        ordering = ["starts_on"]

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "Must not be before the start."})

    def __str__(self) -> str:
        return f"{self.name} ({self.starts_on} to {self.ends_on})"


class PeakPeriod(models.Model):
    """Sales events and the like: clocks started inside one get more time."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="peak_periods")
    name = models.CharField(max_length=120)
    starts_on = models.DateField()
    ends_on = models.DateField(help_text="Last day of the period, inclusive.")
    extension_hours = models.DecimalField(default=24, **HOURS)

    class Meta:
        ordering = ["starts_on"]

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "Must not be before the start."})

    def __str__(self) -> str:
        return f"{self.name} ({self.starts_on} to {self.ends_on})"


# How phrases are matched (see brands.services.phrase_pattern), said wherever they are edited.
def order_number_pattern_validate(pattern: str) -> None:
    """A brand's order-number pattern must compile (it runs on every customer's mail)."""
    try:
        re.compile(pattern)
    except re.error as error:
        raise ValidationError(f"Not a regular expression: {error}.") from None


PHRASES_HELP = (
    "One phrase per line, matched as whole words in any case; a trailing * matches any "
    "ending (escalat* finds escalate and escalation)."
)


def phrase_lines(text: str) -> list[str]:
    """The phrases of a one-per-line setting, blank lines left out."""
    return [line.strip() for line in text.splitlines() if line.strip()]


# What the policies mean by asking for "a senior team member" or "a senior representative".
DEFAULT_ESCALATION_PHRASES = "\n".join(
    [
        "escalat*",
        "senior team",
        "senior representative",
        "senior member",
        "senior agent",
        "supervisor",
        "manager",
    ]
)


class SlaPolicy(models.Model):
    """The response promises. Hours are business hours unless a clock field says otherwise."""

    class Clock(models.TextChoices):
        BUSINESS = "business", "Business hours"
        CALENDAR = "calendar", "Calendar hours"

    class CustomerEscalation(models.TextChoices):
        FIRST_RESPONSE = "first_response", "After our first answer"
        RESOLUTION_PROPOSAL = "resolution_proposal", "After we proposed a resolution"
        NEVER = "never", "Never (agents escalate)"

    brand = models.OneToOneField(Brand, on_delete=models.CASCADE, related_name="policy")
    first_response_target_hours = models.DecimalField(
        help_text="A warning fires when this much time has passed without a reply.", **HOURS
    )
    first_response_latest_hours = models.DecimalField(
        help_text="The promise is breached after this much time.", **HOURS
    )
    urgent_latest_hours = models.DecimalField(**HOURS)
    urgent_clock = models.CharField(max_length=8, choices=Clock.choices, default=Clock.BUSINESS)
    # A customer's later message (after our answer) is answered within these; empty means the
    # first-response number beside it, as "all email inquiries" promises.
    next_reply_target_hours = models.DecimalField(
        null=True,
        blank=True,
        help_text="A customer's later message: warn after this long. Empty: the first-response "
        "target.",
        **HOURS,
    )
    next_reply_latest_hours = models.DecimalField(
        null=True,
        blank=True,
        help_text="A customer's later message: breached after this long. Empty: the "
        "first-response latest time.",
        **HOURS,
    )
    next_reply_urgent_latest_hours = models.DecimalField(
        null=True,
        blank=True,
        help_text="The same on an urgent ticket, counted like the urgent clock. Empty: the "
        "urgent latest time.",
        **HOURS,
    )
    warning_percent = models.PositiveSmallIntegerField(
        default=75,
        validators=[MinValueValidator(1)],
        help_text="Where a promise gives one number, warn when this share of it has elapsed.",
    )
    update_reminder_business_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Remind the agent when no update went out for this long."
    )
    update_latest_business_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Breach when no update went out for this long."
    )
    notify_customer_on_status_change = models.BooleanField(default=False)
    complaint_proposal_latest_hours = models.DecimalField(
        null=True, blank=True, help_text="Propose a resolution to a complaint within.", **HOURS
    )
    language_extension_hours = models.DecimalField(
        default=24, help_text="Added for languages other than the brand's.", **HOURS
    )
    customer_escalation_after = models.CharField(
        max_length=20,
        choices=CustomerEscalation.choices,
        default=CustomerEscalation.FIRST_RESPONSE,
        help_text="When the customer may ask for a senior review from the status page or a "
        "storefront (once a ticket).",
    )
    order_number_pattern = models.CharField(
        max_length=300,
        blank=True,
        validators=[order_number_pattern_validate],
        help_text="A regular expression that finds the brand's order numbers in a customer's "
        "mail or request (its first group is the number, else the whole match); blank: none "
        "are looked for.",
    )
    escalation_phrases = models.TextField(
        default=DEFAULT_ESCALATION_PHRASES,
        help_text=(
            "A customer's reply with one of these asks for the next tier (once a ticket). "
            f"{PHRASES_HELP}"
        ),
    )

    class Meta:
        verbose_name_plural = "SLA policies"

    def clean(self) -> None:
        errors = {}
        if (
            self.first_response_target_hours is not None
            and self.first_response_latest_hours is not None
            and self.first_response_target_hours > self.first_response_latest_hours
        ):
            errors["first_response_target_hours"] = "Must not exceed the latest time."
        next_target, next_latest = self.next_reply_hours()
        if next_target is not None and next_latest is not None and next_target > next_latest:
            errors["next_reply_target_hours"] = "Must not exceed the next reply's latest time."
        reminder, latest = self.update_reminder_business_days, self.update_latest_business_days
        if reminder is not None and latest is not None and reminder > latest:
            errors["update_reminder_business_days"] = "Must not exceed the latest update."
        if self.warning_percent is not None and self.warning_percent > 100:
            errors["warning_percent"] = "At most 100."
        if errors:
            raise ValidationError(errors)

    def next_reply_hours(self) -> tuple[Decimal | None, Decimal | None]:
        """The next reply's target and latest hours, an empty setting meaning the first
        response's."""
        target, latest = self.next_reply_target_hours, self.next_reply_latest_hours
        return (
            self.first_response_target_hours if target is None else target,
            self.first_response_latest_hours if latest is None else latest,
        )

    def next_reply_urgent_hours(self) -> Decimal | None:
        """The next reply's latest hours on an urgent ticket (empty: the urgent latest)."""
        if self.next_reply_urgent_latest_hours is None:
            return self.urgent_latest_hours
        return self.next_reply_urgent_latest_hours

    def __str__(self) -> str:
        return f"SLA policy of {self.brand}"


class Category(models.Model):
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="categories")
    slug = models.SlugField()
    name = models.CharField(max_length=120)
    description = models.TextField(
        blank=True, max_length=1000, help_text="What the policy page lists under this area."
    )
    position = models.PositiveSmallIntegerField(default=0)
    is_urgent = models.BooleanField(default=False)
    requires_order_number = models.BooleanField(default=False)
    is_complaint = models.BooleanField(default=False)

    class Meta:
        ordering = ["brand", "position", "name"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(fields=["brand", "slug"], name="unique_category_slug")
        ]

    def __str__(self) -> str:
        return self.name


class UrgentReason(models.Model):
    """A situation the policy calls urgent, recognised in a message by its phrases."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="urgent_reasons")
    name = models.CharField(max_length=120)
    phrases = models.TextField(help_text=PHRASES_HELP)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "name"], name="unique_urgent_reason")
        ]

    def phrase_list(self) -> list[str]:
        return phrase_lines(self.phrases)

    def __str__(self) -> str:
        return self.name


class EscalationTier(models.Model):
    """Tier 1 answers within the first-response promise; higher tiers have their own window."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="tiers")
    level = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    name = models.CharField(max_length=120)
    response_target_hours = models.DecimalField(null=True, blank=True, **HOURS)
    response_latest_hours = models.DecimalField(null=True, blank=True, **HOURS)
    # Kendrascottes promises its senior review "within an additional 24-48 hours": calendar
    # hours, as written, unlike its other promises.
    clock = models.CharField(
        max_length=10, choices=SlaPolicy.Clock.choices, default=SlaPolicy.Clock.BUSINESS
    )

    class Meta:
        ordering = ["brand", "level"]
        constraints = [models.UniqueConstraint(fields=["brand", "level"], name="unique_tier_level")]

    def clean(self) -> None:
        target, latest = self.response_target_hours, self.response_latest_hours
        if target is not None and latest is not None and target > latest:
            raise ValidationError({"response_target_hours": "Must not exceed the latest time."})

    def __str__(self) -> str:
        return f"Tier {self.level}: {self.name}"


class PolicySection(models.Model):
    """One section of the brand's public policy page, in the brand's own words. Numbers are
    placeholders (`{first_response}`) filled from the settings that drive the clocks, so the
    page can never promise other figures than the ones kept."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="policy_sections")
    key = models.SlugField(max_length=60)
    position = models.PositiveSmallIntegerField(default=0)
    heading = models.CharField(max_length=200, blank=True)
    body = models.TextField(max_length=10000)

    class Meta:
        ordering = ["brand", "position", "key"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "key"], name="unique_policy_section")
        ]

    def __str__(self) -> str:
        return f"{self.brand}: {self.heading or self.key}"


class PolicyVersion(models.Model):
    """A saved state of a brand's policy settings, and what changed from the one before."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="policy_versions")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    source = models.CharField(max_length=200, help_text="Admin, or the file it was loaded from.")
    snapshot = models.JSONField()
    changes = models.JSONField(help_text="Setting: [before, after] for every changed setting.")
    reason = models.TextField(blank=True, help_text="Why the owner published it.")
    # Empty: in effect from created_at. A later instant: published for a date (a sale event),
    # applied to the brand's settings by the beat when it comes.
    effective_at = models.DateTimeField(null=True, blank=True)
    applied = models.BooleanField(default=True)

    class Meta:
        ordering = ["brand", "-number"]
        get_latest_by = "number"
        constraints = [
            models.UniqueConstraint(fields=["brand", "number"], name="unique_policy_version")
        ]

    def __str__(self) -> str:
        return f"{self.brand} policy v{self.number}"


class PolicyDraft(models.Model):
    """An owner's proposed change to a brand's policy: the whole policy as a version snapshot,
    edited section by section and live only once published as a new version."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="policy_drafts")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    based_on = models.ForeignKey(
        PolicyVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    snapshot = models.JSONField()
    published_as = models.ForeignKey(
        PolicyVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="drafts"
    )

    class Meta:
        ordering = ["brand", "-created_at"]

    def __str__(self) -> str:
        return f"{self.brand} policy draft {self.pk}"


class WhatIfRun(models.Model):
    """One replay of a brand's recent tickets under a draft; the task fills in the result."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    draft = models.ForeignKey(PolicyDraft, on_delete=models.CASCADE, related_name="whatif_runs")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    days = models.PositiveSmallIntegerField(default=90)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    done_count = models.PositiveIntegerField(default=0)
    total_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"What-if {self.pk} of {self.draft}"


class BrandApiKey(AbstractAPIKey):
    """A storefront's key: it sees and acts on its own brand only. Stored hashed; the prefix
    is shown so a key can be recognised without revealing it."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="api_keys")
    last_used_at = models.DateTimeField(null=True, blank=True)
    throttle_rate = models.CharField(
        max_length=20,
        blank=True,
        help_text='Requests allowed, e.g. "120/min"; blank for the default rate.',
    )

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "API key"
        verbose_name_plural = "API keys"


class EmailTemplate(models.Model):
    """A brand's own wording of one email, used instead of the shipped template."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="email_templates")
    name = models.CharField(
        max_length=60, help_text='The email it replaces, e.g. "acknowledgement".'
    )
    language = models.CharField(
        max_length=10,
        blank=True,
        help_text="Blank: this wording serves every language. A language code (fr, es, de): "
        "it serves tickets in that language, before a blank one.",
    )
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["brand", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "name", "language"], name="unique_email_template_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.brand}: {self.name}"
