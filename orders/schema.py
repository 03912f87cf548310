"""The storefront's error responses in the OpenAPI schema: every storefront operation may
answer with an RFC 9457 problem document (config/problems.py), so each documents them. And
the customer's session token as a security scheme."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string"},
        "detail": {},
    },
    "required": ["type", "title", "status", "code", "detail"],
}
STOREFRONT_ERRORS = {
    "400": "Invalid input",
    "401": "Not logged in",
    "402": "Payment declined",
    "403": "Not allowed (not your order, not a customer of this trader, erased)",
    "404": "Not found, or not yours",
    "409": "Conflicts with the order's state or stock",
    "413": "Request body too large",
    "415": "Unsupported media type",
    "422": "Refused (coupon, offer, address, fulfilment choice…): `code` says why",
    "429": "Too many requests",
}


def storefront_problem_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: add the problem responses to every operation
    under /api/storefront/."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("StorefrontProblem", PROBLEM_SCHEMA)
    problem = {"schema": {"$ref": "#/components/schemas/StorefrontProblem"}}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/storefront/"):
            continue
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for code, description in STOREFRONT_ERRORS.items():
                responses.setdefault(
                    code,
                    {"description": description, "content": {"application/problem+json": problem}},
                )
    return result


class XSessionTokenScheme(OpenApiAuthenticationExtension):
    """A separate shop front authenticates with the session token of allauth's app client."""

    target_class = (
        "allauth.headless.contrib.rest_framework.authentication.XSessionTokenAuthentication"
    )
    name = "customerSessionToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Session-Token",
            "description": "The session token from POST /api/auth/app/v1/auth/login.",
        }
