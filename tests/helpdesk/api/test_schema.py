import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient


def api_paths() -> set[str]:
    """Every URL under /api/v1/, in OpenAPI's {parameter} notation."""

    def walk(patterns, prefix=""):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern):
                yield "/" + route.replace("<str:", "{").replace(">", "}")

    return {path for path in walk(get_resolver().url_patterns) if path.startswith("/api/v1/")}


def test_the_schema_validates_and_lists_every_path():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    assert set(schema["paths"]) == api_paths()
    assert len(api_paths()) == 28


def test_the_storefront_detail_describes_whether_the_customer_may_escalate():
    schemas = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    detail = schemas["TicketDetailOutput"]
    assert "escalation" in detail["required"]
    assert detail["properties"]["escalation"]["readOnly"] is True
    (reference,) = detail["properties"]["escalation"]["allOf"]
    escalation = schemas[reference["$ref"].rsplit("/", 1)[-1]]
    assert {name: field["type"] for name, field in escalation["properties"].items()} == {
        "allowed": "boolean",
        "reason": "string",
    }
    assert all(field["description"] for field in escalation["properties"].values())


def test_every_operation_documents_its_auth_and_errors():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    schemes = schema["components"]["securitySchemes"]
    assert schemes["brandApiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": schemes["brandApiKey"]["description"],
    }
    assert "tokenAuth" in schemes
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert "429" in codes, (method, path)
            headers = operation["responses"]["429"]["headers"]
            assert "Retry-After" in headers, (method, path)
            if path == "/api/v1/staff/token/":
                assert operation.get("security") in (None, [{}])
                continue
            assert "401" in codes, (method, path)
            expected = "brandApiKey" if "/staff/" not in path else "tokenAuth"
            assert any(expected in requirement for requirement in operation["security"])
            if "{reference}" in path:
                assert "404" in codes, (method, path)
            if method == "post":
                assert "400" in codes, (method, path)


@pytest.mark.django_db
def test_the_schema_and_the_docs_page_are_served():
    client = APIClient()
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    assert "/api/v1/tickets/{reference}/feedback/" in schema.json()["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"/api/schema/" in docs.content
    # Served from the app itself: nothing the page needs comes from another host.
    assert b"drf_spectacular_sidecar/redoc" in docs.content
    assert b"cdn." not in docs.content


def test_the_staff_reply_requires_the_newest_message_the_client_showed():
    schemas = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    reply = schemas["StaffReplyInputRequest"]
    assert set(reply["required"]) == {"body", "last_seen_message"}
    assert "newest message" in reply["properties"]["last_seen_message"]["description"]


def test_the_staff_lists_page_by_next_links_and_promise_no_count():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path in ("/api/v1/staff/tickets/", "/api/v1/staff/alerts/"):
        page = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        name = page["schema"]["$ref"].rsplit("/", 1)[-1]
        listed = schema["components"]["schemas"][name]
        assert set(listed["properties"]) == {"next", "previous", "results"}, path
        assert listed["required"] == ["results"], path
