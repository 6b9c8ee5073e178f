"""The ticket page's order numbers: one field, a number a line (or separated by commas), saved
through the service that checks them (services.tickets.order_numbers)."""

import re

from django import forms
from django.db import models
from django.http import HttpRequest

from helpdesk.services.tickets.order_numbers import ORDER_NUMBERS_MAX

_SEPARATORS = re.compile(r"[\s,;]+")


class OrderNumbersField(forms.CharField):
    """A list of order numbers, shown and typed as text."""

    widget = forms.Textarea(attrs={"rows": 2, "cols": 30, "class": "order-numbers"})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value) -> list[str]:
        text = super().to_python(value) or ""
        return [number for number in _SEPARATORS.split(text) if number]

    def validate(self, value: list[str]) -> None:
        if len(value) > ORDER_NUMBERS_MAX:
            raise forms.ValidationError(f"At most {ORDER_NUMBERS_MAX} order numbers.")

    def has_changed(self, initial, data) -> bool:
        return (initial or []) != self.to_python(data)


class OrderNumbersFieldMixin:
    """For the ticket admin: `order_numbers` in its form as an OrderNumbersField."""

    def formfield_for_dbfield(self, db_field: models.Field, request: HttpRequest, **kwargs):
        if db_field.name == "order_numbers":
            return OrderNumbersField(
                required=False,
                max_length=ORDER_NUMBERS_MAX * 65,
                label="Order numbers",
                help_text="One a line; the first is the ticket's order number. Numbers the "
                "customer writes are added by themselves.",
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)
