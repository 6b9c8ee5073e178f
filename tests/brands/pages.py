"""Where the brand admin's pages are, and how to read their forms."""

from django.http import HttpResponse

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
