"""Publishing an owner's policy draft, with what it would do to the brand's open tickets.

Which tickets a version governs is one rule (brands.drafts.GOVERNING_RULE): running clocks keep
the due time already stated, clocks started afterwards use the new version. Publishing therefore
changes no live clock; what it reports is how many open tickets the rule keeps on their stated
times, and how many would be past due at once had the draft been in force, which the owner
confirms before the version is made.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from brands.drafts import GOVERNING_RULE, PolicyProblems, policy_publish
from brands.models import Brand, PolicyDraft, PolicyVersion
from helpdesk.errors import ApplicationError
from helpdesk.models import SlaClock, Ticket
from helpdesk.services.sla.whatif import breaching_at_once


@dataclass(frozen=True)
class PublishImpact:
    rule: str
    open_tickets_keeping_due_times: int
    breaching_at_once: int


def publish_impact(draft: PolicyDraft, *, now: datetime | None = None) -> PublishImpact:
    now = now or timezone.now()
    live = SlaClock.objects.live().filter(ticket__brand=draft.brand)
    keeping = Ticket.objects.filter(pk__in=live.values("ticket_id")).count()
    return PublishImpact(
        rule=GOVERNING_RULE,
        open_tickets_keeping_due_times=keeping,
        breaching_at_once=breaching_at_once(draft.brand, draft.snapshot, now=now),
    )


def draft_publish(
    draft: PolicyDraft,
    *,
    author: AbstractBaseUser | None,
    reason: str,
    confirmed: bool = False,
    effective_at: datetime | None = None,
) -> PolicyVersion:
    """Make the draft the brand's next policy version, now or from `effective_at`; a draft
    that would put open tickets past due at once needs `confirmed`."""
    if draft.published_as_id is not None:
        raise ApplicationError("This draft is already published.", {"draft": "Published."})
    at_once = publish_impact(draft).breaching_at_once
    if at_once and not confirmed:
        raise ApplicationError(
            f"{at_once} open tickets would be past the draft's due time at once.",
            {"confirm": f"Confirm to publish although {at_once} open tickets would be past due."},
        )
    with transaction.atomic():
        version = _publish(
            draft.brand,
            draft.snapshot,
            author,
            reason,
            source=f"draft {draft.pk}",
            effective_at=effective_at,
        )
        draft.published_as = version
        draft.save(update_fields=["published_as"])
    return version


def version_revert(
    version: PolicyVersion, *, author: AbstractBaseUser | None, reason: str
) -> PolicyVersion:
    """Publish a new version equal to `version`."""
    return _publish(
        version.brand, version.snapshot, author, reason, source=f"revert to v{version.number}"
    )


def _publish(
    brand: Brand,
    snapshot: dict[str, Any],
    author: AbstractBaseUser | None,
    reason: str,
    *,
    source: str,
    effective_at: datetime | None = None,
) -> PolicyVersion:
    try:
        return policy_publish(
            brand,
            snapshot,
            author=author,
            reason=reason,
            source=source,
            effective_at=effective_at,
        )
    except PolicyProblems as problems:
        raise ApplicationError("The policy cannot be published.", problems.errors) from None
