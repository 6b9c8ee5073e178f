"""Tickets, their messages and the SLA clocks that measure each promise."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from brands.models import Brand, Category, PolicyVersion


class Ticket(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "New"
        OPEN = "open", "Open"
        WAITING = "waiting", "Waiting on customer"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"

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
    received_at = models.DateTimeField(help_text="When the customer's first message arrived.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "number"], name="unique_ticket_number")
        ]
        indexes = [models.Index(fields=["brand", "status"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status not in (self.Status.RESOLVED, self.Status.CLOSED)


class Message(models.Model):
    class Kind(models.TextChoices):
        INBOUND = "inbound", "From the customer"
        OUTBOUND = "outbound", "To the customer"
        NOTE = "note", "Internal note"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    sender_email = models.EmailField(blank=True)
    sender_name = models.CharField(max_length=200, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True, help_text="Sanitised HTML, for display only.")
    message_id = models.CharField(max_length=998, blank=True, db_index=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.ticket_id} at {self.created_at:%Y-%m-%d %H:%M}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m/", blank=True)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    note = models.CharField(max_length=255, blank=True, help_text="Why the file was not kept.")

    def __str__(self) -> str:
        return self.filename


class SlaClock(models.Model):
    """One promise measured on one ticket.

    Durations are fixed when the clock starts (policy, urgency, language and peak extensions
    included); the due instants are recomputed from them whenever the clock resumes, so a pause
    gives back exactly the business time that was left. `next_check_at` is the earliest
    deadline still to act on and the only column the sweep reads.
    """

    class Kind(models.TextChoices):
        FIRST_RESPONSE = "first_response", "First response"
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

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.ticket_id}"
