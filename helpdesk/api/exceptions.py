"""One error shape for every refusal: `{"message": "...", "fields": {"field": "message"}}`.

`fields` appears on 400s (and 422s) only, with one message per field; nested fields are named
by path ("attachments.0"). ApplicationError from the services becomes a 400 like a
serializer's errors, so a client handles both alike.
"""

from typing import Any

from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

from helpdesk.errors import ApplicationError

NON_FIELD_KEYS = {"non_field_errors", "detail"}


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return " ".join(_text(item) for item in value)
    return str(value)


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, str]:
    """DRF's nested error detail as {"path.to.field": "message"}."""
    if isinstance(detail, dict):
        flat: dict[str, str] = {}
        for key, value in detail.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten_errors(value, path))
        return flat
    if isinstance(detail, list | tuple) and any(isinstance(item, dict | list) for item in detail):
        flat = {}
        for index, value in enumerate(detail):
            if value:
                flat.update(flatten_errors(value, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    return {prefix or "non_field_errors": _text(detail)}


def _error(message: str, status_code: int, fields: dict | None = None, headers=None) -> Response:
    body: dict[str, Any] = {"message": message}
    if fields is not None:
        body["fields"] = fields
    return Response(body, status=status_code, headers=headers)


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, ApplicationError):
        fields = {key: _text(value) for key, value in exc.fields.items()}
        return _error(exc.message, getattr(exc, "status_code", 400), fields)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent | SuspiciousOperation):
        exc = exceptions.ParseError("The request could not be read.")
    response = exception_handler(exc, context)
    if response is None:
        return None
    headers = {
        name: response[name] for name in ("WWW-Authenticate", "Retry-After") if name in response
    }
    if isinstance(exc, exceptions.ValidationError):
        flat = flatten_errors(exc.detail)
        message = "Invalid input."
        for key in NON_FIELD_KEYS & flat.keys():
            message = flat.pop(key)
        return _error(message, response.status_code, flat, headers)
    detail = response.data.get("detail") if isinstance(response.data, dict) else response.data
    return _error(_text(detail), response.status_code, headers=headers)
