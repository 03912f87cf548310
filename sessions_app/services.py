"""Writes to sales sessions. Closing one (producer orders finalised and sent) is
orders.services.session_close.session_close; a session past its end takes no order even
before that runs (SaleSession.accepts_orders)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from config.actors import Actor
from sessions_app.exceptions import SessionNotOpenable
from sessions_app.models import SaleSession


@transaction.atomic
def session_open(*, session_id: int, actor: Actor) -> SaleSession:
    """Open a draft session for orders (`actor`: who asked; sessions keep no event log).

    The row is locked; a closed session, or one whose end has passed, stays as it is and
    SessionNotOpenable is raised."""
    session = SaleSession.objects.select_for_update().get(pk=session_id)
    if session.state == SaleSession.State.OPEN:
        return session
    if session.state == SaleSession.State.CLOSED:
        raise SessionNotOpenable(
            gettext("Sales session “%(session)s” is closed.") % {"session": session.name}
        )
    if session.ends_at <= timezone.now():
        raise SessionNotOpenable(
            gettext("Sales session “%(session)s” ended at %(ends_at)s.")
            % {"session": session.name, "ends_at": session.ends_at}
        )
    session.state = SaleSession.State.OPEN
    session.save(update_fields=["state", "updated_at"])
    return session
