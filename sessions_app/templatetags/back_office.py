from django import template

from platforms.tenancy.roles import scope_queryset
from sessions_app.models import SaleSession

register = template.Library()


@register.simple_tag
def dashboard_sessions(user, limit: int = 8):
    """The latest sales sessions this user may open a dashboard of (for the admin index)."""
    if not user.has_perm("sessions_app.view_salesession"):
        return []
    sessions = scope_queryset(SaleSession.objects.select_related("trader"), user, trader="trader")
    return list(sessions.order_by("-begins_at")[:limit])


@register.simple_tag
def attention_for(user):
    """What needs attention first on the admin home, for this user's traders (None for users
    who cannot see orders, such as producer staff)."""
    if not user.has_perm("orders.view_order"):
        return None
    from sessions_app.dashboard_selectors import back_office_attention

    return back_office_attention(user=user)
