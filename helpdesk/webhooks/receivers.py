"""anymail's signal receivers: each hands the event to a service and returns.

The inbound receiver only stores the message (the work happens in a task after the commit),
so the ESP gets its answer in well under a second and never retries for our slowness.
"""

from anymail.signals import AnymailInboundEvent, AnymailTrackingEvent

from helpdesk.services.intake.inbound import delivery_event_record, inbound_store
from helpdesk.webhooks.views import inbound_raw_bytes


def inbound_received(sender, event: AnymailInboundEvent, esp_name: str, **kwargs) -> None:
    inbound_store(
        inbound_raw_bytes(event),
        source=f"webhook:{esp_name.lower()}",
        envelope_recipient=event.message.envelope_recipient or "",
        envelope_sender=event.message.envelope_sender or "",
    )


def tracking_received(sender, event: AnymailTrackingEvent, esp_name: str, **kwargs) -> None:
    delivery_event_record(
        message_id=event.message_id or "",
        event_type=event.event_type,
        description=event.description or event.mta_response or "",
        recipient=event.recipient or "",
    )
