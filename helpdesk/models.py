"""Tickets, their messages and the SLA clocks that measure each promise."""

from datetime import datetime

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from brands.models import Brand, Category, PolicyVersion


class TicketQuerySet(models.QuerySet):
    def for_update(self) -> "TicketQuerySet":
        """Lock the tickets' rows only, not the brand rows a query joins (which would make
        every writer of a brand wait for every other). Every writer takes a ticket's lock
        before its clocks', so the sweep and a reply never wait for each other in a cycle."""
        return self.select_for_update(of=("self",))

    def locked(self, pk: int) -> "Ticket":
        """One ticket under its lock (see `for_update`), with its brand, as it is now."""
        return self.for_update().select_related("brand").get(pk=pk)


# One home for "breached" and "in warning", the rule the sweep, admin, the API and reports
# share: in Python for one clock or one pair of due instants, and as SQL in SlaClockQuerySet.
BREACHED, IN_WARNING, ON_TRACK = "breached", "warning", "on_track"


def deadline_state(
    target_at: datetime | None,
    latest_at: datetime | None,
    now: datetime,
    *,
    breached_at: datetime | None = None,
    running: bool = True,
) -> str:
    """Breached once the latest instant has passed (or the sweep marked it); in warning while
    a running clock is past its target but not its latest; else on track. A paused clock
    (waiting on the customer) is never in warning: its time does not run."""
    if breached_at is not None or (latest_at is not None and latest_at <= now):
        return BREACHED
    if running and target_at is not None and target_at <= now:
        return IN_WARNING
    return ON_TRACK


class Tag(models.Model):
    """A label a brand's agents put on tickets; the ticket list filters by it (choices come
    from this small table, never from a scan of the tickets)."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=50)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["brand", "name"], name="unique_tag_name")]

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "New"
        OPEN = "open", "Open"
        WAITING = "waiting", "Waiting on customer"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"

    # Done on our side: no clock runs, and the customer may rate the service.
    FINISHED_STATES = (Status.RESOLVED, Status.CLOSED)

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="tickets")
    number = models.PositiveIntegerField(editable=False)
    reference = models.CharField(max_length=20, unique=True, editable=False)
    subject = models.CharField(max_length=255)
    customer_email = models.EmailField(db_index=True)
    customer_name = models.CharField(max_length=200, blank=True)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    is_urgent = models.BooleanField(default=False)
    language = models.CharField(max_length=16, blank=True)
    needs_translation = models.BooleanField(default=False)
    order_number = models.CharField(max_length=64, blank=True, db_index=True)
    # Every order number the ticket is about: found in the customer's mail by the brand's
    # pattern, given by a storefront, or set by an agent (services.tickets.order_numbers).
    order_numbers = models.JSONField(default=list, db_default=[], blank=True)
    # Full-text search (selectors.search): on PostgreSQL, triggers keep it current whenever
    # the ticket's words or language or any of its messages change (migration
    # 0019_ticket_search), and a GIN index serves it; on SQLite it stays empty.
    search_vector = SearchVectorField(null=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    tier = models.PositiveSmallIntegerField(default=1)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    policy_version = models.ForeignKey(
        PolicyVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text="The policy the ticket's clocks were computed under.",
    )
    is_incomplete = models.BooleanField(
        default=False, help_text="Waiting for details the category needs, such as an order number."
    )
    linked_ticket = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
        help_text="The closed ticket this one continues.",
    )
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_tickets",
        help_text="The ticket this duplicate was merged into; its messages are there now.",
    )
    status_link_version = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Part of every status link; raising it revokes the links the customer has.",
    )
    escalation_requested_at = models.DateTimeField(
        null=True, blank=True, help_text="When the customer asked for a senior review."
    )
    # The through table's (ticket, tag) unique index and its tag index serve a tag filter.
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    received_at = models.DateTimeField(help_text="When the customer's first message arrived.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    # The earliest due instant of the ticket's running clocks (None when none runs: waiting on
    # the customer, or finished), kept by the SLA clock service whenever a clock changes, so
    # the queue is read in due order from an index instead of a subquery per ticket.
    next_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "number"], name="unique_ticket_number")
        ]
        indexes = [
            models.Index(fields=["brand", "status", "id"], name="ticket_brand_status"),
            # A storefront's "my tickets": one customer's tickets of the brand, newest first.
            # Both columns together, so a planner without statistics never prefers the
            # brand's own index and walks all its tickets.
            models.Index(fields=["brand", "customer_email", "-received_at"]),
            # The brand's tickets newest first (the storefront's list): a page is read in
            # order instead of sorting every ticket of the brand for it.
            models.Index(fields=["brand", "-received_at", "-id"]),
            # The same order across brands: an agent of several brands (or a search's newest
            # matches) reads a page in order, without sorting all their tickets.
            models.Index(fields=["-received_at", "-id"], name="ticket_newest"),
            # The lists' other orders (selectors.staff.INDEX_ORDERS), each in one brand's
            # tickets and across brands, so a page is read in order from either end.
            models.Index(fields=["brand", "is_urgent", "received_at", "id"]),
            models.Index(fields=["is_urgent", "received_at", "id"], name="ticket_urgency"),
            models.Index(fields=["brand", "next_due_at", "id"]),
            models.Index(fields=["next_due_at", "id"], name="ticket_next_due"),
            models.Index(fields=["brand", "updated_at", "id"], name="ticket_brand_updated"),
            models.Index(fields=["updated_at", "id"], name="ticket_updated"),
            models.Index(fields=["brand", "tier", "id"], name="ticket_brand_tier"),
            models.Index(fields=["tier", "id"], name="ticket_tier"),
            models.Index(fields=["status", "id"], name="ticket_status"),
            # The open tickets by their next due instant: the queue's order.
            # (Its condition is the queue's own words, so the planner sees that it applies.)
            models.Index(
                fields=["next_due_at"],
                name="ticket_live_next_due",
                condition=~Q(status__in=["resolved", "closed"]),
            ),
            # The open tickets nobody owns, most pressing first: the automatic assignment's
            # round every minute reads them without walking every open ticket.
            models.Index(
                fields=["next_due_at", "received_at", "id"],
                name="ticket_unowned_live",
                condition=Q(assignee__isnull=True) & ~Q(status__in=["resolved", "closed"]),
            ),
            # Resolved tickets by when: the rating requests' scan of the last days.
            models.Index(
                fields=["resolved_at"],
                name="ticket_resolved_at",
                condition=Q(status="resolved"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"


class Message(models.Model):
    class Kind(models.TextChoices):
        INBOUND = "inbound", "From the customer"
        OUTBOUND = "outbound", "To the customer"
        NOTE = "note", "Internal note"

    class Delivery(models.TextChoices):
        NONE = "", "—"
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        BOUNCED = "bounced", "Bounced"
        FAILED = "failed", "Failed"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    # Denormalised from the ticket so one constraint can deduplicate Message-IDs per brand.
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    sender_email = models.EmailField(blank=True)
    sender_name = models.CharField(max_length=200, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True, help_text="Sanitised HTML, for display only.")
    new_text = models.TextField(
        blank=True, help_text="The reply without the quoted history, for display."
    )
    message_id = models.CharField(max_length=998, blank=True, db_index=True)
    esp_message_id = models.CharField(
        max_length=998, blank=True, db_index=True, help_text="The ID the ESP gave the mail."
    )
    in_reply_to = models.CharField(max_length=998, blank=True)
    references = models.TextField(blank=True)
    inbound_email = models.ForeignKey(
        "InboundEmail", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    delivery_status = models.CharField(
        max_length=10, choices=Delivery.choices, default=Delivery.NONE, blank=True
    )
    delivery_detail = models.TextField(blank=True)
    # An agent's reply that proposes a resolution (to a complaint): what a brand may require
    # before the customer can ask for a senior review.
    proposes_resolution = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # ESPs retry deliveries: the same Message-ID arriving twice at a brand is one message.
            models.UniqueConstraint(
                fields=["brand", "message_id"],
                condition=Q(kind="inbound") & ~Q(message_id=""),
                name="unique_inbound_message_id_per_brand",
            )
        ]
        indexes = [
            # A ticket's thread in order, and its newest message first (a search snippet
            # stops at the newest that matches).
            models.Index(fields=["ticket", "created_at", "id"], name="message_thread"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.ticket_id} at {self.created_at:%Y-%m-%d %H:%M}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m/", blank=True)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    note = models.CharField(max_length=255, blank=True, help_text="Why the file was not kept.")
    content_id = models.CharField(
        max_length=255,
        blank=True,
        help_text="An inline image's Content-ID, by which the message's HTML shows it (cid:).",
    )

    def __str__(self) -> str:
        return self.filename


class HeldReplyFile(models.Model):
    """A file of a reply the collision guard held back, kept for the agent's next try on the
    ticket (`services.tickets.composer`): only that agent sees, drops or sends it; it goes
    when sent (becoming the reply's attachment) or, left unsent, after HELD_REPLY_FILES_HOURS."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Where attachments' files go: a file sent becomes an attachment's where it lies.
    file = models.FileField(upload_to="attachments/%Y/%m/")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "author"], name="held_file_owner")]

    def __str__(self) -> str:
        return self.filename


class SlaClockQuerySet(models.QuerySet):
    def live(self) -> "SlaClockQuerySet":
        """Clocks still measuring a promise (running or paused)."""
        return self.exclude(state=SlaClock.State.STOPPED)

    def breached(self, now: datetime) -> "SlaClockQuerySet":
        return self.filter(breached_q(now))

    def in_warning(self, now: datetime) -> "SlaClockQuerySet":
        return self.filter(in_warning_q(now))


def breached_q(now: datetime) -> Q:
    """`deadline_state` is BREACHED, in SQL (for filters and conditional counts)."""
    return Q(breached_at__isnull=False) | Q(latest_at__lte=now)


def in_warning_q(now: datetime) -> Q:
    """`deadline_state` is IN_WARNING, in SQL."""
    running = SlaClock.State.RUNNING
    return Q(state=running, breached_at__isnull=True, target_at__lte=now, latest_at__gt=now)


class SlaClock(models.Model):
    """One promise measured on one ticket.

    Durations are fixed when the clock starts (policy, urgency, language and peak extensions
    included); the due instants are recomputed from them whenever the clock resumes, so a pause
    gives back exactly the business time that was left. `next_check_at` is the earliest
    deadline still to act on and the only column the sweep reads.
    """

    class Kind(models.TextChoices):
        FIRST_RESPONSE = "first_response", "First response"
        NEXT_REPLY = "next_reply", "Next reply"
        PERIODIC_UPDATE = "periodic_update", "Periodic update"
        COMPLAINT_PROPOSAL = "complaint_proposal", "Complaint resolution proposal"
        TIER_RESPONSE = "tier_response", "Escalation tier response"

    class Mode(models.TextChoices):
        BUSINESS = "business", "Business hours"
        CALENDAR = "calendar", "Calendar hours"

    class State(models.TextChoices):
        RUNNING = "running", "Running"
        PAUSED = "paused", "Paused"
        STOPPED = "stopped", "Stopped"

    # What agents and integrations are shown of a clock.
    DISPLAY_FIELDS = (
        "kind",
        "tier",
        "mode",
        "state",
        "started_at",
        "target_at",
        "latest_at",
        "warned_at",
        "breached_at",
        "stopped_at",
    )

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="clocks")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    tier = models.PositiveSmallIntegerField(null=True, blank=True)
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.BUSINESS)
    state = models.CharField(max_length=8, choices=State.choices, default=State.RUNNING)
    started_at = models.DateTimeField()
    target_seconds = models.PositiveIntegerField()
    latest_seconds = models.PositiveIntegerField()
    elapsed_seconds = models.PositiveIntegerField(
        default=0, help_text="Open time used before the current running stretch."
    )
    running_since = models.DateTimeField(null=True, blank=True)
    target_at = models.DateTimeField(db_index=True)
    latest_at = models.DateTimeField(db_index=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        indexes = [
            models.Index(
                fields=["next_check_at"],
                name="sla_clock_due",
                condition=Q(next_check_at__isnull=False),
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "kind"],
                condition=~Q(state="stopped"),
                name="one_live_clock_per_kind",
            )
        ]

    objects = SlaClockQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.ticket_id}"

    def deadline_state(self, now: datetime) -> str:
        return deadline_state(
            self.target_at,
            self.latest_at,
            now,
            breached_at=self.breached_at,
            running=self.state == self.State.RUNNING,
        )


class SlaEvent(models.Model):
    """A warning, breach or escalation, fired once: unique per clock, kind and due instant."""

    class Kind(models.TextChoices):
        WARNING = "warning", "Warning"
        BREACH = "breach", "Breach"
        ESCALATION = "escalation", "Escalation"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_events")
    clock = models.ForeignKey(SlaClock, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    due_at = models.DateTimeField()
    tier = models.PositiveSmallIntegerField(help_text="The ticket's tier when it fired.")
    created_at = models.DateTimeField()
    detail = models.CharField(max_length=255, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who escalated, when a staff member did (empty: a breach or the customer).",
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["clock", "kind", "due_at"], name="unique_sla_event")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.clock} due {self.due_at:%Y-%m-%d %H:%M}"


class TicketEvent(models.Model):
    """One change on a ticket, with who made it: the audit trail the timeline shows beside
    the SLA events (warnings and breaches stay in SlaEvent, where the sweep records them once).
    """

    class Kind(models.TextChoices):
        STATUS = "status", "Status"
        ASSIGNEE = "assignee", "Assignee"
        TIER = "tier", "Tier (escalation)"
        URGENCY = "urgency", "Urgency"
        CATEGORY = "category", "Category"
        LANGUAGE = "language", "Language"
        TAGS = "tags", "Tags"
        CLOCK_START = "clock_start", "Clock started"
        CLOCK_PAUSE = "clock_pause", "Clock paused"
        CLOCK_RESUME = "clock_resume", "Clock resumed"
        CLOCK_STOP = "clock_stop", "Clock stopped"
        # Its due times computed again under the current policy: `before` and `after` are the
        # clock's latest instant (ISO 8601) either side.
        CLOCK_RECOMPUTE = "clock_recompute", "Clock recomputed"
        MERGE = "merge", "Merge"
        # `before` and `after` are the ticket's order numbers, comma-separated.
        ORDER_NUMBERS = "order_numbers", "Order numbers"

    class ActorKind(models.TextChoices):
        AGENT = "agent", "Agent"
        CUSTOMER = "customer", "Customer"
        API_KEY = "api_key", "API key"
        SYSTEM = "system", "System"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    before = models.CharField(max_length=255, blank=True)
    after = models.CharField(max_length=255, blank=True)
    detail = models.CharField(max_length=255, blank=True)
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    api_key = models.ForeignKey(
        "brands.BrandApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.ticket_id} at {self.created_at:%Y-%m-%d %H:%M}"


class Alert(models.Model):
    """An in-app alert for one staff user about one ticket, unread until they open it."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", "Assigned to you"
        CUSTOMER_REPLIED = "customer_replied", "The customer replied"
        WARNING = "warning", "Warning"
        BREACH = "breach", "Breach"
        ESCALATION = "escalation", "Escalated to your tier"
        MENTION = "mention", "You were mentioned"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alerts"
    )
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.CharField(max_length=255)
    # What makes two alerts the same (a clock's warning at one due instant), so a replayed
    # sweep or task adds none; blank for alerts that may repeat (every customer reply).
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            # The header's unread count on every admin page.
            models.Index(fields=["user"], name="alert_unread", condition=Q(read_at__isnull=True)),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"], condition=~Q(dedupe_key=""), name="unique_alert"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.user_id} on {self.ticket_id}"


class InboundEmail(models.Model):
    """A received message exactly as it arrived, stored before anything else happens to it."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received, not processed yet"
        PROCESSED = "processed", "Processed"
        DUPLICATE = "duplicate", "Duplicate of a processed message"
        UNROUTED = "unrouted", "No brand has this address"
        NO_SENDER = "no_sender", "No reply address"
        DISCARDED = "discarded", "Discarded by an agent"
        FAILED = "failed", "Failed"

    raw_file = models.FileField(
        upload_to="inbound/%Y/%m/",
        max_length=255,
        blank=True,
        help_text="The message as it arrived (.eml), in the file storage.",
    )
    raw = models.BinaryField(
        blank=True,
        default=b"",
        help_text="Where messages were kept before file storage; emptied as they are copied.",
    )
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField()
    source = models.CharField(max_length=40, help_text="The webhook or command it came through.")
    envelope_recipient = models.CharField(max_length=320, blank=True)
    envelope_sender = models.CharField(max_length=320, blank=True)
    message_id = models.CharField(max_length=998, blank=True)
    from_email = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=998, blank=True)
    brand = models.ForeignKey(
        Brand,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text="Set by hand to route an unrouted message.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    error = models.TextField(blank=True)
    reply_address = models.EmailField(
        blank=True,
        help_text="The customer's address, entered by an agent for mail that names none.",
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.subject or '(no subject)'} from {self.from_email or '?'}"


class OutboundEmail(models.Model):
    """A mail to send: the outbox row is the promise that it goes out once, and only once."""

    class Kind(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", "Acknowledgement"
        REPLY = "reply", "Agent reply"
        STATUS_NOTICE = "status_notice", "Status change notice"
        ESCALATION_NOTICE = "escalation_notice", "Escalation notice"
        STATUS_LINKS = "status_links", "Fresh status links"
        RATING_REQUEST = "rating_request", "Rating request"
        ORDER_NUMBER_REQUEST = "order_number_request", "Order number request"
        STAFF_ALERT = "staff_alert", "Alert to staff"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="outbox")
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="outbox"
    )
    ticket_message = models.OneToOneField(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="outbound_email"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # What makes two requests the same mail (e.g. the acknowledgement of one ticket).
    dedupe_key = models.CharField(max_length=200, unique=True)
    from_email = models.CharField(max_length=320)
    to = models.JSONField()
    subject = models.CharField(max_length=998)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    headers = models.JSONField(default=dict)
    message_id = models.CharField(max_length=998)
    esp_message_id = models.CharField(max_length=998, blank=True, db_index=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"


class WebhookToken(models.Model):
    """A signed webhook request already accepted: the same token again is a replay.

    ESPs sign each request with a random token and a timestamp but do not stop a recorded
    request from being sent again; the unique token refuses the copy in every process.
    Tokens older than the accepted age can go, since their timestamps are refused anyway.
    """

    esp = models.CharField(max_length=40)
    token = models.CharField(max_length=200)
    signed_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["esp", "token"], name="unique_webhook_token")
        ]

    def __str__(self) -> str:
        return f"{self.esp} {self.token[:12]}…"


class PendingStatusNotice(models.Model):
    """A status change the customer has not been told of yet.

    Changes within a short window are told in one mail: the first change records the status
    the customer last knew; later ones only move the ticket on. When the window closes, the
    customer hears where the ticket now stands, or nothing if it is back where they knew it.
    """

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, related_name="pending_status_notice"
    )
    known_status = models.CharField(max_length=20, choices=Ticket.Status.choices)
    reason = models.TextField(blank=True, max_length=2000)
    due_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.ticket_id}: from {self.known_status} at {self.due_at:%Y-%m-%d %H:%M}"


class Feedback(models.Model):
    """The customer's rating of a resolved ticket: one per ticket."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="feedback")
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.rating}/5 on {self.ticket_id}"


class IdempotencyRecord(models.Model):
    """A storefront's Idempotency-Key and the ticket its first request created, so a retried
    POST returns that ticket instead of opening a second one."""

    api_key = models.ForeignKey("brands.BrandApiKey", on_delete=models.CASCADE)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["api_key", "key"], name="unique_idempotency_key")
        ]

    def __str__(self) -> str:
        return self.key


class Heartbeat(models.Model):
    """When periodic work last finished (the SLA sweep), for the readiness probe and metrics:
    a stalled beat silently stops every clock, so its absence must be visible."""

    SLA_SWEEP = "sla_sweep"

    name = models.CharField(max_length=40, unique=True)
    at = models.DateTimeField()
    duration_seconds = models.FloatField(default=0)

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"


class Erasure(models.Model):
    """A customer's personal data erased in one brand (on request), or a batch of finished
    tickets anonymised by the brand's retention rules: who, when and how many records.

    The address is never stored: `address_hash` is a keyed one-way hash (see
    `services.tickets.erasure.address_hash`), enough to recognise a repeated request.
    """

    class Reason(models.TextChoices):
        REQUEST = "request", "The customer's request"
        RETENTION = "retention", "The brand's retention rules"

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="erasures")
    reason = models.CharField(max_length=10, choices=Reason.choices)
    address_hash = models.CharField(max_length=64, blank=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The brand owner or superuser who erased it in admin.",
    )
    source = models.CharField(
        max_length=40, help_text='"admin", "operator" (the command) or "retention".'
    )
    created_at = models.DateTimeField()
    counts = models.JSONField(default=dict, help_text="Records erased or deleted, by kind.")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} in {self.brand} at {self.created_at:%Y-%m-%d %H:%M}"


class Macro(models.Model):
    """A canned reply of one brand: its body's placeholders ({customer_name}, {reference},
    {promised_time}...) are filled in for the ticket at hand
    (`services.tickets.macros.macro_render`); applying it may also set the ticket's category
    and tags, and its status is the one the reply leaves the ticket in unless the agent
    chooses another (`macros.macro_reply_status`)."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="macros")
    name = models.CharField(max_length=120)
    body = models.TextField(max_length=10_000)
    status = models.CharField(
        max_length=10,
        blank=True,
        choices=[
            (Ticket.Status.OPEN, "Keep it open"),
            (Ticket.Status.WAITING, "Wait on the customer"),
            (Ticket.Status.RESOLVED, "Resolve it"),
        ],
        help_text="What sending a reply with this macro does to the ticket: the composer's "
        "main button sends with it, and the other buttons stay there to choose otherwise.",
    )
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Set on the ticket when a reply using this macro is sent.",
    )
    tags = models.CharField(
        max_length=255,
        blank=True,
        help_text="Tags added to the ticket when a reply using this macro is sent, "
        "separated by commas.",
    )

    class Meta:
        ordering = ["brand", "name"]
        constraints = [models.UniqueConstraint(fields=["brand", "name"], name="unique_macro_name")]

    def __str__(self) -> str:
        return self.name


class Signature(models.Model):
    """What an agent signs their replies with in one brand, appended to each reply."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signatures"
    )
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(max_length=1000, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "brand"], name="unique_signature")]

    def __str__(self) -> str:
        return f"{self.user} in {self.brand}"
