"""The storefront's ticket creation answers with the same status link the acknowledgement
carries."""

import re

import pytest
from django.urls import reverse

from helpdesk.models import OutboundEmail
from helpdesk.services.rendering.status_links import status_ticket

LINK = re.compile(r"https://shop-help\.example\.com/b/([a-z0-9-]+)/status/([^/\s]+)/")


@pytest.mark.django_db
def test_creating_a_ticket_returns_the_link_the_acknowledgement_carries(storefront, settings):
    settings.PUBLIC_BASE_URL = "https://shop-help.example.com"

    response = storefront.post(
        reverse("api:tickets"),
        {"customer_email": "ann@customer.example", "subject": "Ring", "message": "Too small."},
        format="json",
    )

    assert response.status_code == 201, response.content
    returned = LINK.fullmatch(response.json()["status_url"])
    mailed = LINK.search(
        OutboundEmail.objects.get(kind=OutboundEmail.Kind.ACKNOWLEDGEMENT).body_text
    )
    assert returned and mailed
    assert status_ticket(*returned.groups()) == status_ticket(*mailed.groups())
    assert status_ticket(*returned.groups()).reference == response.json()["reference"]
