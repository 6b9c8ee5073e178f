"""A brand's public pages: its customer-service policy, a contact form and the customer's view
of their ticket.

The policy page is drawn from the same settings the SLA clocks are computed from, so what the
brand publishes and what the timers enforce cannot drift apart.
"""

import functools
from collections.abc import Callable
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from brands.models import Brand
from brands.policy_page import policy_page_sections
from brands.promises import promise_text
from brands.services import policy_version_current
from helpdesk.api.client_address import client_address
from helpdesk.api.serializers import CustomerMessageMultipartInput, TicketCreateInput
from helpdesk.errors import ApplicationError
from helpdesk.models import Attachment, Feedback, Message, SlaClock, Ticket
from helpdesk.services.intake.storefront import ticket_open, ticket_reply_from_customer
from helpdesk.services.notices.customer import customer_status_links_send
from helpdesk.services.rendering.customer_words import CUSTOMER_STATUS, customer_language
from helpdesk.services.rendering.status_links import status_ticket
from helpdesk.services.tickets.customer_escalation import (
    customer_may_escalate,
    ticket_escalate_on_request,
)
from helpdesk.services.tickets.feedback import feedback_record
from helpdesk.services.tickets.lifecycle import ticket_accepts_reply

RATE_WINDOW_SECONDS = 3600
RATING_VALUES = {"1", "2", "3", "4", "5"}


def _visitor_language(request: HttpRequest) -> str:
    """For pages not about one ticket: the browser's language, where we have its words."""
    return customer_language(translation.get_language_from_request(request))


def in_visitor_language(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Render the view in the visitor's language (the contact form and its answers)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        with translation.override(_visitor_language(request)):
            response = view(request, *args, **kwargs)
        patch_vary_headers(response, ["Accept-Language"])
        return response

    return wrapped


def _brand(slug: str) -> Brand:
    return get_object_or_404(Brand.objects.select_related("policy"), slug=slug)


def policy_context(brand: Brand) -> dict:
    """The page's sections in the brand's words, every figure from its settings."""
    today = timezone.now().astimezone(ZoneInfo(brand.time_zone)).date()
    version = policy_version_current(brand)
    contact_url = reverse("public:contact", args=[brand.slug])
    return {
        "brand": brand,
        "sections": policy_page_sections(brand, contact_url=contact_url, today=today),
        "last_updated": version.created_at if version else brand.policy_updated_at,
    }


@require_http_methods(["GET", "HEAD"])
def policy_page(request: HttpRequest, slug: str) -> HttpResponse:
    brand = _brand(slug)
    return render(request, "public/policy.html", policy_context(brand))


class ContactForm(forms.Form):
    """The fields of the API's ticket creation, validated by the same serializer."""

    customer_name = forms.CharField(label=_("Your name"), max_length=200, required=False)
    customer_email = forms.EmailField(label=_("Your email address"), max_length=254)
    category = forms.ChoiceField(label=_("What is it about?"), required=False)
    order_number = forms.CharField(label=_("Order number"), max_length=64, required=False)
    subject = forms.CharField(label=_("Subject"), max_length=255)
    message = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 8}))
    # Left empty by people; bots that fill every field give themselves away.
    website = forms.CharField(
        required=False,
        label="Leave this empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, brand: Brand, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("Choose…"))] + [
            (
                category.slug,
                category.name
                + (" (order number needed)" if category.requires_order_number else ""),
            )
            for category in brand.categories.all()
        ]


def _rate_key(brand: Brand, request: HttpRequest) -> str:
    return f"contact-form:{brand.pk}:{client_address(request)}"


def _over_limit(brand: Brand, request: HttpRequest) -> bool:
    """Whether this address has opened its allowance of tickets this hour. The count lives in
    the shared cache (Redis in production), so every web process sees the same number."""
    return cache.get(_rate_key(brand, request), 0) >= settings.CONTACT_FORM_MAX_PER_HOUR


def _count_submission(brand: Brand, request: HttpRequest) -> None:
    key = _rate_key(brand, request)
    cache.add(key, 0, RATE_WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, RATE_WINDOW_SECONDS)


def _api_validation(brand: Brand, data: dict) -> tuple[dict, dict[str, list[str]]]:
    """Validate with the API's own input serializer: one set of rules for both channels."""
    serializer = TicketCreateInput(data=data, brand=brand)
    if serializer.is_valid():
        return dict(serializer.validated_data), {}
    return {}, {field: [str(e) for e in errors] for field, errors in serializer.errors.items()}


@in_visitor_language
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def contact_page(request: HttpRequest, slug: str) -> HttpResponse:
    brand = _brand(slug)
    if request.method != "POST":
        form = ContactForm(brand=brand)
        return render(request, "public/contact.html", {"brand": brand, "form": form})
    form = ContactForm(request.POST, brand=brand)
    if _over_limit(brand, request):
        return render(
            request,
            "public/contact.html",
            {"brand": brand, "form": form, "limited": True},
            status=429,
        )
    if form.is_valid() and form.cleaned_data["website"]:
        return HttpResponseRedirect(reverse("public:contact_sent", args=[brand.slug]))
    if form.is_valid():
        # Left-out optional fields are absent, as in a storefront's JSON, not blank.
        data = {
            key: value
            for key, value in form.cleaned_data.items()
            if key != "website" and value not in ("", None)
        }
        validated, errors = _api_validation(brand, data)
        for field, messages in errors.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
        if not errors:
            try:
                ticket = ticket_open(brand, **validated)
            except ApplicationError as error:
                for field, message in error.fields.items():
                    form.add_error(_form_field(field, form), message)
            else:
                _count_submission(brand, request)
                request.session["contact_reference"] = ticket.reference
                return HttpResponseRedirect(reverse("public:contact_sent", args=[brand.slug]))
    return render(request, "public/contact.html", {"brand": brand, "form": form}, status=400)


def _form_field(field: str, form: forms.Form) -> str | None:
    field = {"body": "message"}.get(field, field)
    return field if field in form.fields else None


@in_visitor_language
@never_cache
def contact_sent(request: HttpRequest, slug: str) -> HttpResponse:
    brand = _brand(slug)
    reference = request.session.pop("contact_reference", "")
    return render(request, "public/contact_sent.html", {"brand": brand, "reference": reference})


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        coerce=int,
        choices=[(n, f"{n}") for n in (5, 4, 3, 2, 1)],
        widget=forms.RadioSelect,
        label=_("How did we do? (5 is best)"),
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )


def _status_response(response: HttpResponse) -> HttpResponse:
    # The link is the key to the ticket: keep it out of other sites' Referer headers, caches and
    # indexes. "same-origin", not "no-referrer": with no referrer Chromium sends its forms with
    # `Origin: null`, which CSRF protection refuses.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def ticket_status_page(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """The customer's view of their ticket. A rating link from mail (?rating=N) only fills in
    the form; the rating counts when the customer submits it, so link scanners cannot vote."""
    ticket = status_ticket(slug, token)
    if ticket is None:
        # Unknown, tampered, revoked and expired links look alike: nothing tells whether the
        # request exists. The customer can have a fresh link mailed to the address on file.
        brand = _brand(slug)
        context = {"brand": brand, "form": LinkRequestForm()}
        with translation.override(_visitor_language(request)):
            return _status_response(
                render(request, "public/status_link_invalid.html", context, status=404)
            )
    # The page speaks the ticket's language, as its mail does.
    with translation.override(customer_language(ticket.language)):
        return _status_page(request, ticket, token)


def _status_page(request: HttpRequest, ticket: Ticket, token: str) -> HttpResponse:
    rateable = ticket.status in Ticket.FINISHED_STATES
    feedback = Feedback.objects.filter(ticket=ticket).first()
    can_reply = ticket.merged_into_id is None and ticket_accepts_reply(ticket, timezone.now())
    reply_errors: list[str] = []
    escalation_refused = ""
    # Which form was sent: the reply, the escalation request, else the rating.
    rating_post = request.method == "POST" and not {"send_reply", "escalate"} & set(request.POST)
    if request.method == "POST" and "escalate" in request.POST:
        try:
            ticket_escalate_on_request(ticket)
        except ApplicationError as error:
            escalation_refused = " ".join(error.fields.values()) or error.message
        else:
            return _status_response(HttpResponseRedirect(request.path + "?escalated=1"))
    elif request.method == "POST" and "send_reply" in request.POST:
        if not can_reply:
            return _status_response(HttpResponse("This request takes no replies.", status=409))
        reply_errors = _reply(ticket, request)
        if not reply_errors:
            return _status_response(HttpResponseRedirect(request.path + "?sent=1"))
    form = None
    if rateable and feedback is None:
        if rating_post:
            form = RatingForm(request.POST)
            if form.is_valid():
                try:
                    feedback_record(
                        ticket,
                        rating=form.cleaned_data["rating"],
                        comment=form.cleaned_data["comment"],
                    )
                except ApplicationError as error:
                    form.add_error(None, error.message)
                else:
                    return _status_response(HttpResponseRedirect(request.path + "?rated=1"))
        else:
            preset = request.GET.get("rating", "")
            form = RatingForm(initial={"rating": int(preset)} if preset in RATING_VALUES else None)
    elif rating_post:
        return _status_response(HttpResponse("This ticket cannot be rated now.", status=409))
    context = {
        "brand": ticket.brand,
        "ticket": ticket,
        "thread": _customer_thread(ticket),
        "reply_by": _reply_by(ticket),
        "form": form,
        "feedback": feedback,
        "rated": request.GET.get("rated") == "1" and feedback is not None,
        "merged_into": ticket.merged_into,
        "customer_status": CUSTOMER_STATUS[ticket.status],
        "can_reply": can_reply,
        "reopens": ticket.status == Ticket.Status.RESOLVED,
        "reply_errors": reply_errors,
        "sent": request.GET.get("sent") == "1",
        "token": token,
        # The brand's policy decides when the customer may ask for a senior review.
        "can_escalate": not escalation_refused and customer_may_escalate(ticket),
        "escalation_refused": escalation_refused,
        "escalated": request.GET.get("escalated") == "1"
        and ticket.escalation_requested_at is not None,
    }
    code = 409 if escalation_refused else 400 if reply_errors else 200
    response = render(request, "public/status.html", context, status=code)
    return _status_response(response)


def _reply(ticket: Ticket, request: HttpRequest) -> list[str]:
    """The customer's reply from the page, with the API's limits (text, files); its errors."""
    data = {"message": request.POST.get("message", "")}
    files = request.FILES.getlist("attachments")
    if files:
        data["attachments"] = files
    serializer = CustomerMessageMultipartInput(data=data)
    if not serializer.is_valid():
        return [str(error) for errors in serializer.errors.values() for error in _flat(errors)]
    try:
        ticket_reply_from_customer(
            ticket,
            message=serializer.validated_data["message"],
            attachments=serializer.validated_data.get("attachments", ()),
        )
    except ApplicationError as error:
        return [error.message, *error.fields.values()]
    return []


def _flat(errors) -> list:
    if isinstance(errors, dict):
        return [e for value in errors.values() for e in _flat(value)]
    if isinstance(errors, list):
        return [e for value in errors for e in _flat(value)]
    return [errors]


@never_cache
@require_http_methods(["GET", "HEAD"])
def ticket_status_file(request: HttpRequest, slug: str, token: str, pk: int) -> HttpResponse:
    """A file of the public thread, for the holder of the ticket's link."""
    ticket = status_ticket(slug, token)
    if ticket is None:
        raise Http404("No such file.")
    attachment = (
        Attachment.objects.filter(pk=pk, message__ticket=ticket)
        .exclude(message__kind=Message.Kind.NOTE)
        .exclude(file="")
        .first()
    )
    if attachment is None:
        raise Http404("No such file.")
    response = FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    return _status_response(response)


class LinkRequestForm(forms.Form):
    email = forms.EmailField(label=_("Your email address"), max_length=254)


def _limited(keys: list[str], allowance: int) -> bool:
    """Count one use under each key (in the shared cache, for an hour); whether any key had
    already used its allowance."""
    over = False
    for key in keys:
        cache.add(key, 0, RATE_WINDOW_SECONDS)
        try:
            over = cache.incr(key) > allowance or over
        except ValueError:  # expired between the two calls
            cache.set(key, 1, RATE_WINDOW_SECONDS)
    return over


@in_visitor_language
@never_cache
@require_http_methods(["POST"])
def status_link_request(request: HttpRequest, slug: str) -> HttpResponse:
    """Mail fresh status links to an address. The answer is the same whether or not the address
    has requests; each address and each client may ask a few times an hour."""
    brand = _brand(slug)
    form = LinkRequestForm(request.POST)
    if not form.is_valid():
        context = {"brand": brand, "form": form}
        return render(request, "public/status_link_invalid.html", context, status=400)
    email = form.cleaned_data["email"].strip().lower()
    keys = [
        f"status-link:{brand.pk}:address:{email}",
        f"status-link:{brand.pk}:client:{client_address(request)}",
    ]
    if _limited(keys, settings.STATUS_LINK_REQUESTS_PER_HOUR):
        context = {"brand": brand, "form": form, "limited": True}
        return render(request, "public/status_link_invalid.html", context, status=429)
    customer_status_links_send(brand, email)
    return render(request, "public/status_link_sent.html", {"brand": brand, "email": email})


def _customer_thread(ticket: Ticket) -> list[dict]:
    """What the customer may see: their messages and ours, never internal notes."""
    messages = ticket.messages.exclude(kind=Message.Kind.NOTE).order_by("created_at", "id")
    return [
        {
            "from_us": message.kind == Message.Kind.OUTBOUND,
            "when": message.created_at,
            "text": message.new_text or message.body_text,
            "files": [file for file in message.attachments.all() if file.file],
        }
        for message in messages.prefetch_related("attachments")
    ]


def _reply_by(ticket: Ticket) -> str:
    clock = (
        ticket.clocks.filter(
            state=SlaClock.State.RUNNING,
            kind__in=[
                SlaClock.Kind.FIRST_RESPONSE,
                SlaClock.Kind.NEXT_REPLY,
                SlaClock.Kind.TIER_RESPONSE,
            ],
        )
        .order_by("latest_at")
        .first()
    )
    if clock is None:
        return ""
    return promise_text(clock.latest_at, ticket.brand.time_zone, translation.get_language())
