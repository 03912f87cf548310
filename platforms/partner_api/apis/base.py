"""What every partner endpoint shares: token authentication, scopes, the per-platform throttle,
the body-size limit, pagination limits, ETag / If-Match, and the problem documents they raise."""

from types import SimpleNamespace

from django.conf import settings
from django.utils.translation import gettext
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotAuthenticated, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.views import APIView

from config.problems import PROBLEM_CONTENT_TYPE
from platforms.exceptions import PayloadTooLarge, PreconditionRequired
from platforms.models import ApiCredential, Platform
from platforms.partner_api.authentication import PartnerTokenAuthentication
from platforms.partner_api.permissions import HasPartnerScope
from platforms.partner_api.throttling import PlatformRateThrottle


class PartnerPagination(LimitOffsetPagination):
    """`?limit=&offset=`; a limit above LARDER_API_MAX_PAGE_SIZE is cut down to it."""

    def __init__(self) -> None:
        # A view makes its paginator per request: the settings in force then apply.
        self.default_limit: int = settings.LARDER_API_DEFAULT_PAGE_SIZE
        self.max_limit: int = settings.LARDER_API_MAX_PAGE_SIZE

    # A malformed limit or offset is refused (400), not silently replaced by the default.
    def get_limit(self, request) -> int:
        return min(
            self._number(request, self.limit_query_param, 1, self.default_limit), self.max_limit
        )

    def get_offset(self, request) -> int:
        return self._number(request, self.offset_query_param, 0, 0)

    @staticmethod
    def _number(request, name: str, minimum: int, default: int) -> int:
        raw = request.query_params.get(name)
        if raw is None:
            return default
        if not raw.isdigit() or int(raw) < minimum or len(raw) > 12:
            raise ValidationError({name: f"An integer of at least {minimum}."})
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            minimum = 1 if parameter["name"] == self.limit_query_param else 0
            parameter["schema"].update(minimum=minimum, maximum=10**12 - 1)
        return parameters


class AcceptHeaderNegotiation(DefaultContentNegotiation):
    """The media type comes from `Accept` alone: partners send it, and a `?format=` query
    parameter would be one more thing to validate and document."""

    # DRF reads only URL_FORMAT_OVERRIDE here; the stubs want the whole api_settings.
    settings = SimpleNamespace(URL_FORMAT_OVERRIDE=None)  # type: ignore[assignment]


class PartnerAutoSchema(AutoSchema):
    def _get_format_parameters(self):
        return []

    def get_operation_id(self):
        # A DFC collection and its members share one APIView class: name the collection's
        # GET `…_list`, as for the generic list views, so operation ids stay unique.
        operation_id = super().get_operation_id()
        if (
            self.method == "GET"
            and not self.path.rstrip("/").endswith("}")
            and operation_id.endswith("_retrieve")
        ):
            operation_id = operation_id[: -len("_retrieve")] + "_list"
        return operation_id


class PartnerApiMixin(APIView):
    """The partner endpoints' base: an APIView, placed first in the bases of the generic
    views so that its settings win."""

    content_negotiation_class = AcceptHeaderNegotiation
    schema = PartnerAutoSchema()
    authentication_classes = [PartnerTokenAuthentication]
    permission_classes = [HasPartnerScope]
    throttle_classes = [PlatformRateThrottle]
    scope_subject = "orders"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        length = request.META.get("CONTENT_LENGTH") or "0"
        limit = settings.LARDER_API_MAX_BODY_BYTES
        if not length.isdigit() or int(length) > limit:
            raise PayloadTooLarge(
                gettext("Request bodies are limited to %(limit)s bytes.") % {"limit": limit}
            )

    @property
    def credential(self) -> ApiCredential:
        """The calling platform's credential (PartnerTokenAuthentication sets it)."""
        credential = self.request.auth
        if not isinstance(credential, ApiCredential):
            raise NotAuthenticated(gettext("A partner platform's API token is required."))
        return credential

    @property
    def platform(self) -> Platform:
        return self.credential.platform


class PartnerApi(PartnerApiMixin, APIView):
    pass


def if_match_versions(request, *, required: bool = False) -> frozenset[int] | None:
    """The versions an `If-Match` names (RFC 9110: a list of entity tags, any of which may
    match); None when any version will do: `*`, or no header at all — real partners (OFN,
    FDC) never send one — unless the credential opted in to requiring it (428). A weak or
    malformed tag matches no version (strong comparison): a list of only those is the empty
    set, which the service's `check_version` refuses (412) once it has found the order, so an
    unknown order is still 404 and a malformed body still 400 (RFC 9110 13.2.1)."""
    header = (request.headers.get("If-Match") or "").strip()
    if not header:
        if required:
            raise PreconditionRequired(
                gettext("This token requires If-Match with the ETag of the version you read.")
            )
        return None
    if header == "*":
        return None
    versions = set()
    for tag in header.split(","):
        tag = tag.strip()
        if len(tag) > 2 and tag.startswith('"') and tag.endswith('"') and tag[1:-1].isdigit():
            if len(tag) <= 12:
                versions.add(int(tag[1:-1]))
    return frozenset(versions)


class PartnerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "platforms.partner_api.authentication.PartnerTokenAuthentication"
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
    **problem(428, "If-Match missing (tokens that require it)"),
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
    required=False,
    description="The ETag(s) of the version being replaced; checked when sent (412 when none "
    "is current), required only for tokens that opted in (428).",
)
