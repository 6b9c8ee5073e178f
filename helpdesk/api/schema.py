"""OpenAPI details drf-spectacular cannot infer: the Api-Key scheme and the error responses."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from helpdesk.api.serializers import ErrorOutput


class BrandApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "helpdesk.api.authentication.BrandApiKeyAuthentication"
    name = "brandApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A brand's storefront key: `Authorization: Api-Key <key>` "
            "(`manage.py create_api_key --brand SLUG --name NAME`).",
        }


ERRORS = {
    400: "Invalid input: `fields` has one message per field.",
    401: "No key or token, or an invalid, revoked or expired one.",
    403: "The user may read this but not change it (a brand's policy is its owners' to change).",
    404: "No such ticket for this key or user (another brand's tickets are not found either), "
    "or a page past the end of a list.",
    413: "The request body is larger than the API accepts.",
    415: "The body is not in one of the documented content types.",
    422: "The Idempotency-Key was used before for a different request.",
    429: "Too many requests for this key or user: retry after Retry-After seconds.",
}

RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    location=OpenApiParameter.HEADER,
    response=[429],
    description="Seconds until the next request is accepted.",
)


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Error responses of an operation; 401 and 429 apply to every authenticated one."""
    return {code: OpenApiResponse(ErrorOutput, description=ERRORS[code]) for code in codes}
