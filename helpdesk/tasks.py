"""Celery tasks: each fetches by id and calls one service; running one twice does no harm."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from brands import drafts
from helpdesk.services.intake import imap, inbound
from helpdesk.services.notices import customer as customer_notices
from helpdesk.services.outbox import sending as outbound
from helpdesk.services.sla import sweep, whatif
from helpdesk.services.tickets import composer, lifecycle, retention


# A restarting database is not the mail's fault: the sends run again seconds later (rows
# sent meanwhile are skipped). The beat's requeue of stuck work is the backstop.
@shared_task(
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=8,
)
def send_outbound_emails(outbound_ids: list[int]) -> int:
    """Send each queued row; one the ESP refuses stays queued for the requeue's retry."""
    return outbound.outbound_send_many(outbound_ids)


@shared_task
def process_inbound_email(inbound_id: int) -> str:
    return inbound.inbound_process(inbound_id)


@shared_task
def sla_sweep() -> int:
    return sweep.sla_sweep()


@shared_task
def send_customer_notices() -> int:
    return customer_notices.customer_notices_send_due()


@shared_task
def requeue_stuck_work() -> int:
    return outbound.outbox_requeue_stuck() + inbound.inbound_requeue_stuck()


@shared_task
def fetch_imap_mail() -> int:
    return imap.mailboxes_fetch()


@shared_task
def assign_unowned_tickets() -> int:
    return lifecycle.unowned_tickets_assign()


# Sent when someone leaves a brand's staff or is deactivated; a database blip retries it.
@shared_task(autoretry_for=(OperationalError, InterfaceError), retry_backoff=2, max_retries=8)
def hand_on_departed_assignee_tickets(user_id: int, brand_id: int | None) -> int:
    return lifecycle.departed_assignee_tickets_hand_on(user_id, brand_id)


@shared_task
def apply_retention() -> dict:
    return retention.retention_apply()


@shared_task
def remove_stale_held_files() -> int:
    return composer.held_files_remove_stale()


# A replay reads up to two years of a brand's clocks: minutes on a large brand, not hours.
@shared_task(time_limit=1800)
def whatif_run(run_id: int) -> str:
    return whatif.whatif_run_execute(run_id)


@shared_task
def apply_due_policy_versions() -> int:
    return drafts.policy_versions_apply_due()
