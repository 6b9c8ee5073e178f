"""An agent's signature in a brand, appended to their replies (`lifecycle.ticket_reply`)."""

from django.contrib.auth.models import AbstractBaseUser

from brands.models import Brand
from brands.selectors import brand_staff
from helpdesk.errors import ApplicationError
from helpdesk.models import Signature

SIGNATURE_MAX_CHARS = 1000


def signature_set(user: AbstractBaseUser, brand: Brand, text: str) -> Signature:
    """Set what `user` signs replies with in `brand` (one of the brands they work for)."""
    text = text.strip()
    if len(text) > SIGNATURE_MAX_CHARS:
        raise ApplicationError(
            "The signature is too long.",
            {"signature": f"At most {SIGNATURE_MAX_CHARS} characters."},
        )
    if not brand_staff([brand.pk]).filter(pk=user.pk).exists():
        raise ApplicationError(
            "You do not work for this brand.", {"brand": "Choose a brand you work for."}
        )
    signature, _ = Signature.objects.update_or_create(
        user=user, brand=brand, defaults={"text": text}
    )
    return signature
