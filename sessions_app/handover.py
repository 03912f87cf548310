"""The session's hand-over lists: an admin view of one sales session for its trader's staff."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import gettext

from sessions_app.handover_selectors import session_handover


def session_handover_view(model_admin, request, session_id: int):
    """Rendered inside the SaleSession admin (its queryset is scoped to the user's traders)."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    session = get_object_or_404(
        model_admin.get_queryset(request).select_related("trader"), pk=session_id
    )
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": gettext("Hand-over lists · %(session)s") % {"session": session},
        "session": session,
        "days": session_handover(session=session),
    }
    return TemplateResponse(request, "admin/sessions_app/salesession/handover.html", context)
