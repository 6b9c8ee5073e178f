"""Input and output shapes of the API. Outputs name exactly what each audience may see: the
storefront never gets internal notes, staff emails or usernames, or another brand's data."""

import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from brands.models import Brand, Category
from brands.promises import brand_promises, promise_text
from helpdesk.models import Message, SlaClock, Ticket
from helpdesk.selectors.storefront import StorefrontTicket
from helpdesk.services.rendering.status_links import status_url
from helpdesk.services.tickets.customer_escalation import customer_escalation_refusal
from helpdesk.services.tickets.lifecycle import RESOLVE_REASON_MAX_CHARS
from helpdesk.services.tickets.order_numbers import ORDER_NUMBER_MAX_CHARS, ORDER_NUMBERS_MAX

SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,50}$")
LANGUAGE = RegexValidator(
    r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$", "A language code such as en, fr or pt-BR."
)


class ErrorOutput(serializers.Serializer):
    message = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.CharField(),
        required=False,
        help_text="One message per invalid field (400 and 422 only).",
    )


def _message_field() -> serializers.CharField:
    return serializers.CharField(max_length=settings.API_MESSAGE_MAX_CHARS, trim_whitespace=True)


class AttachmentInput(serializers.FileField):
    """An uploaded file, at most API_ATTACHMENT_MAX_BYTES."""

    def to_internal_value(self, data):
        upload = super().to_internal_value(data)
        limit = settings.API_ATTACHMENT_MAX_BYTES
        if upload.size > limit:
            raise serializers.ValidationError(
                f"{upload.name} is larger than {limit // (1024 * 1024) or limit} "
                f"{'MB' if limit >= 1024 * 1024 else 'bytes'}."
            )
        return upload


def _attachments_field() -> serializers.ListField:
    return serializers.ListField(
        child=AttachmentInput(max_length=255, allow_empty_file=True),
        required=False,
        max_length=settings.API_ATTACHMENTS_MAX,
        help_text=f"Up to {settings.API_ATTACHMENTS_MAX} files (multipart/form-data only).",
    )


# --------------------------------------------------------------------------- storefront: brand


class CategoryOutput(serializers.ModelSerializer):
    urgent = serializers.BooleanField(source="is_urgent")
    needs_order_number = serializers.BooleanField(source="requires_order_number")
    complaint = serializers.BooleanField(source="is_complaint")

    class Meta:
        model = Category
        fields = ["slug", "name", "urgent", "needs_order_number", "complaint"]


class TierPromiseOutput(serializers.Serializer):
    level = serializers.IntegerField()
    name = serializers.CharField()
    response_latest_hours = serializers.DecimalField(
        max_digits=7, decimal_places=2, coerce_to_string=False, allow_null=True
    )


def _hours_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=7, decimal_places=2, coerce_to_string=False, **kwargs
    )


class PromiseNumbersOutput(serializers.Serializer):
    first_response_target_hours = _hours_field(help_text="Business hours; we aim for this.")
    first_response_latest_hours = _hours_field(help_text="Business hours; at the latest.")
    urgent_latest_hours = _hours_field()
    urgent_hours_are_business_hours = serializers.BooleanField(
        help_text="False when urgent requests count calendar hours."
    )
    other_language_extra_hours = _hours_field()
    complaint_proposal_latest_hours = _hours_field(allow_null=True)
    update_every_business_days = serializers.IntegerField(allow_null=True)
    escalation_tiers = TierPromiseOutput(many=True)


class PromisesOutput(serializers.Serializer):
    numbers = PromiseNumbersOutput()
    sentence = serializers.CharField()


class BrandOutput(serializers.ModelSerializer):
    support_address = serializers.SerializerMethodField()
    categories = CategoryOutput(many=True)
    promises = serializers.SerializerMethodField()
    policy_updated_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        model = Brand
        fields = [
            "name",
            "slug",
            "support_address",
            "time_zone",
            "default_language",
            "categories",
            "promises",
            "policy_updated_at",
        ]

    def get_support_address(self, brand: Brand) -> str:
        addresses = list(brand.addresses.all())
        primary = next((a for a in addresses if a.is_primary), addresses[0] if addresses else None)
        return primary.email if primary else brand.from_email

    @extend_schema_field(PromisesOutput)
    def get_promises(self, brand: Brand) -> dict:
        promises = brand_promises(brand)
        return PromisesOutput({"numbers": promises.numbers, "sentence": promises.sentence}).data


# --------------------------------------------------------------------------- storefront: tickets


class CategoryField(serializers.SlugRelatedField):
    """A category slug; anything that cannot be a slug is unknown without asking the database
    (which refuses NUL characters outright)."""

    brand: Brand | None = None

    def to_internal_value(self, data):
        if not isinstance(data, str) or not SLUG.match(data):
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:50])
        if self.brand is None:
            return super().to_internal_value(data)
        # The brand's categories come prefetched with the API key: no query per request.
        for category in self.brand.categories.all():
            if category.slug == data:
                return category
        self.fail("does_not_exist", slug_name=self.slug_field, value=data)


class TicketCreateInput(serializers.Serializer):
    customer_email = serializers.EmailField(max_length=254)
    customer_name = serializers.CharField(max_length=200, required=False, default="")
    category = CategoryField(
        slug_field="slug",
        queryset=Category.objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text="A category slug from GET /api/v1/brand/.",
    )
    subject = serializers.CharField(max_length=255)
    message = _message_field()
    order_number = serializers.CharField(max_length=64, required=False, default="")
    language = serializers.CharField(
        max_length=16,
        required=False,
        default="",
        validators=[LANGUAGE],
        help_text="The customer's language if not the brand's; other languages get more time.",
    )

    def __init__(self, *args, brand: Brand | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if brand is not None:
            self.fields["category"].queryset = Category.objects.filter(brand=brand)
            self.fields["category"].brand = brand


class TicketCreateMultipartInput(TicketCreateInput):
    attachments = _attachments_field()


def _promise(ticket: Ticket | StorefrontTicket) -> str | None:
    if ticket.first_response_due_at is None:
        return None
    return promise_text(ticket.first_response_due_at, ticket.brand.time_zone)


class TicketCreatedOutput(serializers.Serializer):
    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=Ticket.Status.choices)
    created_at = serializers.DateTimeField(source="received_at")
    first_response_due_at = serializers.DateTimeField(allow_null=True)
    first_response_promise = serializers.SerializerMethodField(
        help_text="The due time in the brand's words and time zone, as the acknowledgement says."
    )

    def get_first_response_promise(self, ticket: Ticket) -> str | None:
        return _promise(ticket)

    status_url = serializers.SerializerMethodField(
        help_text="The customer's page for this ticket, the link every mail to them carries."
    )

    def get_status_url(self, ticket: Ticket) -> str:
        return status_url(ticket)


# The storefront's answers are the API's hottest path: plain serializers (this one and the
# creation's answer above), since a ModelSerializer introspects its model on every use.


class TicketListItemOutput(serializers.Serializer):
    reference = serializers.CharField()
    subject = serializers.CharField()
    status = serializers.ChoiceField(choices=Ticket.Status.choices)
    category = serializers.CharField(source="category_slug", allow_null=True)
    created_at = serializers.DateTimeField(source="received_at")
    updated_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    first_response_due_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When the customer hears from us at the latest; null while we wait on them.",
    )


class AttachmentOutput(serializers.Serializer):
    filename = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()


class PublicMessageOutput(serializers.Serializer):
    id = serializers.IntegerField()
    sender = serializers.ChoiceField(choices=["customer", "support"])
    author_name = serializers.CharField(
        help_text="The customer's name, or the agent's first name or the brand's team name."
    )
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    attachments = AttachmentOutput(many=True)


class EscalationOutput(serializers.Serializer):
    """Whether the escalate call would be taken now. No time is given: the brand's rule waits on
    events (our answer, a proposed resolution), not on a clock."""

    allowed = serializers.BooleanField(
        help_text="Whether the customer may ask for a senior review now (the escalate call)."
    )
    reason = serializers.CharField(
        help_text="Why not, in words for the customer (the escalate call's 400 says the same); "
        "empty when allowed."
    )


class TicketDetailOutput(TicketListItemOutput):
    customer_email = serializers.EmailField()
    customer_name = serializers.CharField()
    order_number = serializers.CharField()
    language = serializers.CharField()
    first_response_promise = serializers.SerializerMethodField()
    escalation_due_at = serializers.DateTimeField(
        allow_null=True, help_text="When the senior team answers an escalation at the latest."
    )
    complaint_proposal_due_at = serializers.DateTimeField(
        allow_null=True, help_text="When a complaint gets a proposed resolution at the latest."
    )
    escalated = serializers.SerializerMethodField()
    escalation_requested_at = serializers.DateTimeField(allow_null=True)
    escalation = serializers.SerializerMethodField()
    feedback_given = serializers.BooleanField(source="has_feedback")
    messages = PublicMessageOutput(many=True, source="public_messages")

    def get_first_response_promise(self, ticket: StorefrontTicket) -> str | None:
        return _promise(ticket)

    def get_escalated(self, ticket: StorefrontTicket) -> bool:
        return ticket.tier > 1

    @extend_schema_field(EscalationOutput)
    def get_escalation(self, ticket: StorefrontTicket) -> dict[str, Any]:
        refusal = customer_escalation_refusal(ticket)
        return {"allowed": refusal is None, "reason": refusal or ""}

    def to_representation(self, ticket: StorefrontTicket) -> dict[str, Any]:
        """The API's hottest answer, built directly: DRF copies every declared field (nested
        ones too) for each serializer, which cost more than all the rest of the answer. The
        fields above remain its schema; a test checks both give the same answer."""
        moment = _DATETIME.to_representation
        return {
            "reference": ticket.reference,
            "subject": ticket.subject,
            "status": ticket.status,
            "category": ticket.category_slug,
            "created_at": moment(ticket.received_at),
            "updated_at": moment(ticket.updated_at),
            "resolved_at": _or_none(moment, ticket.resolved_at),
            "first_response_due_at": _or_none(moment, ticket.first_response_due_at),
            "customer_email": ticket.customer_email,
            "customer_name": ticket.customer_name,
            "order_number": ticket.order_number,
            "language": ticket.language,
            "first_response_promise": self.get_first_response_promise(ticket),
            "escalation_due_at": _or_none(moment, ticket.escalation_due_at),
            "complaint_proposal_due_at": _or_none(moment, ticket.complaint_proposal_due_at),
            "escalated": self.get_escalated(ticket),
            "escalation_requested_at": _or_none(moment, ticket.escalation_requested_at),
            "escalation": self.get_escalation(ticket),
            "feedback_given": ticket.has_feedback,
            "messages": [
                {**message, "created_at": moment(message["created_at"])}
                for message in ticket.public_messages
            ],
        }


_DATETIME = serializers.DateTimeField()


def _or_none(convert: Callable[[Any], Any], value: Any) -> Any:
    return None if value is None else convert(value)


class CustomerMessageInput(serializers.Serializer):
    message = _message_field()


class CustomerMessageMultipartInput(CustomerMessageInput):
    attachments = _attachments_field()


class FeedbackInput(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=5000, required=False, default="", allow_blank=True)


class FeedbackOutput(serializers.Serializer):
    rating = serializers.IntegerField()
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()


# --------------------------------------------------------------------------- staff


class UserOutput(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.get_username()


class StaffTicketListItemOutput(serializers.ModelSerializer):
    brand = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    assignee = UserOutput(allow_null=True)
    first_response_target_at = serializers.DateTimeField(allow_null=True)
    first_response_due_at = serializers.DateTimeField(allow_null=True)
    breached = serializers.BooleanField(help_text="A live clock is past its latest time.")
    search_snippet = serializers.CharField(
        default=None,
        allow_null=True,
        help_text="With `q`: the matching words of the ticket's latest matching message, as "
        "HTML (the text escaped, the words in <mark>); null when only the subject, customer or "
        "numbers matched.",
    )

    class Meta:
        model = Ticket
        fields = [
            "reference",
            "brand",
            "subject",
            "customer_email",
            "customer_name",
            "category",
            "order_numbers",
            "status",
            "is_urgent",
            "tier",
            "assignee",
            "first_response_target_at",
            "first_response_due_at",
            "breached",
            "received_at",
            "updated_at",
            "search_snippet",
        ]


class StaffMessageOutput(serializers.ModelSerializer):
    author = UserOutput(allow_null=True)
    attachments = AttachmentOutput(many=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "kind",
            "author",
            "sender_email",
            "sender_name",
            "body_text",
            "new_text",
            "delivery_status",
            "created_at",
            "attachments",
        ]


class ClockOutput(serializers.ModelSerializer):
    class Meta:
        model = SlaClock
        fields = SlaClock.DISPLAY_FIELDS


class StaffTicketDetailOutput(StaffTicketListItemOutput):
    messages = StaffMessageOutput(many=True, source="thread")
    clocks = ClockOutput(many=True, source="all_clocks")

    class Meta(StaffTicketListItemOutput.Meta):
        fields = [
            *StaffTicketListItemOutput.Meta.fields,
            "order_number",
            "language",
            "needs_translation",
            "is_incomplete",
            "escalation_requested_at",
            "first_responded_at",
            "resolved_at",
            "closed_at",
            "messages",
            "clocks",
        ]


class StaffReplyInput(serializers.Serializer):
    body = _message_field()
    status = serializers.ChoiceField(
        choices=[Ticket.Status.OPEN, Ticket.Status.WAITING, Ticket.Status.RESOLVED],
        default=Ticket.Status.OPEN,
        help_text="The ticket's status after the reply.",
    )
    proposes_resolution = serializers.BooleanField(
        default=False, help_text="On a complaint: this reply proposes the resolution."
    )
    # Required: a reply sent without it could go out over a customer's newer message unread.
    last_seen_message = serializers.IntegerField(
        min_value=0,
        max_value=2**63 - 1,
        help_text="The id of the newest message you have read (the last of the ticket "
        "detail's `messages`). If the customer wrote or another reply went out since, nothing "
        "is sent: a 400 says what changed.",
        error_messages={
            "required": "Send the id of the newest message you showed (the last of the "
            "ticket detail's messages), so a reply never goes out over one unread."
        },
    )


class StaffNoteInput(serializers.Serializer):
    body = _message_field()


class StaffAssignInput(serializers.Serializer):
    assignee = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, allow_null=True, help_text="A user id; null unassigns."
    )


class StaffOrderNumbersInput(serializers.Serializer):
    order_numbers = serializers.ListField(
        child=serializers.CharField(max_length=ORDER_NUMBER_MAX_CHARS),
        max_length=ORDER_NUMBERS_MAX,
        allow_empty=True,
        help_text="Every order number of the ticket, the first its order number; a category "
        "that needs an order number keeps at least one.",
    )


class StaffLanguageInput(serializers.Serializer):
    language = serializers.CharField(
        max_length=16,
        allow_blank=True,
        validators=[LANGUAGE],
        help_text='A language code such as en, fr or pt-BR; "" for the brand\'s own. Another '
        "language than the brand's adds the language extension to the live clocks.",
    )


class StaffResolveInput(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=RESOLVE_REASON_MAX_CHARS,
        help_text="Needed for a ticket that was never answered: its resolution notice gives it "
        "to the customer.",
    )


class StaffEscalateInput(serializers.Serializer):
    on_customer_request = serializers.BooleanField(
        default=False, help_text="The customer asked for it (allowed once per ticket)."
    )


class TokenInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"})
    code = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="The authenticator app's current code (or a recovery code): required of "
        "owners and superusers when the installation requires a second factor.",
    )


class TokenOutput(serializers.Serializer):
    token = serializers.CharField()


class TimelineEntryOutput(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField(help_text="What changed: status, assignee, tier, a clock...")
    text = serializers.CharField()
    actor_kind = serializers.ChoiceField(choices=["agent", "customer", "api_key", "system"])
    actor = serializers.CharField(help_text="Who: the agent's name, customer, API key or system.")
