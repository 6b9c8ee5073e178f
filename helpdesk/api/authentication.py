"""Who is calling: a storefront by its brand's API key, or a staff user by token or session."""

from django.contrib.auth.models import AnonymousUser
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from brands.models import BrandApiKey
from helpdesk.services.api_keys import api_key_authenticate, api_key_mark_used

INVALID = "Invalid, revoked or expired API key."


class BrandApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Api-Key <key>`: `request.auth` is the BrandApiKey (its brand is
    `request.auth.brand`); `request.user` stays anonymous, a key is not a person."""

    keyword = "Api-Key"

    def authenticate(self, request: Request) -> tuple[AnonymousUser, BrandApiKey] | None:
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(f"Send the header as '{self.keyword} <key>'.")
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(INVALID) from None
        api_key = api_key_authenticate(key)
        if api_key is None:
            raise exceptions.AuthenticationFailed(INVALID)
        api_key_mark_used(api_key)
        return AnonymousUser(), api_key

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class StaffTokenAuthentication(authentication.TokenAuthentication):
    """DRF's token, refusing malformed tokens before they reach the database."""

    def authenticate_credentials(self, key: str):
        if len(key) > 40 or not key.isascii() or not key.isalnum():
            raise exceptions.AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(key)
