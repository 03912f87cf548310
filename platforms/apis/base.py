"""What every partner endpoint shares: token authentication, scopes, the per-platform throttle,
the body-size limit, pagination limits, ETag / If-Match, and the problem documents they raise."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.views import APIView

from config.exceptions import ApplicationError
from config.problems import PROBLEM_CONTENT_TYPE
from platforms.authentication import PartnerTokenAuthentication
from platforms.permissions import HasPartnerScope
from platforms.throttling import PlatformRateThrottle


class PayloadTooLarge(ApplicationError):
    code = "payload-too-large"
    title = "Request body too large"
    status = 413


class PreconditionRequired(ApplicationError):
    code = "precondition-required"
    title = "If-Match is required"
    status = 428


class PreconditionFailed(ApplicationError):
    code = "precondition-failed"
    title = "The resource has changed since you read it"
    status = 412


class PartnerPagination(LimitOffsetPagination):
    """`?limit=&offset=`; a limit above LARDER_API_MAX_PAGE_SIZE is cut down to it."""

    @property
    def default_limit(self) -> int:
        return settings.LARDER_API_DEFAULT_PAGE_SIZE

    @property
    def max_limit(self) -> int:
        return settings.LARDER_API_MAX_PAGE_SIZE


class PartnerApiMixin:
    authentication_classes = [PartnerTokenAuthentication]
    permission_classes = [HasPartnerScope]
    throttle_classes = [PlatformRateThrottle]
    scope_subject = "orders"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        length = request.META.get("CONTENT_LENGTH") or "0"
        limit = settings.LARDER_API_MAX_BODY_BYTES
        if not length.isdigit() or int(length) > limit:
            raise PayloadTooLarge(f"Request bodies are limited to {limit} bytes.")

    @property
    def credential(self):
        return self.request.auth

    @property
    def platform(self):
        return self.request.auth.platform


class PartnerApi(PartnerApiMixin, APIView):
    pass


def etag(version: int) -> str:
    return f'"{version}"'


def if_match_version(request) -> int | None:
    """The version an `If-Match` names; None for `*`. 428 when missing, 412 when it names no
    version Larder ever gave (a weak or malformed tag)."""
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired(
            "Send If-Match with the ETag of the version you read, so no update is lost."
        )
    header = header.strip()
    if header == "*":
        return None
    tag = header.split(",")[0].strip()
    if tag.startswith('"') and tag.endswith('"') and tag[1:-1].isdigit():
        return int(tag[1:-1])
    raise PreconditionFailed(f"If-Match {header} matches no version of this resource.")


def check_version(*, expected: int | None, current: int) -> None:
    """Called by services with the row locked, so the check and the change are one step."""
    if expected is not None and expected != current:
        raise PreconditionFailed(
            f"You sent If-Match for version {expected}; the current version is {current}.",
            extra={"current_etag": etag(current)},
        )


class PartnerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "platforms.authentication.PartnerTokenAuthentication"
    name = "partnerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A partner platform's API token (lrd_…), issued in the admin or by "
            "`manage.py issue_api_token`.",
        }


ProblemSerializer = inline_serializer(
    name="Problem",
    fields={
        "type": serializers.CharField(),
        "title": serializers.CharField(),
        "status": serializers.IntegerField(),
        "code": serializers.CharField(),
        "detail": serializers.JSONField(),
    },
)


def problem(status: int, description: str) -> dict:
    """A documented error response, in the problem+json media type it is sent as."""
    return {
        (status, PROBLEM_CONTENT_TYPE): OpenApiResponse(
            response=ProblemSerializer, description=description
        )
    }


COMMON_ERRORS = {
    **problem(400, "Invalid query or input"),
    **problem(401, "Missing, invalid or revoked token"),
    **problem(403, "The token lacks the scope"),
    **problem(404, "Not found, or not visible to the calling platform"),
    **problem(406, "Not acceptable"),
    **problem(413, "Request body too large"),
    **problem(429, "Too many requests for this platform"),
}
WRITE_ERRORS = {
    **COMMON_ERRORS,
    **problem(409, "Conflicts with the order's state or stock"),
    **problem(412, "If-Match names a stale version"),
    **problem(415, "Unsupported media type"),
    **problem(422, "Idempotency-Key reused with another request"),
    **problem(428, "If-Match missing"),
}
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    location=OpenApiParameter.HEADER,
    required=False,
    description="Replays of the same key and body return the first response.",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    location=OpenApiParameter.HEADER,
    required=True,
    description="The ETag of the version being replaced.",
)
