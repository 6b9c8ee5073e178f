"""The customer's mail as tests read it: the notices the beat sends once their window has
passed, and the link to the request every mail carries."""

import re
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from helpdesk.models import OutboundEmail, Ticket
from helpdesk.services.notices.customer import customer_notices_send_due
from helpdesk.services.rendering.status_links import status_ticket

LINK = re.compile(r"https?://[^/\s\"]+/b/([a-z0-9-]+)/status/([^/\s\"]+)/")


def notices_window_passes() -> int:
    """Run the beat's sending of due notices just after the status-notice window closes."""
    window = timedelta(seconds=settings.CUSTOMER_NOTICE_WINDOW_SECONDS + 1)
    return customer_notices_send_due(timezone.now() + window)


def assert_status_links(outbound: OutboundEmail, ticket: Ticket) -> None:
    """The text and the HTML each carry an absolute link that opens this ticket."""
    for body in (outbound.body_text, outbound.body_html):
        found = LINK.search(body)
        assert found, f"no status link in the {outbound.kind}"
        assert status_ticket(*found.groups()) == ticket
    assert 'href="http' in outbound.body_html
