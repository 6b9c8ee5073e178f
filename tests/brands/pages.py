"""Where the brand admin's pages are, and how to read their forms."""

from django.http import HttpResponse

from brands.models import PolicyDraft

BRANDS_URL = "/admin/brands/brand/"
VERSIONS_URL = "/admin/brands/policyversion/"


def change_url(brand) -> str:
    return f"{BRANDS_URL}{brand.pk}/change/"


def inline_prefix(response: HttpResponse, model) -> str:
    (formset,) = [
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.model is model
    ]
    return formset.prefix


def form_errors(response: HttpResponse) -> list:
    """Errors of the main form and every inline form, as the page shows them."""
    errors = [response.context["adminform"].form.errors]
    for inline in response.context["inline_admin_formsets"]:
        errors += [form.errors for form in inline.formset.forms if form.errors]
        errors += [inline.formset.non_form_errors()] if inline.formset.non_form_errors() else []
    return [error for error in errors if error]


def section_data(client, draft_id: int, section: str, changes: dict) -> dict:
    """What the draft's section form posts untouched, with `changes` (field name: value)."""
    form = client.get(f"/admin/policy/drafts/{draft_id}/{section}/").context["form"]
    data = {}
    for name in form.fields:
        value = form.initial.get(name)
        if value is True:
            data[name] = "on"
        elif value not in (None, False):
            data[name] = value if isinstance(value, list) else str(value)
    return data | changes


def draft_publish(client, brand, sections: dict[str, dict], reason: str = "Owner's change"):
    """An owner's change as the policy pages make it: a draft, its sections saved, published.
    Returns the section responses (a refused one is a 400 and nothing is published)."""
    client.post(f"/admin/policy/{brand.slug}/")
    draft = PolicyDraft.objects.filter(brand=brand).latest("pk")
    responses = [
        client.post(
            f"/admin/policy/drafts/{draft.pk}/{section}/",
            section_data(client, draft.pk, section, changes),
        )
        for section, changes in sections.items()
    ]
    if all(response.status_code == 302 for response in responses):
        client.post(
            f"/admin/policy/drafts/{draft.pk}/publish/", {"reason": reason, "confirm": "on"}
        )
    return responses
