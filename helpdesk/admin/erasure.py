"""A brand owner erases a customer's personal data by address, from a page of its own: an owner
who does not work the brand's tickets has no ticket list to start from. The ticket list's
action does the same for owners who do. Mounted at /admin/erase-customer/ by config/urls.py."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from brands.selectors import owned_brands
from helpdesk.errors import ApplicationError
from helpdesk.services.tickets.erasure import (
    customer_erase,
    customer_erasure_preview,
    customer_erasures_before,
)


class EraseCustomerForm(forms.Form):
    brand = forms.ModelChoiceField(queryset=None, to_field_name="slug", empty_label=None)
    email = forms.EmailField(label="The customer's address", max_length=254)

    def __init__(self, *args, brands, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["brand"].queryset = brands


def erase_customer_view(request: HttpRequest) -> HttpResponse:
    """Ask for brand and address, show what would go, and erase only once confirmed."""
    brands = owned_brands(request.user)
    if not brands.exists():
        raise PermissionDenied("Only a brand's owners may erase its customers' personal data.")
    form = EraseCustomerForm(request.POST or None, brands=brands)
    preview = None
    if request.method == "POST" and form.is_valid():
        brand, email = form.cleaned_data["brand"], form.cleaned_data["email"]
        try:
            if request.POST.get("confirm") == "yes":
                erasure = customer_erase(brand, email, actor=request.user, source="admin")
                erased = ", ".join(
                    f"{n} {kind.replace('_', ' ')}" for kind, n in erasure.counts.items() if n
                )
                messages.success(
                    request,
                    f"Erased a customer's personal data in {brand}: {erased or 'nothing left'}.",
                )
                return HttpResponseRedirect(reverse("helpdesk_erase_customer"))
            preview = {
                "brand": brand,
                "email": email,
                "counts": customer_erasure_preview(brand, email),
                "erased_before": customer_erasures_before(brand, email).first(),
            }
        except ApplicationError as error:
            for field, message in error.fields.items():
                form.add_error(field if field in form.fields else None, message)
            if not error.fields:
                form.add_error(None, error.message)
    context = {
        **admin.site.each_context(request),
        "title": "Erase a customer's personal data",
        "form": form,
        "preview": preview,
    }
    return TemplateResponse(request, "admin/helpdesk/erase_customer.html", context)


urlpatterns = [
    path("", admin.site.admin_view(erase_customer_view), name="helpdesk_erase_customer"),
]
