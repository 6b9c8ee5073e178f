from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template import TemplateSyntaxError, engines
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from brands.email_templates import email_template_names
from brands.memberships import membership_change, membership_revoke
from brands.models import (
    Brand,
    BrandHoliday,
    BrandMembership,
    Category,
    Closure,
    EmailTemplate,
    EscalationTier,
    OpeningHours,
    PeakPeriod,
    PolicySection,
    PolicyVersion,
    SlaPolicy,
    SupportAddress,
    UrgentReason,
)
from brands.policy_diff import labelled_changes, setting_label
from brands.policy_page import page_placeholders, placeholder_errors
from brands.selectors import brands_for_user, owned_brands
from brands.services import policy_version_record, snapshot_diff


class BrandScopedChoices:
    """Every select a form of this admin offers holds only the user's brands' objects.

    A brand, or anything that has one (a category), is offered from the brands of
    `brand_roles`; a relation to anything else offers nothing unless the admin narrows it
    itself (as the ticket form does for its assignee), since every brand's people or tickets
    are as much another brand's business as its name. Superusers are offered everything.
    """

    # The roles whose brands this admin is about: each permission mixin names its own, and
    # there is no default, so that one left out fails rather than offers every role's brands.
    brand_roles: tuple[str, ...]

    def scoped_brands(self, request: HttpRequest) -> QuerySet[Brand]:
        return brands_for_user(request.user, self.brand_roles)

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        return super().formfield_for_foreignkey(
            db_field, request, **self._scoped_choices(db_field, request, kwargs)
        )

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):
        return super().formfield_for_manytomany(
            db_field, request, **self._scoped_choices(db_field, request, kwargs)
        )

    def _scoped_choices(self, db_field, request: HttpRequest, kwargs: dict) -> dict:
        if request.user.is_superuser or "queryset" in kwargs:
            return kwargs
        related = db_field.related_model
        if related is Brand:
            choices = self.scoped_brands(request)
        elif _has_brand(related):
            choices = related._default_manager.filter(brand__in=self.scoped_brands(request))
        else:
            choices = related._default_manager.none()
        return kwargs | {"queryset": choices}


def _has_brand(model) -> bool:
    try:
        return model._meta.get_field("brand").related_model is Brand
    except FieldDoesNotExist:
        return False


class UserBrandsListFilter(admin.RelatedFieldListFilter):
    """A filter by brand that offers the brands its admin is about for this user."""

    def field_choices(self, field, request: HttpRequest, model_admin) -> list[tuple[int, str]]:
        return [(brand.pk, str(brand)) for brand in model_admin.scoped_brands(request)]


def _scoped_list_filter(model, entry):
    """`entry` of a list_filter, with a relation's choices taken from the user's brands: the
    brands themselves, or for any other relation the values the (scoped) list holds."""
    if isinstance(entry, tuple) and issubclass(entry[1], admin.RelatedFieldListFilter):
        path = entry[0]
    elif isinstance(entry, str):
        path = entry
    else:
        return entry  # a filter class that decides its own choices
    field = get_fields_from_path(model, path)[-1]
    if not field.is_relation:
        return entry
    if field.related_model is Brand:
        return (path, UserBrandsListFilter)
    return (path, admin.RelatedOnlyFieldListFilter)


class BrandScopedAdmin(BrandScopedChoices):
    """The admin of objects that belong to brands, scoped to the user's brands throughout.

    Its selects are scoped as BrandScopedChoices says, and so are its list filters on
    relations, however they are declared. An object its list does not show is a 404 when it
    is of none of the user's brands (Django's redirect to the index saying it does not exist
    would confirm another brand's object is there), and a 403 when it is of one of them but
    the user's role there does not open it (a ticket for someone who only owns its brand).
    `brand_path` leads from the model to Brand.
    """

    brand_path = "brand"

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            return obj
        if self._in_users_brands(request, object_id, from_field):
            raise PermissionDenied
        raise Http404(f"No such {self.opts.verbose_name}.")

    def _in_users_brands(self, request: HttpRequest, object_id: str, from_field) -> bool:
        field = self.opts.get_field(from_field) if from_field else self.opts.pk
        try:
            value = field.to_python(object_id)
        except (ValidationError, ValueError):
            return False
        lookup = "pk__in" if self.brand_path == "pk" else f"{self.brand_path}__in"
        brands = brands_for_user(request.user)
        return self.model._default_manager.filter(**{field.name: value, lookup: brands}).exists()

    def get_list_filter(self, request: HttpRequest):
        declared = super().get_list_filter(request)
        return [_scoped_list_filter(self.model, entry) for entry in declared]


def owns_brand(request: HttpRequest, brand: Brand | None) -> bool:
    """Brand settings are the owners' to edit: any owned brand for lists, this one for objects."""
    # Admin asks a dozen times per page (sidebar, buttons, each inline): look up once.
    if not hasattr(request, "_owned_brand_ids"):
        brands = owned_brands(request.user).values_list("pk", flat=True)
        request._owned_brand_ids = frozenset(brands)
    if brand is None:
        return bool(request._owned_brand_ids)
    return brand.pk in request._owned_brand_ids


class ReadOnlyAdmin:
    """A record of what happened: shown, never added, edited or deleted by hand."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class OwnerPermissions(BrandScopedChoices):
    """Permissions from brand ownership rather than global model permissions."""

    brand_roles = (BrandMembership.Role.OWNER,)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return owns_brand(request, None)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return owns_brand(request, obj if isinstance(obj, Brand) else None)

    has_change_permission = has_view_permission


class DraftedSettings:
    """Policy settings: shown here, changed through a draft (admin/policy/), which is previewed
    and published with a reason. Only superusers still edit them in place (an operator's
    repair)."""

    def has_add_permission(self, request: HttpRequest, obj: Brand | None = None) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    has_delete_permission = has_add_permission


class BrandInline(OwnerPermissions, admin.TabularInline):
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Brand | None = None) -> bool:
        return owns_brand(request, obj)

    has_delete_permission = has_add_permission


class SupportAddressInline(BrandInline):
    model = SupportAddress


class OpeningHoursInline(DraftedSettings, BrandInline):
    model = OpeningHours
    max_num = 7


class BrandHolidayInline(DraftedSettings, BrandInline):
    model = BrandHoliday


class ClosureInline(DraftedSettings, BrandInline):
    model = Closure


class PeakPeriodInline(DraftedSettings, BrandInline):
    model = PeakPeriod


class SlaPolicyInline(DraftedSettings, OwnerPermissions, admin.StackedInline):
    model = SlaPolicy
    can_delete = False


class CategoryInline(DraftedSettings, BrandInline):
    model = Category


class UrgentReasonInline(DraftedSettings, BrandInline):
    model = UrgentReason


class EscalationTierInline(DraftedSettings, BrandInline):
    model = EscalationTier


class PolicySectionForm(forms.ModelForm):
    """A section of the public policy page; refused when it names a figure the page lacks."""

    class Meta:
        model = PolicySection
        fields = ["position", "key", "heading", "body"]
        widgets = {"heading": forms.TextInput(attrs={"size": 80})}

    def _known_placeholders(self, field: str) -> str:
        text = self.cleaned_data.get(field, "")
        unknown = placeholder_errors(text)
        if unknown:
            raise ValidationError(
                f"Unknown placeholder {{{unknown[0]}}}. Known: "
                + ", ".join(f"{{{name}}}" for name in sorted(page_placeholders()))
            )
        return text

    def clean_heading(self) -> str:
        return self._known_placeholders("heading")

    def clean_body(self) -> str:
        return self._known_placeholders("body")


class PolicySectionInline(DraftedSettings, OwnerPermissions, admin.StackedInline):
    model = PolicySection
    form = PolicySectionForm
    extra = 0
    verbose_name = "policy page section"
    verbose_name_plural = (
        'policy page sections (blank lines separate paragraphs, "- " starts a list item; '
        "figures as placeholders such as {first_response}, so the page follows the settings)"
    )


class EmailTemplateForm(forms.ModelForm):
    """A brand's wording of one shipped email; refused unless it compiles as a template."""

    name = forms.ChoiceField(
        choices=lambda: [(name, name.replace("_", " ")) for name in email_template_names()],
        help_text="The shipped email this wording replaces.",
    )

    class Meta:
        model = EmailTemplate
        fields = ["name", "language", "subject", "body_text", "body_html"]
        widgets = {"subject": forms.TextInput(attrs={"size": 80})}

    def _compiles(self, field: str) -> str:
        source = self.cleaned_data.get(field, "")
        try:
            engines["django"].from_string(source)
        except TemplateSyntaxError as error:
            raise ValidationError(f"Not a valid template: {error}") from error
        return source

    def clean_subject(self) -> str:
        return self._compiles("subject")

    def clean_body_text(self) -> str:
        return self._compiles("body_text")

    def clean_body_html(self) -> str:
        return self._compiles("body_html")


class EmailTemplateInline(OwnerPermissions, admin.StackedInline):
    model = EmailTemplate
    form = EmailTemplateForm
    extra = 0
    verbose_name = "own email wording"
    verbose_name_plural = (
        "own email wording (Django template syntax: {{ ticket.reference }}, {{ reply_by }}, "
        "{{ status_url }}, {{ brand.name }}, ...)"
    )

    def has_add_permission(self, request: HttpRequest, obj: Brand | None = None) -> bool:
        return owns_brand(request, obj)

    has_delete_permission = has_add_permission


class PolicyVersionInline(BrandInline):
    model = PolicyVersion
    fields = ["number", "created_at", "author", "source", "changes"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[PolicyVersion]:
        return super().get_queryset(request).select_related("author")

    def has_add_permission(self, request: HttpRequest, obj: Brand | None = None) -> bool:
        return False


@admin.register(Brand)
class BrandAdmin(BrandScopedAdmin, OwnerPermissions, admin.ModelAdmin):
    """Brand owners edit their own brands' settings; every save records a policy version."""

    brand_path = "pk"
    list_display = ["name", "slug", "reference_prefix", "time_zone", "policy_updated_at"]
    readonly_fields = ["policy_updated_at", "pages"]
    # Part of the policy too (the clocks' zone, the language answered in, whose holidays):
    # changed in a draft, like the inlines of DraftedSettings.
    DRAFTED_FIELDS = ("time_zone", "default_language", "holiday_country")

    def get_readonly_fields(self, request: HttpRequest, obj: Brand | None = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not request.user.is_superuser:
            fields += self.DRAFTED_FIELDS
        return fields

    search_fields = ["name", "slug"]
    inlines = [
        SupportAddressInline,
        SlaPolicyInline,
        OpeningHoursInline,
        BrandHolidayInline,
        ClosureInline,
        PeakPeriodInline,
        CategoryInline,
        UrgentReasonInline,
        EscalationTierInline,
        EmailTemplateInline,
        PolicySectionInline,
        PolicyVersionInline,
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Brand]:
        return super().get_queryset(request).filter(pk__in=owned_brands(request.user).values("pk"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Brand | None = None) -> bool:
        return request.user.is_superuser

    def save_model(self, request: HttpRequest, obj: Brand, form, change: bool) -> None:
        # Only what the form changed: a full save would write back the ticket counter read
        # at the start of the request and undo numbers handed out meanwhile.
        if change:
            obj.save(update_fields=form.changed_data)
        else:
            obj.save()

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Recorded after the inlines so one version holds the whole change.
        policy_version_record(form.instance, source="admin", author=request.user)

    @admin.display(description="Pages")
    def pages(self, brand: Brand) -> str:
        if brand.pk is None:
            return "—"
        links = [
            (reverse("policy_brand", args=[brand.slug]), "Change the policy (in a draft)"),
            (reverse("public:policy", args=[brand.slug]), "Public policy page"),
            (reverse("public:contact", args=[brand.slug]), "Contact form"),
            (
                reverse("admin:brands_policyversion_changelist") + f"?brand__id__exact={brand.pk}",
                "Policy history",
            ),
            (reverse("helpdesk_report") + f"?brand={brand.slug}", "Report"),
        ]
        return format_html_join(" · ", '<a href="{}">{}</a>', links)


def _changes_table(
    changes: dict, snapshot: dict, before: str = "Before", after: str = "After"
) -> str:
    """A version's changes ({setting: [before, after]}) in the settings' names and units."""
    labelled = labelled_changes(
        snapshot | {key: old for key, (old, _) in changes.items()},
        snapshot | {key: new for key, (_, new) in changes.items()},
    )
    if not labelled:
        return format_html("<p>{}</p>", "No settings differ.")
    rows = format_html_join(
        "",
        '<tr><th scope="row">{}</th><td class="diff-before">{}</td>'
        '<td class="diff-after">{}</td></tr>',
        (
            (c.label, f"{c.before} {c.before_unit}".strip(), f"{c.after} {c.unit}".strip())
            for c in labelled
        ),
    )
    return format_html(
        '<table class="policy-diff"><thead><tr><th>Setting</th><th>{}</th><th>{}</th></tr>'
        "</thead><tbody>{}</tbody></table>",
        before,
        after,
        rows,
    )


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ReadOnlyAdmin, BrandScopedAdmin, OwnerPermissions, admin.ModelAdmin):
    """The history of a brand's policy: who changed what and when, and a diff of any two."""

    list_display = ["brand", "number", "created_at", "author", "source", "changed_settings"]
    list_filter = ["brand"]
    list_select_related = ["brand", "author"]
    fields = ["brand", "number", "created_at", "author", "source", "changes_shown", "compare"]
    readonly_fields = fields
    actions = ["compare_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[PolicyVersion]:
        return super().get_queryset(request).filter(brand__in=owned_brands(request.user))

    @admin.display(description="Changed settings")
    def changed_settings(self, version: PolicyVersion) -> str:
        # Sorted here: PostgreSQL's jsonb keeps keys in its own order (shortest first).
        keys = sorted(version.changes)
        if version.number == 1:
            return "First version"
        shown = "; ".join(setting_label(key, version.snapshot)[0] for key in keys[:3])
        return f"{shown} and {len(keys) - 3} more" if len(keys) > 3 else shown

    @admin.display(description="Changes from the version before")
    def changes_shown(self, version: PolicyVersion) -> str:
        return _changes_table(version.changes, version.snapshot)

    @admin.display(description="Compare")
    def compare(self, version: PolicyVersion) -> str:
        others = version.brand.policy_versions.exclude(pk=version.pk).order_by("-number")
        links = [
            (reverse("admin:brands_policyversion_compare", args=[other.pk, version.pk]), other)
            for other in others.only("pk", "number")
        ]
        if not links:
            return "—"
        return format_html_join(" ", '<a href="{}">with v{}</a>', ((u, o.number) for u, o in links))

    @admin.action(description="Compare the two selected versions")
    def compare_selected(self, request: HttpRequest, queryset: QuerySet[PolicyVersion]):
        versions = list(queryset.order_by("number"))
        if len(versions) != 2 or versions[0].brand_id != versions[1].brand_id:
            self.message_user(
                request, "Select exactly two versions of the same brand.", messages.WARNING
            )
            return None
        return HttpResponseRedirect(
            reverse("admin:brands_policyversion_compare", args=[v.pk for v in versions])
        )

    def get_urls(self):
        view = self.admin_site.admin_view(self.compare_view)
        return [
            path("compare/<int:a>/<int:b>/", view, name="brands_policyversion_compare"),
            *super().get_urls(),
        ]

    def compare_view(self, request: HttpRequest, a: int, b: int) -> HttpResponse:
        # Another brand's versions are a 404, as on every page; this brand's for a non-owner
        # a 403 (both from get_object).
        first, second = self.get_object(request, str(a)), self.get_object(request, str(b))
        if first.brand_id != second.brand_id:
            raise Http404("The versions belong to different brands.")
        older, newer = sorted([first, second], key=lambda version: version.number)
        diff = snapshot_diff(older.snapshot, newer.snapshot)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{older.brand}: policy v{older.number} against v{newer.number}",
            "older": older,
            "newer": newer,
            "diff": diff,
            "table": _changes_table(diff, newer.snapshot, f"v{older.number}", f"v{newer.number}"),
            "between": older.brand.policy_versions.filter(
                number__gt=older.number, number__lte=newer.number
            )
            .order_by("number")
            .select_related("author"),
        }
        return TemplateResponse(request, "admin/brands/policyversion/compare.html", context)


@admin.register(BrandMembership)
class BrandMembershipAdmin(admin.ModelAdmin):
    """Who works for which brand is the superusers' to decide, whatever model permissions a
    staff user holds: the list and the form name every brand and every person."""

    list_display = ["user", "brand", "role"]
    list_filter = ["brand", "role"]
    list_select_related = ["user", "brand"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    has_module_permission = has_add_permission

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    has_change_permission = has_delete_permission = has_view_permission

    # Admin access follows memberships: every save and deletion goes through the service.
    def save_model(self, request: HttpRequest, obj: BrandMembership, form, change: bool) -> None:
        previous = BrandMembership.objects.select_related("user").get(pk=obj.pk) if change else None
        obj.save()
        membership_change(obj, previous)

    def delete_model(self, request: HttpRequest, obj: BrandMembership) -> None:
        membership_revoke(obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for membership in queryset.select_related("user"):
            membership_revoke(membership)
