"""Staff people: invitations by a brand's owner, and their second factor.

An invitation makes (or finds) the user, gives them the role through the membership service
(so admin access follows), and mails a set-password link made by Django's token generator:
the link stops working once the password is set, or after PASSWORD_RESET_TIMEOUT.

Second factor: a TOTP device (an authenticator app) with a set of one-time recovery codes.
"""

import uuid
from base64 import b32encode
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from brands.memberships import membership_grant
from brands.models import Brand, BrandMembership
from brands.selectors import owned_brands
from helpdesk.errors import ApplicationError
from helpdesk.models import OutboundEmail
from helpdesk.services.outbox.sending import email_build, emails_queue_many

RECOVERY_CODES = 10
INVITABLE_ROLES = (BrandMembership.Role.AGENT, BrandMembership.Role.SENIOR)


# -- invitations ---------------------------------------------------------------------------------


def staff_invite(
    brand: Brand,
    *,
    email: str,
    role: str = BrandMembership.Role.AGENT,
    invited_by: AbstractBaseUser,
    set_password_url: Callable[[str, str], str],
) -> AbstractBaseUser:
    """An owner of `brand` (or a superuser) invites a person by address to work its tickets.

    `set_password_url(uid, token)` is the set-password page's absolute address. A person who
    already has a login gets the role and the mail too (their link sets a new password).
    """
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ApplicationError("Not an address.", {"email": "Enter an email address."}) from None
    if role not in INVITABLE_ROLES:
        raise ApplicationError("Unknown role.", {"role": "Invite an agent or a senior agent."})
    if not (invited_by.is_superuser or owned_brands(invited_by).filter(pk=brand.pk).exists()):
        raise ApplicationError("Only the brand's owners invite.", {"brand": "Not your brand."})
    users = get_user_model().objects
    with transaction.atomic():
        user = users.filter(email__iexact=email).order_by("pk").first()
        if user is None:
            user = users.create(username=email, email=email)
            user.set_unusable_password()
            user.save(update_fields=["password"])
        membership_grant(user, brand, role)
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        link = set_password_url(uid, default_token_generator.make_token(user))
        mail = email_build(
            brand=brand,
            kind=OutboundEmail.Kind.STAFF_ALERT,
            dedupe_key=f"invitation:{uuid.uuid4()}",
            to=[email],
            template="staff_invitation",
            context={
                "set_password_url": link,
                "role": BrandMembership.Role(role).label,
                "invited_by": invited_by.get_full_name() or invited_by.get_username(),
                "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
            },
        )
        # Staff mail: from the staff address, never the brand's customer-facing one.
        mail.from_email = settings.STAFF_FROM_EMAIL
        emails_queue_many([mail])
    return user


# -- second factor -------------------------------------------------------------------------------


def two_factor_required(user: AbstractBaseUser) -> bool:
    """Owners and superusers must sign in with a second factor when the setting says so."""
    if not settings.TWO_FACTOR_REQUIRED or not user.is_authenticated:
        return False
    return user.is_superuser or owned_brands(user).exists()


def second_factor_check(user: AbstractBaseUser, code: str) -> None:
    """A sign-in outside admin (the staff API's token) by someone who must use a second factor
    gives the code their authenticator app shows now, or a recovery code; refused otherwise,
    so the API is no way around the admin's second factor."""
    if not two_factor_required(user):
        return
    if not user_has_device(user, confirmed=True):
        raise ApplicationError(
            "A second factor is required.",
            {"code": "Set up an authenticator app in admin first, then give its code here."},
        )
    if not code.strip() or match_token(user, "".join(code.split())) is None:
        raise ApplicationError(
            "A second factor is required.",
            {"code": "The code your authenticator app shows now, or a recovery code."},
        )


def totp_device(user: AbstractBaseUser) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def totp_device_start(user: AbstractBaseUser) -> TOTPDevice:
    """The device being set up (one unconfirmed at a time): its key goes into the app."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=False)


def totp_secret(device: TOTPDevice) -> str:
    """The key as authenticator apps take it typed in (base32)."""
    return b32encode(device.bin_key).decode().rstrip("=")


def totp_device_confirm(device: TOTPDevice, token: str) -> list[str]:
    """Confirm the device with a code it shows (proof the app has the key); returns a fresh
    set of recovery codes. Any device confirmed before is replaced."""
    if not device.verify_token(token.replace(" ", "")):
        raise ApplicationError(
            "That code is not right.", {"token": "That code is not right: enter the one shown now."}
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return recovery_codes_replace(device.user)


def recovery_codes_replace(user: AbstractBaseUser) -> list[str]:
    """New one-time recovery codes (each signs in once instead of the app); old ones stop."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name="Recovery codes", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes
