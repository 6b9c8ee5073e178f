"""Emails as text: a brand's own wording or the shipped templates, rendered with plain values."""

import functools
import logging
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.template import TemplateSyntaxError, engines
from django.template.loader import select_template
from django.utils import translation

from brands.models import Brand, EmailTemplate
from helpdesk.models import Ticket
from helpdesk.services.rendering.customer_words import customer_language
from helpdesk.services.rendering.status_links import status_url

logger = logging.getLogger(__name__)


def email_render(
    brand: Brand, name: str, context: dict[str, Any], *, language: str = ""
) -> tuple[str, str, str]:
    """Subject, text and HTML of the email `name` in `language` (a customer's; staff mail
    passes none and reads English): the brand's own wording from admin for that language, else
    its wording for every language, else the brand's template files, else the shipped ones,
    whose words come from the language's catalogue (English where there is none)."""
    context = {"brand": brand, **context}
    ticket = context.get("ticket")
    if isinstance(ticket, Ticket) and "status_url" not in context:
        context["status_url"] = status_url(ticket)
    language = customer_language(language)
    own = brand_email_templates(brand)
    chosen = own.get((name, language)) or own.get((name, ""))
    with translation.override(language):
        if chosen is not None:
            return chosen.render(context)
        rendered = []
        for part in ("subject.txt", "body.txt", "body.html"):
            template = select_template(
                [f"emails/{brand.slug}/{name}/{part}", f"emails/{name}/{part}"]
            )
            rendered.append(template.render(context))
    subject, text, html = rendered
    return " ".join(subject.split()), text.strip() + "\n", html


def _plain(value: Any) -> Any:
    """What a brand's own template may read of a value: plain data only.

    Brand owners write these templates in admin; handing them model instances would let a
    template walk to fields no mail should show (an assignee's password hash, say).
    """
    if value is None or isinstance(value, str | int | float | bool | Decimal):
        return value
    if isinstance(value, Ticket):
        return {
            "reference": value.reference,
            "subject": value.subject,
            "customer_name": value.customer_name,
            "customer_email": value.customer_email,
            "order_number": value.order_number,
            "status": value.status,
            "get_status_display": value.get_status_display(),
            "tier": value.tier,
            "is_urgent": value.is_urgent,
            "needs_translation": value.needs_translation,
        }
    if isinstance(value, Brand):
        return {"name": value.name, "slug": value.slug, "from_name": value.from_name}
    if isinstance(value, AbstractBaseUser):
        return {"first_name": getattr(value, "first_name", "")}
    if hasattr(value, "get_kind_display"):  # an SLA clock
        return {"kind": value.kind, "get_kind_display": value.get_kind_display()}
    if hasattr(value, "level") and hasattr(value, "name"):  # an escalation tier
        return {"level": value.level, "name": value.name}
    return str(value)


class BrandEmail:
    """One of a brand's own email templates, compiled."""

    def __init__(self, row: EmailTemplate) -> None:
        django = engines["django"]
        unescaped = "{%% autoescape off %%}%s{%% endautoescape %%}"
        self.subject = django.from_string(unescaped % row.subject)
        self.text = django.from_string(unescaped % row.body_text)
        self.html = django.from_string(row.body_html) if row.body_html.strip() else None

    def render(self, context: dict[str, Any]) -> tuple[str, str, str]:
        plain = {key: _plain(value) for key, value in context.items()}
        subject = self.subject.render(plain)
        text = self.text.render(plain)
        # Without the brand's own HTML the mail is text only: the shipped HTML would say
        # something other than the brand's text.
        html = self.html.render(plain) if self.html else ""
        return " ".join(subject.split()), text.strip() + "\n", html


@functools.lru_cache(maxsize=256)
def _brand_emails(brand_id: int, version_key: object) -> dict[tuple[str, str], BrandEmail]:
    emails = {}
    for row in EmailTemplate.objects.filter(brand_id=brand_id):
        try:
            emails[(row.name, row.language)] = BrandEmail(row)
        except TemplateSyntaxError:
            logger.warning(
                "Brand %s's %s template does not compile; using the shipped one", brand_id, row.name
            )
    return emails


def brand_email_templates(brand: Brand) -> dict[tuple[str, str], BrandEmail]:
    """The brand's own templates by email name and language ("" for every language).

    Read once per process and policy version, not once per mail (the sweep renders many
    alerts in one batch): every saved template is part of the policy snapshot, so a change
    records a version and moves `policy_updated_at`, which is the cache key.
    """
    return _brand_emails(brand.pk, brand.policy_updated_at)
