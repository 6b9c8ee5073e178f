"""Celery tasks: each fetches by id and calls one service; running one twice does no harm."""

from celery import shared_task

from helpdesk.services import inbound, outbound, sweep


@shared_task
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
def requeue_stuck_work() -> int:
    return outbound.outbox_requeue_stuck() + inbound.inbound_requeue_stuck()
