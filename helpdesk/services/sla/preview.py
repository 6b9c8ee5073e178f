"""A policy draft's public page and acknowledgement, beside the live ones, changes marked.

Both sides are drawn by the same functions and templates the live page and mail use: the draft's
side with the draft in force inside a transaction that is rolled back (brands.drafts).
"""

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from brands.drafts import snapshot_in_force
from brands.models import Brand, PolicyVersion
from brands.policy_page import RenderedSection, policy_page_sections
from brands.promises import promise_text
from helpdesk.models import Ticket
from helpdesk.services.rendering.emails import email_render
from helpdesk.services.sla.clocks import first_response_terms, language_is_foreign

SAMPLE_REFERENCE_NUMBER = 123
# A block of the page (paragraph or list item) and the sentences in it.
BLOCK = re.compile(r"<(p|li)>(.*?)</\1>", re.DOTALL)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z<])")


@dataclass(frozen=True)
class PolicyRendering:
    """A brand's page and acknowledgement as a customer would read them."""

    sections: list[RenderedSection]
    acknowledgement_subject: str
    acknowledgement: str
    sample_due: str
    last_updated: datetime | None


def policy_rendering(
    brand: Brand, *, contact_url: str, today: date, received_at: datetime, language: str = ""
) -> PolicyRendering:
    """The page and the acknowledgement a customer writing at `received_at` would get."""
    terms = first_response_terms(brand, received_at=received_at, language=language)
    ticket = Ticket(
        brand=brand,
        reference=f"{brand.reference_prefix}-{SAMPLE_REFERENCE_NUMBER:06d}",
        customer_name="Ann",
        customer_email="ann@customer.example",
        language=language,
        needs_translation=language_is_foreign(brand, language),
    )
    due = promise_text(terms.latest_at, brand.time_zone)
    subject, text, _ = email_render(
        brand,
        "acknowledgement",
        {
            "ticket": ticket,
            "reply_by": due,
            "needs_order_number": False,
            "language_extension": terms.language_extension_hours.normalize(),
            "status_url": "(the customer's status link)",
        },
    )
    version = PolicyVersion.objects.filter(brand=brand).order_by("-number").first()
    return PolicyRendering(
        sections=policy_page_sections(brand, contact_url=contact_url, today=today),
        acknowledgement_subject=subject,
        acknowledgement=text,
        sample_due=due,
        last_updated=version.created_at if version else brand.policy_updated_at,
    )


def snapshot_rendering(brand: Brand, snapshot: dict[str, Any], **kwargs: Any) -> PolicyRendering:
    """`policy_rendering` with `snapshot` in force (a draft's, or an old version's)."""
    with snapshot_in_force(brand, snapshot) as drafted:
        return policy_rendering(drafted, **kwargs)


def _sentences(html: str) -> list[str]:
    return [part for part in SENTENCE_END.split(html) if part.strip()]


def mark_changes(html: str, other_html: str) -> SafeString:
    """`html` (the page's safe HTML) with each sentence that `other_html` lacks marked."""
    known = {s for _, block in BLOCK.findall(other_html) for s in _sentences(block)}

    def marked(found: re.Match) -> str:
        parts = [
            part
            if part in known
            else str(format_html('<mark class="changed">{}</mark>', mark_safe(part)))
            for part in _sentences(found.group(2))
        ]
        return f"<{found.group(1)}>{' '.join(parts)}</{found.group(1)}>"

    return mark_safe(BLOCK.sub(marked, html))


def mark_text_changes(text: str, other: str) -> list[tuple[str, bool]]:
    """A mail's lines, each with whether `other` lacks it."""
    known = set(other.splitlines())
    return [(line, line not in known) for line in text.splitlines()]


def side_by_side(live: PolicyRendering, draft: PolicyRendering) -> list[dict[str, Any]]:
    """The page's sections paired, live and draft, with the draft's changed sentences marked
    (and the live one's where the draft dropped or rewrote them)."""
    live_by_key = {section.key: section for section in live.sections}
    draft_by_key = {section.key: section for section in draft.sections}
    keys = [s.key for s in live.sections] + [
        s.key for s in draft.sections if s.key not in live_by_key
    ]
    rows = []
    for key in keys:
        old, new = live_by_key.get(key), draft_by_key.get(key)
        rows.append(
            {
                "key": key,
                "live_heading": old.heading if old else "",
                "draft_heading": new.heading if new else "",
                "live": mark_changes(old.html, new.html if new else "") if old else "",
                "draft": mark_changes(new.html, old.html if old else "") if new else "",
            }
        )
    return rows
