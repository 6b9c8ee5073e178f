"""The owner's policy pages: drafts section by section, their preview and what-if, publishing,
and the version history with each version's page as it was.

Owners of a brand change its policy here; its agents and seniors may read every page. Another
brand's drafts and versions are a 404. Mounted at /admin/policy/ by config/urls.py, each view
wrapped by the admin site's login check.
"""

from datetime import date
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from brands.draft_sections import SECTION_BY_SLUG, SECTIONS, SectionForm
from brands.drafts import (
    GOVERNING_RULE,
    PolicyProblems,
    draft_changes,
    draft_save,
    draft_start,
)
from brands.loader import BrandFileError
from brands.models import Brand, PolicyDraft, PolicyVersion, WhatIfRun
from brands.policy_diff import labelled_changes, setting_label
from brands.selectors import brands_for_user, owned_brands
from helpdesk.admin import charts
from helpdesk.errors import ApplicationError
from helpdesk.services.sla.preview import (
    mark_text_changes,
    policy_rendering,
    side_by_side,
    snapshot_rendering,
)
from helpdesk.services.sla.publish import draft_publish, publish_impact, version_revert
from helpdesk.services.sla.whatif import DEFAULT_DAYS, MAX_DAYS, WEEKDAYS, whatif_run_start


def _brand(request: HttpRequest, brand: Brand, *, write: bool = False) -> Brand:
    """The brand if the user may read (any role) or change (owner) its policy."""
    if not brands_for_user(request.user).filter(pk=brand.pk).exists():
        raise Http404("No such brand.")
    if write and not owned_brands(request.user).filter(pk=brand.pk).exists():
        raise PermissionDenied
    return brand


def _draft(request: HttpRequest, draft_id: int, *, write: bool = False) -> PolicyDraft:
    draft = get_object_or_404(
        PolicyDraft.objects.select_related("brand", "started_by"), pk=draft_id
    )
    _brand(request, draft.brand, write=write)
    if write and draft.published_as_id:
        raise PermissionDenied("A published draft is not changed.")
    return draft


def _context(request: HttpRequest, title: str, **extra) -> dict:
    return {**admin.site.each_context(request), "title": title, **extra}


def _can_write(request: HttpRequest, brand: Brand) -> bool:
    return owned_brands(request.user).filter(pk=brand.pk).exists()


def _contact_url(brand: Brand) -> str:
    return reverse("public:contact", args=[brand.slug])


def _today(brand: Brand) -> date:
    return timezone.now().astimezone(ZoneInfo(brand.time_zone)).date()


def policy_index_view(request: HttpRequest) -> HttpResponse:
    """The brands whose policy the user may read; straight to it when there is one."""
    brands = list(brands_for_user(request.user))
    if not brands:
        raise PermissionDenied
    if len(brands) == 1:
        return redirect("policy_brand", brands[0].slug)
    owned = set(owned_brands(request.user).values_list("pk", flat=True))
    context = _context(request, "Policies", brands=[(b, b.pk in owned) for b in brands])
    return TemplateResponse(request, "admin/policy/index.html", context)


def brand_policy_view(request: HttpRequest, slug: str) -> HttpResponse:
    """A brand's drafts and its version history."""
    brand = _brand(request, get_object_or_404(Brand, slug=slug))
    if request.method == "POST":
        _brand(request, brand, write=True)
        draft = draft_start(brand, request.user)
        return redirect("policy_draft", draft.pk)
    versions = list(brand.policy_versions.select_related("author").order_by("-number"))
    history = [
        {
            "version": version,
            "changes": labelled_changes(older.snapshot, version.snapshot) if older else [],
        }
        for version, older in zip(versions, [*versions[1:], None], strict=True)
    ]
    drafts = brand.policy_drafts.filter(published_as=None).select_related("started_by")
    context = _context(
        request,
        f"{brand.name}: policy",
        brand=brand,
        can_write=_can_write(request, brand),
        drafts=[(draft, draft_changes(draft)) for draft in drafts],
        history=history,
    )
    return TemplateResponse(request, "admin/policy/brand.html", context)


def draft_view(request: HttpRequest, draft_id: int) -> HttpResponse:
    draft = _draft(request, draft_id)
    context = _context(
        request,
        f"{draft.brand.name}: policy draft {draft.pk}",
        draft=draft,
        brand=draft.brand,
        sections=SECTIONS,
        changes=draft_changes(draft),
        can_write=_can_write(request, draft.brand) and not draft.published_as_id,
    )
    return TemplateResponse(request, "admin/policy/draft.html", context)


def draft_section_view(request: HttpRequest, draft_id: int, section: str) -> HttpResponse:
    if section not in SECTION_BY_SLUG:
        raise Http404("No such section.")
    draft = _draft(request, draft_id, write=request.method == "POST")
    form = SectionForm(SECTION_BY_SLUG[section], draft.snapshot, request.POST or None)
    if request.method == "POST" and form.is_valid():
        values, replacing = form.draft_values()
        try:
            draft_save(draft, values, replacing=replacing)
        except PolicyProblems as problems:
            form.add_error(None, " ".join(problems.errors.values()))
        else:
            messages.success(request, f"{form.section.title}: saved in the draft (not live).")
            return redirect("policy_draft", draft.pk)
    context = _context(
        request,
        f"{draft.brand.name}: {form.section.title}",
        draft=draft,
        brand=draft.brand,
        form=form,
        section=form.section,
        sections=SECTIONS,
        can_write=_can_write(request, draft.brand) and not draft.published_as_id,
    )
    return TemplateResponse(
        request, "admin/policy/section.html", context, status=400 if form.errors else 200
    )


def draft_preview_view(request: HttpRequest, draft_id: int) -> HttpResponse:
    draft = _draft(request, draft_id)
    brand = draft.brand
    sample = {
        "contact_url": _contact_url(brand),
        "today": _today(brand),
        "received_at": timezone.now(),
        "language": request.GET.get("language", "")[:16],
    }
    live = policy_rendering(brand, **sample)
    try:
        drafted = snapshot_rendering(brand, draft.snapshot, **sample)
    except BrandFileError as error:
        drafted, problem = None, f"{error.setting}: {error.detail}"
    else:
        problem = None
    context = _context(
        request,
        f"{brand.name}: preview of draft {draft.pk}",
        draft=draft,
        brand=brand,
        live=live,
        drafted=drafted,
        problem=problem,
        sections=SECTIONS,
        can_write=_can_write(request, draft.brand) and not draft.published_as_id,
        rows=side_by_side(live, drafted) if drafted else [],
        ack_live=mark_text_changes(live.acknowledgement, drafted.acknowledgement)
        if drafted
        else [],
        ack_draft=mark_text_changes(drafted.acknowledgement, live.acknowledgement)
        if drafted
        else [],
    )
    return TemplateResponse(request, "admin/policy/preview.html", context)


class WhatIfForm(forms.Form):
    days = forms.IntegerField(
        min_value=1,
        max_value=MAX_DAYS,
        initial=DEFAULT_DAYS,
        help_text="Replay the tickets received in this many days before now.",
    )


def _week_chart(result: dict) -> str:
    live, drafted = result["due_by_week_hour"]["live"], result["due_by_week_hour"]["draft"]
    order = {
        f"{day} {hour:02d}:00": (d, hour) for d, day in enumerate(WEEKDAYS) for hour in range(24)
    }
    buckets = sorted(live.keys() | drafted.keys(), key=order.get)
    bars = []
    for bucket in buckets:
        for side, counts, colour in (
            ("live", live, charts.COLOURS[1]),
            ("draft", drafted, charts.COLOURS[2]),
        ):
            bars.append(
                charts.Bar(
                    f"{bucket} {side}", counts.get(bucket, 0), str(counts.get(bucket, 0)), colour
                )
            )
    return charts.bar_chart("Clocks falling due per hour of the week (brand's time)", bars)


GROUP_LABELS = {
    "first_response": "First response",
    "next_reply": "Next reply",
    "urgent": "Urgent matters",
    "complaint": "Complaint resolution proposal",
}


def _compliance_rows(result: dict) -> dict[str, list[tuple[str, list, list]]]:
    """The result's compliance as table rows: per promise, then per category and language."""
    rows: dict[str, list] = {"promises": [], "breakdown": []}
    for key, sides in result["compliance"].items():
        kind, _, name = key.partition(":")
        if name:
            rows["breakdown"].append(
                (f"{kind.capitalize()}: {name}", sides["live"], sides["draft"])
            )
        else:
            label = GROUP_LABELS.get(key, key)
            rows["promises"].append((label, sides["live"], sides["draft"]))
    return rows


def draft_whatif_view(request: HttpRequest, draft_id: int) -> HttpResponse:
    draft = _draft(request, draft_id)
    form = WhatIfForm(request.POST or None)
    if request.method == "POST":
        _brand(request, draft.brand, write=True)
        if form.is_valid():
            whatif_run_start(draft, days=form.cleaned_data["days"], user=request.user)
            return redirect("policy_draft_whatif", draft.pk)
    run = draft.whatif_runs.first()
    context = _context(
        request,
        f"{draft.brand.name}: what draft {draft.pk} would have done",
        draft=draft,
        brand=draft.brand,
        form=form,
        run=run,
        result=run.result if run and run.result else None,
        chart=_week_chart(run.result) if run and run.result else "",
        rows=_compliance_rows(run.result) if run and run.result else {},
        due_rows=[
            (GROUP_LABELS.get(group, group), sides["live"], sides["draft"])
            for group, sides in (run.result or {}).get("due_hours", {}).items()
        ]
        if run
        else [],
        sections=SECTIONS,
        can_write=_can_write(request, draft.brand),
    )
    return TemplateResponse(
        request, "admin/policy/whatif.html", context, status=400 if form.errors else 200
    )


def whatif_run_status_view(request: HttpRequest, run_id: int) -> JsonResponse:
    """A run's progress, for the what-if page to poll."""
    run = get_object_or_404(WhatIfRun.objects.select_related("draft__brand"), pk=run_id)
    _brand(request, run.draft.brand)
    return JsonResponse({"status": run.status, "done": run.done_count, "total": run.total_count})


class PublishForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 70}),
        max_length=2000,
        help_text="Why the policy changes: shown in the version history.",
    )
    confirm = forms.BooleanField(
        required=False, label="Publish although open tickets would be past due at once"
    )
    effective_at = forms.DateTimeField(
        required=False,
        label="Takes effect",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Empty: now. A later time (in the brand's time zone) publishes it for then, "
        "for a sale event.",
    )


def draft_publish_view(request: HttpRequest, draft_id: int) -> HttpResponse:
    draft = _draft(request, draft_id, write=request.method == "POST")
    form = PublishForm(request.POST or None)
    # A time typed without a zone is the brand's, as everything on its page is.
    with timezone.override(ZoneInfo(draft.brand.time_zone)):
        valid = request.method == "POST" and form.is_valid()
    status = 200
    if valid:
        try:
            version = draft_publish(
                draft,
                author=request.user,
                reason=form.cleaned_data["reason"],
                confirmed=form.cleaned_data["confirm"],
                effective_at=form.cleaned_data["effective_at"],
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
            for name, message in error.fields.items():
                if name in form.fields:
                    form.add_error(name, message)
                else:
                    form.add_error(None, f"{setting_label(name, draft.snapshot)[0]}: {message}")
        else:
            when = (
                ""
                if version.applied
                else f", in force from {version.effective_at:%Y-%m-%d %H:%M %Z}"
            )
            messages.success(request, f"Published as version {version.number}{when}.")
            return redirect("policy_brand", draft.brand.slug)
    if form.errors:
        status = 400
    context = _context(
        request,
        f"{draft.brand.name}: publish draft {draft.pk}",
        draft=draft,
        brand=draft.brand,
        form=form,
        rule=GOVERNING_RULE,
        impact=publish_impact(draft),
        changes=draft_changes(draft),
        sections=SECTIONS,
        can_write=_can_write(request, draft.brand) and not draft.published_as_id,
    )
    return TemplateResponse(request, "admin/policy/publish.html", context, status=status)


def version_page_view(request: HttpRequest, version_id: int) -> HttpResponse:
    """The public policy page as it read when this version was in force."""
    version = get_object_or_404(PolicyVersion.objects.select_related("brand"), pk=version_id)
    brand = _brand(request, version.brand)
    rendering = snapshot_rendering(
        brand,
        version.snapshot,
        contact_url=_contact_url(brand),
        today=version.created_at.astimezone(ZoneInfo(brand.time_zone)).date(),
        received_at=version.created_at,
    )
    context = {"brand": brand, "sections": rendering.sections, "last_updated": version.created_at}
    return TemplateResponse(request, "public/policy.html", context)


class RevertForm(forms.Form):
    reason = forms.CharField(max_length=2000)


def version_revert_view(request: HttpRequest, version_id: int) -> HttpResponse:
    if request.method != "POST":
        raise Http404
    version = get_object_or_404(PolicyVersion.objects.select_related("brand"), pk=version_id)
    brand = _brand(request, version.brand, write=True)
    form = RevertForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why you revert.")
        return redirect("policy_brand", brand.slug)
    try:
        new = version_revert(version, author=request.user, reason=form.cleaned_data["reason"])
    except ApplicationError as error:
        messages.error(request, f"{error.message} {' '.join(error.fields.values())}")
    else:
        messages.success(
            request, f"Version {new.number} published, equal to version {version.number}."
        )
    return redirect("policy_brand", brand.slug)


def _view(view):
    return admin.site.admin_view(view)


urlpatterns = [
    path("", _view(policy_index_view), name="policy_index"),
    path("<slug:slug>/", _view(brand_policy_view), name="policy_brand"),
    path("drafts/<int:draft_id>/", _view(draft_view), name="policy_draft"),
    path("drafts/<int:draft_id>/preview/", _view(draft_preview_view), name="policy_draft_preview"),
    path("drafts/<int:draft_id>/what-if/", _view(draft_whatif_view), name="policy_draft_whatif"),
    path("drafts/<int:draft_id>/publish/", _view(draft_publish_view), name="policy_draft_publish"),
    path(
        "drafts/<int:draft_id>/<slug:section>/",
        _view(draft_section_view),
        name="policy_draft_section",
    ),
    path("what-if/<int:run_id>/", _view(whatif_run_status_view), name="policy_whatif_status"),
    path("versions/<int:version_id>/page/", _view(version_page_view), name="policy_version_page"),
    path(
        "versions/<int:version_id>/revert/",
        _view(version_revert_view),
        name="policy_version_revert",
    ),
]
