"""Staff sign-in with a second factor: the login form's code, the page that sets up an
authenticator app (and shows recovery codes), and the rule that owners and superusers who
must use one go nowhere else in admin until this session has it."""

import segno
from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django_otp import login as otp_login
from django_otp import match_token, user_has_device

from helpdesk.errors import ApplicationError
from helpdesk.services.people import (
    recovery_codes_replace,
    totp_device,
    totp_device_confirm,
    totp_device_start,
    totp_secret,
    two_factor_required,
)

CODE_WIDGET = forms.TextInput(
    attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 12}
)


class StaffLoginForm(AdminAuthenticationForm):
    """The admin's login with a code: asked of everyone who has set up a second factor."""

    otp_token = forms.CharField(
        label="Code from your authenticator app, or a recovery code",
        required=False,
        widget=CODE_WIDGET,
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        user = self.get_user()
        if user is not None and user_has_device(user):
            token = "".join(cleaned.get("otp_token", "").split())
            device = match_token(user, token) if token else None
            if device is None:
                raise ValidationError(
                    "Enter the code your authenticator app shows, or one of your recovery codes.",
                    code="otp",
                )
            # django-otp records it in the session at login (its user_logged_in receiver).
            user.otp_device = device
        return cleaned


admin.site.login_form = StaffLoginForm
admin.site.login_template = "admin/staff_login.html"


class TwoFactorRequiredMiddleware:
    """Admin pages need a verified session of the owners and superusers who must have one;
    they are sent to set it up (or enter a code) first."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            request.path.startswith(reverse("admin:index"))
            and user.is_authenticated
            and user.is_staff
            and not user.is_verified()
            and request.path not in _open_paths()
            and two_factor_required(user)
        ):
            return HttpResponseRedirect(f"{reverse('two_factor')}?next={request.path}")
        return self.get_response(request)


def _open_paths() -> set[str]:
    return {reverse("two_factor"), reverse("admin:logout"), reverse("admin:login")}


class CodeForm(forms.Form):
    token = forms.CharField(label="Code", widget=CODE_WIDGET)


def two_factor_view(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app (no device yet), verify this session (a device, not yet
    this session), or see the state and get new recovery codes."""
    user = request.user
    device = totp_device(user)
    form = CodeForm(request.POST if request.method == "POST" else None)
    context = {
        **admin.site.each_context(request),
        "title": "Two-factor authentication",
        "form": form,
        "required": two_factor_required(user),
        "next": _next(request),
    }
    if device is not None and user.is_verified():
        if request.method == "POST" and request.POST.get("action") == "recovery":
            context["codes"] = recovery_codes_replace(user)
        return TemplateResponse(request, "admin/two_factor.html", {**context, "state": "on"})
    if device is not None:
        if request.method == "POST" and form.is_valid():
            verified = match_token(user, "".join(form.cleaned_data["token"].split()))
            if verified is not None:
                otp_login(request, verified)
                return HttpResponseRedirect(context["next"])
            form.add_error("token", "That code is not right.")
        return TemplateResponse(request, "admin/two_factor.html", {**context, "state": "verify"})
    new = totp_device_start(user)
    if request.method == "POST" and form.is_valid():
        try:
            codes = totp_device_confirm(new, form.cleaned_data["token"])
        except ApplicationError as error:
            form.add_error("token", error.fields.get("token", error.message))
        else:
            otp_login(request, new)
            context.update(codes=codes, state="on")
            return TemplateResponse(request, "admin/two_factor.html", context)
    # segno's own SVG of the key's URL: markup made here, nothing of the user's in it.
    qr = segno.make(new.config_url).svg_inline(scale=4, omitsize=False)
    context.update(state="setup", secret=totp_secret(new), qr=mark_safe(qr))
    return TemplateResponse(request, "admin/two_factor.html", context)


def _next(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return wanted
    return reverse("admin:index")


urlpatterns = [path("", admin.site.admin_view(two_factor_view), name="two_factor")]
