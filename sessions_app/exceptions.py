from django.utils.translation import gettext_lazy as _

from config.exceptions import ApplicationError, Conflict


class SessionClosed(Conflict):
    code = "session-closed"
    title = _("The sales session takes no more orders")


class OfferNotAvailable(ApplicationError):
    code = "offer-not-available"
    title = _("This offer is not listed in the order's sales session")
    status = 422


class SessionNotOpenable(Conflict):
    code = "session-not-openable"
    title = _("This sales session cannot be opened")
