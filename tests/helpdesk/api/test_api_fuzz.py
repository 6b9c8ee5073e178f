"""Schemathesis against the live schema: generated valid and invalid requests to every
operation, with a real key and token (and, half the time, a real ticket reference), must never
get a 500 and must get only the documented statuses, content types and bodies.

Bounded (FUZZ_EXAMPLES per operation and mode) so it runs in CI in well under a minute; raise
it locally with `FUZZ_EXAMPLES=500 FUZZ_RANDOM=1 pytest tests/helpdesk/api/test_api_fuzz.py`.
"""

import os

import pytest
import schemathesis
from django.test.client import ClientHandler
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from helpdesk.models import Ticket
from helpdesk.services.api_keys import api_key_create
from helpdesk.services.tickets.lifecycle import ticket_set_status
from tests.factories import StorefrontTicketFactory

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
# The same examples on every run in CI; FUZZ_RANDOM=1 explores new ones.
DERANDOMIZE = os.environ.get("FUZZ_RANDOM", "") != "1"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def django_wsgi_app():
    """The project as a WSGI app on the test's own database connection: Django's test handler
    (unlike the production one) does not close the connection between requests."""
    handler = ClientHandler(enforce_csrf_checks=True)

    def app(environ, start_response):
        response = handler(environ)
        start_response(f"{response.status_code} {response.reason_phrase}", list(response.items()))
        return [response.content]

    return app


@pytest.fixture
def fuzz_target(kendrascottes, crocso, ks_agent, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "staff_login": "100000/min", "staff": "100000/min"},
    }
    api_key, key = api_key_create(kendrascottes, name="Fuzzer")
    api_key.throttle_rate = "100000/min"
    api_key.save()
    token = Token.objects.create(user=ks_agent).key
    tickets = [
        StorefrontTicketFactory(brand=kendrascottes),
        StorefrontTicketFactory(brand=kendrascottes),
    ]
    ticket_set_status(tickets[1], Ticket.Status.RESOLVED)
    StorefrontTicketFactory(brand=crocso)  # another brand's, never to be reached
    app = django_wsgi_app()
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", app)
    return schema, app, key, token, [t.reference for t in tickets]


@pytest.mark.django_db
@pytest.mark.filterwarnings("error::django.core.paginator.UnorderedObjectListWarning")
def test_no_input_makes_the_api_fail_or_leave_its_schema(fuzz_target):
    schema, app, key, token, references = fuzz_target
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 31

    for operation in operations:
        path = operation.path
        if "/staff/token/" in path:
            auth = {}
        elif "/staff/" in path:
            auth = {"Authorization": f"Token {token}"}
        else:
            auth = {"Authorization": f"Api-Key {key}"}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode, headers=auth)

            @settings(
                max_examples=FUZZ_EXAMPLES,
                deadline=None,
                database=None,
                derandomize=DERANDOMIZE,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy, known=st.sampled_from([None, *references]))
            def exercise(case, known):
                if known and "reference" in (case.path_parameters or {}):
                    case.path_parameters["reference"] = known
                response = case.call(app=app)
                case.validate_response(response, checks=CHECKS)

            try:
                exercise()
            except Unsatisfiable:
                # Nothing to make invalid (no parameters, no body): positive cases covered it.
                assert mode == GenerationMode.NEGATIVE, operation.label
