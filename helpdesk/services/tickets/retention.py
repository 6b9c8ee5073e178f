"""The brands' retention rules, applied by a beat task in bounded batches.

Each rule counts days from when a finished ticket (resolved or closed) was closed, else
resolved, and is off while its setting is empty:

- raw inbound mail: its file is deleted (the row, its header summary and the thread message
  stay); a mail that also belongs to a ticket not yet due (another brand's, a newer one) waits
  for it;
- attachments: their files are deleted, the rows stay with a note saying why;
- anonymising: the ticket goes through the same erasure as a customer's request
  (`erasure.tickets_anonymise`) and each batch is recorded as an Erasure.

References, times, statuses, clocks, events and ratings are never touched, so the reports
count the same before and after. A run does at most `batch_size` rows per rule and brand;
the next run goes on, and running twice does no harm.
"""

from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from brands.models import Brand
from helpdesk.models import Attachment, Erasure, InboundEmail, Message, Ticket
from helpdesk.services.raw_mail import inbound_raw_delete
from helpdesk.services.tickets.erasure import ERASED_DOMAIN, tickets_anonymise


def finished_before(brand: Brand, days: int, now: datetime) -> QuerySet[Ticket]:
    """The brand's tickets finished at least `days` days before `now`."""
    return (
        Ticket.objects.filter(brand=brand, status__in=Ticket.FINISHED_STATES)
        .annotate(finished_at=Coalesce("closed_at", "resolved_at"))
        .filter(finished_at__lte=now - timedelta(days=days))
    )


def retention_apply(now: datetime | None = None, batch_size: int | None = None) -> dict:
    """Apply every brand's retention rules once; returns what was done, per brand and rule."""
    now = now or timezone.now()
    batch_size = batch_size or settings.RETENTION_BATCH_SIZE
    done: dict[str, Counter] = {}
    brands = Brand.objects.filter(
        Q(raw_mail_retention_days__isnull=False)
        | Q(attachment_retention_days__isnull=False)
        | Q(anonymise_after_days__isnull=False)
    )
    for brand in brands:
        counts = Counter()
        if brand.raw_mail_retention_days is not None:
            counts["raw_mails"] = _raw_mail_delete(brand, now, batch_size)
        if brand.attachment_retention_days is not None:
            counts["attachment_files"] = _attachments_delete(brand, now, batch_size)
        if brand.anonymise_after_days is not None:
            counts["tickets_anonymised"] = _tickets_anonymise(brand, now, batch_size)
        done[brand.slug] = counts
    return done


def _raw_mail_delete(brand: Brand, now: datetime, batch_size: int) -> int:
    due = finished_before(brand, brand.raw_mail_retention_days, now)
    waiting = Message.objects.exclude(ticket__in=due.values("pk"))
    with transaction.atomic():
        mails = list(
            InboundEmail.objects.filter(messages__ticket__in=due.values("pk"))
            .exclude(messages__in=waiting)
            .exclude(raw_file="")
            .distinct()
            .order_by("pk")[:batch_size]
        )
        for mail in mails:
            inbound_raw_delete(mail)
    return len(mails)


def _attachments_delete(brand: Brand, now: datetime, batch_size: int) -> int:
    days = brand.attachment_retention_days
    due = finished_before(brand, days, now)
    with transaction.atomic():
        attachments = list(
            Attachment.objects.filter(message__ticket__in=due.values("pk"))
            .exclude(file="")
            .order_by("pk")[:batch_size]
        )
        files = [attachment.file.name for attachment in attachments]
        Attachment.objects.filter(pk__in=[a.pk for a in attachments]).update(
            file="", note=f"Deleted {days} days after the ticket closed (retention)."
        )
        storage = Attachment._meta.get_field("file").storage

        def delete() -> None:
            for name in files:
                storage.delete(name)

        # The rows first; the files once that is committed (a rolled-back run leaves no row
        # pointing at a deleted file).
        transaction.on_commit(delete)
    return len(attachments)


def _tickets_anonymise(brand: Brand, now: datetime, batch_size: int) -> int:
    ids = list(
        finished_before(brand, brand.anonymise_after_days, now)
        .exclude(customer_email__endswith=f"@{ERASED_DOMAIN}")
        .order_by("pk")
        .values_list("pk", flat=True)[:batch_size]
    )
    if not ids:
        return 0
    with transaction.atomic():
        counts = tickets_anonymise(brand, ids)
        Erasure.objects.create(
            brand=brand,
            reason=Erasure.Reason.RETENTION,
            source="retention",
            created_at=timezone.now(),
            counts=dict(counts),
        )
    return counts["tickets"]
