"""Retry inbound mail that failed (all of it, or the ids given)."""

from django.core.management.base import BaseCommand

from helpdesk.models import InboundEmail
from helpdesk.services.intake.inbound import inbound_process, inbound_reprocess


class Command(BaseCommand):
    help = "Process failed inbound emails again (every failed one, or only the ids given)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("ids", nargs="*", type=int, help="Inbound email ids (default: all).")
        parser.add_argument(
            "--now",
            action="store_true",
            help="Process here instead of in the Celery worker (no worker needed).",
        )

    def handle(self, *args, ids: list[int], now: bool, **options) -> None:
        queued = inbound_reprocess(ids or None)
        for inbound_id in queued:
            if now:
                inbound_process(inbound_id)
            status = InboundEmail.objects.values_list("status", flat=True).get(pk=inbound_id)
            self.stdout.write(f"Inbound email {inbound_id}: {status}")
        self.stdout.write(f"{len(queued)} inbound email(s) queued for processing again.")
