"""Read RFC 822 messages from files or standard input, for an MTA's pipe or an operator."""

import sys

from django.core.management.base import BaseCommand, CommandError

from helpdesk.services.intake.inbound import inbound_process, inbound_store

# sysexits.h: the MTA keeps the message and tries again later.
EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Store RFC 822 messages (files, or - for standard input) and process them."

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="*", default=["-"], help="Message files; - is stdin.")
        parser.add_argument("--recipient", default="", help="The envelope recipient, if known.")
        parser.add_argument("--sender", default="", help="The envelope sender, if known.")
        parser.add_argument(
            "--now",
            action="store_true",
            help="Process here instead of in the Celery worker (no worker needed).",
        )

    def handle(self, *args, files: list[str], recipient: str, sender: str, now: bool, **options):
        for name in files:
            try:
                raw = sys.stdin.buffer.read() if name == "-" else _read(name)
            except OSError as error:
                raise CommandError(f"Cannot read {name}: {error}") from error
            try:
                inbound = inbound_store(
                    raw, source="ingest_email", envelope_recipient=recipient, envelope_sender=sender
                )
            except Exception as error:
                self.stderr.write(f"Could not store {name}: {error}")
                sys.exit(EX_TEMPFAIL)
            try:
                if now:
                    inbound_process(inbound.pk)
                inbound.refresh_from_db(fields=["status"])
            except Exception as error:
                # Stored, so the MTA must neither retry nor bounce it: the requeue of stuck
                # mail processes it once the database answers again.
                self.stderr.write(f"{name}: stored as inbound email {inbound.pk}; then: {error}")
                continue
            self.stdout.write(f"{name}: stored as inbound email {inbound.pk} ({inbound.status})")


def _read(name: str) -> bytes:
    with open(name, "rb") as handle:
        return handle.read()
