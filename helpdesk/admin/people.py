"""Inviting staff: a brand's owner invites an agent by address, who chooses a password from
the mailed link (Django's password-reset token: once, and only for PASSWORD_RESET_TIMEOUT)."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse, reverse_lazy

from brands.models import BrandMembership
from brands.selectors import owned_brands
from helpdesk.errors import ApplicationError
from helpdesk.services.people import INVITABLE_ROLES, staff_invite


class InviteForm(forms.Form):
    brand = forms.ModelChoiceField(queryset=None, empty_label=None)
    email = forms.EmailField(label="Their email address", max_length=254)
    role = forms.ChoiceField(
        choices=[(role.value, role.label) for role in map(BrandMembership.Role, INVITABLE_ROLES)]
    )

    def __init__(self, *args, brands, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["brand"].queryset = brands


def invite_view(request: HttpRequest) -> HttpResponse:
    brands = owned_brands(request.user)
    if request.user.is_superuser:
        brands = brands.model.objects.all()
    if not brands.exists():
        raise PermissionDenied
    form = InviteForm(request.POST if request.method == "POST" else None, brands=brands)
    if request.method == "POST" and form.is_valid():
        try:
            user = staff_invite(
                form.cleaned_data["brand"],
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
                set_password_url=_set_password_url,
            )
        except ApplicationError as error:
            for field, message in error.fields.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, f"Invitation sent to {user.email}.")
            return HttpResponseRedirect(reverse("staff_invite"))
    context = {**admin.site.each_context(request), "title": "Invite a colleague", "form": form}
    return TemplateResponse(
        request, "admin/staff_invite.html", context, status=400 if form.errors else 200
    )


def _set_password_url(uid: str, token: str) -> str:
    path_ = reverse("staff_welcome", kwargs={"uidb64": uid, "token": token})
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}{path_}"


urlpatterns = [
    path("invite/", admin.site.admin_view(invite_view), name="staff_invite"),
    path(
        "welcome/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="admin/staff_welcome.html",
            success_url=reverse_lazy("admin:login"),
            extra_context={"site_header": admin.site.site_header, "title": "Choose a password"},
        ),
        name="staff_welcome",
    ),
]
