"""The agent's day on the ticket page: thread, reply composer (macros, attachments, the
signature, the collision guard), notes with @mentions, properties changed in place, assign,
escalate, merge, who else has the ticket open; and attachments. Each view checks the ticket
is the user's and calls a service.
"""

import base64
from collections.abc import Iterable
from zoneinfo import ZoneInfo

import nh3
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    JsonResponse,
)
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from brands.selectors import brand_staff
from helpdesk.admin.order_numbers import OrderNumbersField
from helpdesk.admin.workspace import clock_badges, property_choices
from helpdesk.errors import ApplicationError
from helpdesk.models import Attachment, SlaClock, Ticket
from helpdesk.selectors.staff import customer_other_tickets, staff_signature, tickets_for_user
from helpdesk.selectors.timeline import ticket_timeline
from helpdesk.services.notices.staff import ticket_alerts_mark_read
from helpdesk.services.presence import ticket_presence_beat, ticket_presence_leave
from helpdesk.services.rendering.status_links import status_path
from helpdesk.services.sla.tiers import next_tier
from helpdesk.services.tickets.composer import composer_reply_send, held_files_of
from helpdesk.services.tickets.language import ticket_language_set
from helpdesk.services.tickets.lifecycle import (
    reply_held_back,
    ticket_add_note,
    ticket_assign,
    ticket_escalate,
    ticket_resolve,
    ticket_set_status,
)
from helpdesk.services.tickets.macros import (
    macro_render,
    macro_reply_status,
    macro_status_sentence,
)
from helpdesk.services.tickets.merge import ticket_merge
from helpdesk.services.tickets.order_numbers import ticket_order_numbers_set
from helpdesk.services.tickets.properties import (
    ticket_category_set,
    ticket_tier_set,
    ticket_urgency_set,
)
from helpdesk.services.tickets.signatures import signature_set
from helpdesk.services.tickets.status_links import ticket_status_links_revoke
from helpdesk.services.tickets.tags import tag_names_parse, ticket_tags_set

# The customer's HTML is shown in a frame with no scripts, no same-origin access and this
# policy: nothing loads from anywhere (inline images of the mail itself only).
FRAME_POLICY = "default-src 'none'; img-src data: cid:; style-src 'unsafe-inline'; font-src data:"
# The ticket page itself: images from this site only, so a frame inherits no wider rule.
PAGE_POLICY = "img-src 'self' data:; object-src 'none'; frame-ancestors 'self'"
LOCAL_IMAGE_PREFIXES = ("data:", "cid:")
# Inline images larger than this stay in the attachment list only: each shown one is read
# and written into the page, and a page shows at most the second figure's worth of them.
INLINE_IMAGE_MAX_BYTES = 5 * 1024 * 1024
INLINE_IMAGES_PAGE_MAX_BYTES = 20 * 1024 * 1024
# Pictures only, by the type the sender declared (SVG, a document that can carry script,
# stays a listed attachment).
INLINE_IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"}


def inline_images(attachments: Iterable[Attachment], allowance: int) -> tuple[dict[str, str], int]:
    """The message's stored inline images as data: URIs by Content-ID, for its HTML's cid:
    links (a browser cannot resolve those, and the frame may load nothing from anywhere),
    within `allowance` bytes; returns them and what is left of the allowance."""
    images = {}
    for attachment in attachments:
        if not (
            attachment.content_id
            and attachment.file
            and attachment.content_type.lower() in INLINE_IMAGE_TYPES
            and attachment.size <= min(INLINE_IMAGE_MAX_BYTES, allowance)
        ):
            continue
        try:
            with attachment.file.open("rb") as handle:
                content = handle.read(INLINE_IMAGE_MAX_BYTES + 1)
        except OSError:
            continue  # shown as missing, listed with the attachments all the same
        if len(content) > min(INLINE_IMAGE_MAX_BYTES, allowance):
            continue  # the file is not the size recorded
        allowance -= len(content)
        encoded = base64.b64encode(content).decode("ascii")
        images[attachment.content_id] = f"data:{attachment.content_type.lower()};base64,{encoded}"
    return images, allowance


def html_for_frame(html: str, images: dict[str, str] | None = None) -> str:
    """A customer's HTML, cleaned by nh3 (no scripts, no remote images), as a document for an
    iframe's srcdoc with a policy that loads nothing even if something slipped through.
    `images` are the message's inline images by Content-ID (`inline_images`); each is written
    in once, where the HTML first shows it, so repeating a reference cannot multiply it."""
    unused = dict(images or {})

    def local_images_only(element: str, attribute: str, value: str) -> str | None:
        if element != "img" or attribute != "src":
            return value
        if value.lower().startswith("cid:"):
            return unused.pop(value[4:].strip("<> "), value)
        return value if value.lower().startswith(LOCAL_IMAGE_PREFIXES) else None

    cleaned = nh3.clean(
        html,
        url_schemes=nh3.ALLOWED_URL_SCHEMES | {"cid", "data"},
        attribute_filter=local_images_only,
    )
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{FRAME_POLICY}">'
        '<base target="_blank"><style>body{font:14px/1.4 sans-serif;margin:8px}</style>'
        f"</head><body>{cleaned}</body></html>"
    )


# The composer's submit buttons: each says what happens to the ticket after the reply, so
# nothing rides on a default the agent did not see. The first, the main one, is the macro's
# choice when the reply uses a macro with a status.
SEND_CHOICES = [
    (Ticket.Status.OPEN, "Send"),
    (Ticket.Status.WAITING, "Send and wait on customer"),
    (Ticket.Status.RESOLVED, "Send and resolve"),
]


class ReplyForm(forms.Form):
    body = forms.CharField(
        label="Reply to the customer",
        max_length=settings.API_MESSAGE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
    )
    # Left out (a submit without a button), the reply goes as its macro says.
    send = forms.ChoiceField(choices=SEND_CHOICES, required=False)
    proposes_resolution = forms.BooleanField(
        required=False, label="This reply proposes a resolution to the complaint"
    )
    last_seen_message = forms.IntegerField(
        required=False, min_value=0, max_value=2**63 - 1, widget=forms.HiddenInput
    )
    macro = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )


class NoteForm(forms.Form):
    body = forms.CharField(
        label="Internal note", widget=forms.Textarea(attrs={"rows": 3, "cols": 80})
    )


class MergeForm(forms.Form):
    into = forms.CharField(
        label="Merge into ticket", help_text="The reference of the ticket to keep, e.g. KS-000123."
    )

    def __init__(self, *args, candidates: QuerySet[Ticket], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = candidates

    def clean_into(self) -> Ticket:
        reference = self.cleaned_data["into"].strip()
        target = self.candidates.filter(reference__iexact=reference).first()
        if target is None:
            raise forms.ValidationError(f"No open ticket {reference} of this brand to merge into.")
        return target


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(queryset=None, label="Assign to")

    def __init__(self, *args, people: QuerySet, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = people


def _draft_key(ticket: Ticket) -> str:
    return f"reply-draft:{ticket.pk}"


def _draft_keep(request: HttpRequest, ticket: Ticket, draft: dict) -> None:
    """Keep the agent's unsent reply (its text, macro and the newest message they had seen)
    for the page's next showing: a reply held back or refused, or one being typed while
    something else on the page was saved. One per ticket, taken back by the page.

    The text is kept up to the reply's own limit: the session is a database row, and the
    composer's box takes no more than that, so only a client other than the page sends more
    (a reply that long is refused for its length)."""
    body = draft.get("body", "")[: ReplyForm.base_fields["body"].max_length]
    if body.strip() or draft.get("macro") or draft.get("refused"):
        request.session[_draft_key(ticket)] = {**draft, "body": body}


def _refusal(error: ApplicationError) -> str:
    """A service's refusal in one sentence for the page: what happened, then why."""
    return f"{error.message} {'; '.join(error.fields.values())}".strip()


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 19 else None


def _local(moment, time_zone: str) -> str:
    if moment is None:
        return "—"
    local = moment.astimezone(ZoneInfo(time_zone))
    return f"{local:%a %d %b %Y %H:%M %Z}"


def ticket_thread(ticket: Ticket) -> list[dict]:
    """Every message of the ticket in order, ready for the page. The page's allowance of
    inline images goes to the newest messages first."""
    zone = ticket.brand.time_zone
    messages = list(
        ticket.messages.select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )
    allowance = INLINE_IMAGES_PAGE_MAX_BYTES
    images = {}
    for message in reversed(messages):
        if message.body_html:
            images[message.pk], allowance = inline_images(message.attachments.all(), allowance)
    return [
        {
            "message": message,
            "when": _local(message.created_at, zone),
            "text": message.new_text or message.body_text,
            "has_quoted": bool(message.new_text) and message.new_text != message.body_text,
            "frame": thread_frame(message.body_html, images[message.pk])
            if message.body_html
            else "",
            "attachments": list(message.attachments.all()),
        }
        for message in messages
    ]


class TicketWorkViews:
    """Views on one ticket for the people who work it, mixed into the ticket admin."""

    def work_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path("queue/", wrap(self.queue_view), name="helpdesk_ticket_queue"),
            path(
                "attachment/<int:pk>/",
                wrap(self.attachment_view),
                name="helpdesk_ticket_attachment",
            ),
            path("<int:pk>/reply/", wrap(self.reply_view), name="helpdesk_ticket_reply"),
            path("<int:pk>/note/", wrap(self.note_view), name="helpdesk_ticket_note"),
            path(
                "<int:pk>/assign-to-me/",
                wrap(self.assign_to_me_view),
                name="helpdesk_ticket_assign_to_me",
            ),
            path("<int:pk>/escalate/", wrap(self.escalate_view), name="helpdesk_ticket_escalate"),
            path(
                "<int:pk>/properties/",
                wrap(self.properties_view),
                name="helpdesk_ticket_properties",
            ),
            path(
                "<int:pk>/macro/<int:macro_pk>/",
                wrap(self.macro_view),
                name="helpdesk_ticket_macro",
            ),
            path("<int:pk>/presence/", wrap(self.presence_view), name="helpdesk_ticket_presence"),
            path(
                "<int:pk>/signature/", wrap(self.signature_view), name="helpdesk_ticket_signature"
            ),
            path(
                "attachment/<int:pk>/preview/",
                wrap(self.attachment_preview_view),
                name="helpdesk_ticket_attachment_preview",
            ),
            path("<int:pk>/merge/", wrap(self.merge_view), name="helpdesk_ticket_merge"),
            path(
                "<int:pk>/revoke-links/",
                wrap(self.revoke_links_view),
                name="helpdesk_ticket_revoke_links",
            ),
        ]

    def history_view(self, request: HttpRequest, object_id: str, extra_context=None):
        """Admin's "History" page is the ticket's timeline (its audit trail)."""
        ticket = self.get_object(request, object_id)
        if ticket is None:
            raise Http404("No such ticket.")
        context = {
            **self.admin_site.each_context(request),
            "title": f"History of {ticket.reference}",
            "ticket": ticket,
            "timeline": ticket_timeline(ticket),
        }
        return TemplateResponse(request, "admin/helpdesk/ticket/history.html", context)

    # -- the ticket page ------------------------------------------------------------------

    def ticket_page_context(self, request: HttpRequest, ticket: Ticket) -> dict:
        # Before the page's header counts them: the alerts about this ticket are read now.
        ticket_alerts_mark_read(request.user, ticket)
        thread = ticket_thread(ticket)
        live, done = clock_badges(ticket, timezone.now())
        # A reply not sent (held back by the collision guard, refused) or being typed while
        # something else was saved comes back as it was written, with its macro (and, held
        # back, its files, kept by the service until sent or stale).
        draft = request.session.pop(_draft_key(ticket), None) or {}
        macros = list(ticket.brand.macros.all())
        draft_macro = next((macro for macro in macros if macro.pk == draft.get("macro")), None)
        primary = macro_reply_status(draft_macro)
        # The guard compares ids: the highest shown, whatever order the times put them in.
        newest = max((row["message"].pk for row in thread), default=0)
        # A draft carried over (something else saved, a reply refused) stays on the view it
        # was written on, so a message that came in meanwhile holds it back with the guard's
        # banner, not a badge alone. One the guard held back is on this page's newer view:
        # sending it again confirms.
        carried = draft.get("seen")
        seen = newest if carried is None or draft.get("collision") else carried
        reply_form = ReplyForm(
            auto_id="id_reply_%s",
            initial={
                "body": draft.get("body", ""),
                "last_seen_message": seen,
                "macro": draft_macro.pk if draft_macro else None,
            },
        )
        if not any(
            clock.kind == SlaClock.Kind.COMPLAINT_PROPOSAL and clock.state != SlaClock.State.STOPPED
            for clock in ticket.clocks.all()
        ):
            del reply_form.fields["proposes_resolution"]
        return {
            "thread": thread,
            "unseen_after": draft.get("seen"),
            "collision": draft.get("collision"),
            "refused": draft.get("refused"),
            "attach_again": draft.get("attach_again", []),
            "clock_badges": live,
            "finished_clocks": done,
            "choices": property_choices(ticket),
            "customer_tickets": customer_other_tickets(request.user, ticket),
            "tags": ", ".join(tag.name for tag in ticket.tags.all()),
            "macros": macros,
            "macro_sentence": macro_status_sentence(draft_macro) if draft_macro else "",
            "held_files": list(held_files_of(ticket, request.user)),
            "signature": staff_signature(request.user, ticket.brand),
            # The main button first; the page's script reorders them when a macro goes in.
            "send_choices": sorted(SEND_CHOICES, key=lambda choice: choice[0] != primary),
            "send_order": " ".join(value for value, _ in SEND_CHOICES),
            "image_types": INLINE_IMAGE_TYPES,
            "attachments_max": settings.API_ATTACHMENTS_MAX,
            "attachment_max_bytes": settings.ATTACHMENT_MAX_BYTES,
            "reply_form": reply_form,
            "note_form": NoteForm(auto_id="id_note_%s"),
            "can_work": self.has_change_permission(request, ticket),
            "next_tier": next_tier(ticket.brand, ticket.tier),
            "merged_here": list(ticket.merged_tickets.values_list("reference", flat=True)),
            "status_link": status_path(ticket),
            "timeline": ticket_timeline(ticket),
        }

    def _work_ticket(self, request: HttpRequest, pk: int) -> Ticket:
        """The ticket if it is in the user's brands and they may work on it (404 / 403)."""
        ticket = self.get_object(request, str(pk))
        if not self.has_change_permission(request, ticket):
            raise PermissionDenied
        return ticket

    def _back(self, request: HttpRequest, ticket: Ticket, anchor: str = "") -> HttpResponseRedirect:
        """The ticket's page again, keeping the reply the agent was typing: the page's script
        sends it with every form on the page but the composer's own (`draft_*` fields)."""
        _draft_keep(
            request,
            ticket,
            {
                "body": request.POST.get("draft_body", ""),
                "macro": _int(request.POST.get("draft_macro", "")),
                "seen": _int(request.POST.get("draft_seen", "")),
            },
        )
        url = reverse("admin:helpdesk_ticket_change", args=[ticket.pk])
        return HttpResponseRedirect(url + anchor)

    def _refused(self, request: HttpRequest, error: ApplicationError) -> None:
        self.message_user(request, _refusal(error), messages.ERROR)

    def reply_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        ticket = self._work_ticket(request, pk)
        form = ReplyForm(request.POST)
        # Refused, the reply comes back in the composer saying why; files cannot come back
        # with a page, so it names this try's to attach again (a held reply's are kept).
        draft = {
            "body": request.POST.get("body", ""),
            "macro": _int(request.POST.get("macro", "")),
            "seen": _int(request.POST.get("last_seen_message", "")),
            "attach_again": [upload.name for upload in request.FILES.getlist("attachments")],
        }
        if not form.is_valid():
            if form.has_error("body", "required"):
                problem = "Write a reply before sending."
            else:
                problem = "Not sent: " + " ".join(" ".join(e) for e in form.errors.values())
            _draft_keep(request, ticket, {**draft, "refused": problem})
            return self._back(request, ticket, "#composer")
        data = form.cleaned_data
        macro = ticket.brand.macros.filter(pk=data["macro"]).first() if data["macro"] else None
        try:
            composer_reply_send(
                ticket,
                author=request.user,
                body=data["body"],
                chosen_status=data["send"],
                macro=macro,
                proposes_resolution=data.get("proposes_resolution", False),
                last_seen_message=data["last_seen_message"],
                attachments=request.FILES.getlist("attachments"),
                held_files=[_int(value) or 0 for value in request.POST.getlist("held_files")],
            )
        except ApplicationError as error:
            if reply_held_back(error):
                # Shown again with what changed marked, the draft and its macro kept (its
                # files too, by the service), and the page's newer view: sending confirms.
                collision = error.fields["last_seen_message"]
                _draft_keep(request, ticket, {**draft, "attach_again": [], "collision": collision})
                return self._back(request, ticket, "#composer")
            _draft_keep(request, ticket, {**draft, "refused": _refusal(error)})
            return self._back(request, ticket, "#composer")
        ticket.refresh_from_db()
        self.message_user(
            request,
            f"Reply sent to {ticket.customer_email}; {ticket.reference} is now "
            f"{ticket.get_status_display().lower()}.",
            messages.SUCCESS,
        )
        return self._back(request, ticket)

    def note_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        ticket = self._work_ticket(request, pk)
        form = NoteForm(request.POST)
        if form.is_valid():
            note = ticket_add_note(ticket, author=request.user, body=form.cleaned_data["body"])
            named = ", ".join(person.get_username() for person in note.mentioned)
            self.message_user(
                request, f"Note added{f'; it mentions {named}' if named else ''}.", messages.SUCCESS
            )
        else:
            self.message_user(request, "Write a note before adding it.", messages.ERROR)
        return self._back(request, ticket)

    def properties_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """One property changed in place from the side panel, through its service."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        ticket = self._work_ticket(request, pk)
        field, value = request.POST.get("field", ""), request.POST.get("value", "").strip()
        try:
            if field == "status" and value == Ticket.Status.RESOLVED:
                # A ticket never answered needs a reason (the panel's field beside the status).
                reason = request.POST.get("reason", "")
                ticket_resolve(ticket, reason=reason, actor=request.user)
            elif field == "status":
                ticket_set_status(ticket, value, actor=request.user)
            elif field == "urgency":
                ticket_urgency_set(ticket, value == "urgent", actor=request.user)
            elif field == "category":
                category = ticket.brand.categories.filter(pk=_int(value)).first()
                if value and category is None:
                    raise ApplicationError("Unknown category.", {"category": "Choose one."})
                ticket_category_set(ticket, category, actor=request.user)
            elif field == "language":
                ticket_language_set(ticket, value, actor=request.user)
            elif field == "assignee":
                people = brand_staff([ticket.brand_id])
                assignee = people.filter(pk=_int(value)).first() if value else None
                ticket_assign(ticket, assignee, actor=request.user)
            elif field == "tags":
                ticket_tags_set(ticket, tag_names_parse(value), actor=request.user)
            elif field == "order_numbers":
                numbers = OrderNumbersField().to_python(value)
                ticket_order_numbers_set(ticket, numbers, actor=request.user)
            elif field == "tier":
                ticket_tier_set(ticket, _int(value) or 0, actor=request.user)
            else:
                raise ApplicationError("Unknown property.", {"field": "Not a property."})
        except ApplicationError as error:
            self._refused(request, error)
        else:
            self.message_user(request, f"{ticket.reference}: {field} changed.", messages.SUCCESS)
        return self._back(request, ticket)

    def macro_view(self, request: HttpRequest, pk: int, macro_pk: int) -> JsonResponse:
        """A macro filled in for this ticket, for the composer to insert."""
        ticket = self._work_ticket(request, pk)
        macro = ticket.brand.macros.filter(pk=macro_pk).first()
        if macro is None:
            raise Http404("No such macro for this brand.")
        return JsonResponse(
            {
                "id": macro.pk,
                "body": macro_render(macro, ticket, request.user),
                "send": macro_reply_status(macro),
                "says": macro_status_sentence(macro),
            }
        )

    def presence_view(self, request: HttpRequest, pk: int) -> JsonResponse:
        """The page's heartbeat (POST): who else has the ticket open; `leave` when it closes."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        ticket = self._work_ticket(request, pk)
        if request.POST.get("leave"):
            ticket_presence_leave(ticket.pk, request.user)
            return JsonResponse({"others": []})
        return JsonResponse({"others": ticket_presence_beat(ticket.pk, request.user)})

    def signature_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The agent's signature for the ticket's brand, set from the composer."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        ticket = self._work_ticket(request, pk)
        try:
            signature_set(request.user, ticket.brand, request.POST.get("signature", ""))
        except ApplicationError as error:
            self._refused(request, error)
        else:
            self.message_user(
                request, f"Your signature for {ticket.brand} is saved.", messages.SUCCESS
            )
        return self._back(request, ticket, "#composer")

    def assign_to_me_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        ticket = self._work_ticket(request, pk)
        try:
            ticket_assign(ticket, request.user, actor=request.user)
        except ApplicationError as error:
            self._refused(request, error)
        else:
            self.message_user(request, f"{ticket.reference} is assigned to you.", messages.SUCCESS)
        return self._back(request, ticket)

    def escalate_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        ticket = self._work_ticket(request, pk)
        try:
            ticket_escalate(ticket, actor=request.user)
        except ApplicationError as error:
            self._refused(request, error)
        else:
            ticket.refresh_from_db()
            self.message_user(
                request, f"{ticket.reference} is escalated to tier {ticket.tier}.", messages.SUCCESS
            )
        return self._back(request, ticket)

    def revoke_links_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        ticket = self._work_ticket(request, pk)
        ticket_status_links_revoke(ticket, actor=request.user)
        self.message_user(
            request,
            f"The customer's links to {ticket.reference} no longer work; "
            "new mail carries a new one.",
            messages.SUCCESS,
        )
        return self._back(request, ticket)

    def merge_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        duplicate = self._work_ticket(request, pk)
        candidates = (
            tickets_for_user(request.user)
            .filter(brand=duplicate.brand_id, merged_into__isnull=True)
            .exclude(pk=duplicate.pk)
            .exclude(status=Ticket.Status.CLOSED)
        )
        form = MergeForm(request.POST or None, candidates=candidates)
        if request.method == "POST" and form.is_valid():
            try:
                target = ticket_merge(duplicate, into=form.cleaned_data["into"], actor=request.user)
            except ApplicationError as error:
                self._refused(request, error)
            else:
                self.message_user(
                    request,
                    f"{duplicate.reference} is merged into {target.reference} and closed.",
                    messages.SUCCESS,
                )
                return self._back(request, target)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Merge {duplicate.reference} into another ticket",
            "original": duplicate,
            "form": form,
            "suggestions": candidates.filter(customer_email=duplicate.customer_email)[:10],
        }
        return TemplateResponse(request, "admin/helpdesk/ticket/merge.html", context)

    def attachment_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        # The attachments' own admin says whether this one is the user's (404 / 403).
        attachment = self.admin_site.get_model_admin(Attachment).get_object(request, str(pk))
        if not attachment.file:
            raise Http404("The file was not kept.")
        # Always a download, never rendered here: a customer's HTML or SVG file must not run
        # inside the admin's origin.
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.filename,
            content_type="application/octet-stream",
        )

    def attachment_preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """A picture attached to a message, shown on the ticket page: only the image types a
        browser cannot run anything in (never SVG), under a policy that loads nothing."""
        attachment = self.admin_site.get_model_admin(Attachment).get_object(request, str(pk))
        content_type = attachment.content_type.lower()
        if not attachment.file or content_type not in INLINE_IMAGE_TYPES:
            raise Http404("No picture to show.")
        response = FileResponse(attachment.file.open("rb"), content_type=content_type)
        response["Content-Disposition"] = "inline"
        response["Content-Security-Policy"] = "default-src 'none'"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    # -- the queue ------------------------------------------------------------------------

    def queue_view(self, request: HttpRequest) -> HttpResponse:
        return HttpResponseRedirect(reverse("admin:helpdesk_ticket_changelist") + "?queue=mine")

    # -- bulk actions -----------------------------------------------------------------------

    def bulk_assign(
        self, request: HttpRequest, tickets: QuerySet[Ticket], assignee: AbstractBaseUser
    ) -> None:
        done, refused = 0, []
        for ticket in tickets:
            try:
                ticket_assign(ticket, assignee, actor=request.user)
                done += 1
            except ApplicationError:
                refused.append(ticket.reference)
        self.message_user(request, f"Assigned {done} ticket(s) to {assignee}.", messages.SUCCESS)
        if refused:
            self.message_user(
                request,
                f"{assignee} does not work for the brand of {', '.join(refused)}.",
                messages.WARNING,
            )


def thread_frame(html: str, images: dict[str, str] | None = None) -> str:
    """A message's HTML in a sandboxed frame: no scripts, forms, popups or same origin."""
    return format_html(
        '<iframe class="message-html" sandbox="" referrerpolicy="no-referrer" '
        'title="The message as the customer formatted it" srcdoc="{}"></iframe>',
        html_for_frame(html, images),
    )
