"""RFC 9457 problem documents for every API error, with a stable `code`."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from config.exceptions import ApplicationError

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_response(
    *, status_code: int, code: str, title: str, detail, extra: dict | None = None
) -> Response:
    body = {
        "type": f"https://larder.example/problems/{code}",
        "title": title,
        "status": status_code,
        "code": code,
        "detail": detail,
    }
    if extra:
        body.update(extra)
    return Response(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE)


def problem_exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return problem_response(
            status_code=exc.status,
            code=exc.code,
            title=exc.title,
            detail=exc.message,
            extra=exc.extra,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        code = "invalid-input"
        title, detail = gettext("Invalid input"), gettext("The request body is not valid.")
        extra = {"errors": response.data}
    else:
        code = getattr(exc, "default_code", "error").replace("_", "-")
        title = str(getattr(exc, "default_detail", "Error"))
        detail = response.data.get("detail", title) if isinstance(response.data, dict) else title
        extra = None
    problem = problem_response(
        status_code=response.status_code or status.HTTP_400_BAD_REQUEST,
        code=code,
        title=title,
        detail=str(detail),
        extra=extra,
    )
    for header in ("WWW-Authenticate", "Retry-After", "Allow"):
        if header in response:
            problem[header] = response[header]
    return problem


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Any other path under an API prefix (/api/v1/, /api/dfc/, /api/storefront/): a problem
    document, not an HTML page."""
    from django.http import JsonResponse

    return JsonResponse(
        {
            "type": "https://larder.example/problems/not-found",
            "title": gettext("Not found"),
            "status": 404,
            "code": "not-found",
            "detail": gettext("No API resource at %(path)s.") % {"path": request.path},
        },
        status=404,
        content_type=PROBLEM_CONTENT_TYPE,
    )
