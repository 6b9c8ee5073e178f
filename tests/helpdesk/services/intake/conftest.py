import pytest

from helpdesk.models import InboundEmail
from helpdesk.services.intake.inbound import inbound_store


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """Store a message the way both entrances do, then run what the commit hands to Celery
    (processing, then the acknowledgement's sending)."""

    def deliver(raw: bytes, *, recipient: str = "", sender: str = "") -> InboundEmail:
        with django_capture_on_commit_callbacks(execute=True):
            stored = inbound_store(
                raw, source="test", envelope_recipient=recipient, envelope_sender=sender
            )
        stored.refresh_from_db()
        return stored

    return deliver
