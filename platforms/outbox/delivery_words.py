"""A delivery to a partner platform explained in words a trader acts on, not a raw exception."""

import re
from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

_HTTP = re.compile(r"^HTTP (\d{3})")


def delivery_is_failing(*, state: str, attempts: int, last_error: str) -> bool:
    """Any failed attempt counts, not only the dead letters: a delivery retried eight times
    is the trader's problem long before Larder gives up on it."""
    return state == "dead" or (state == "pending" and attempts > 0 and bool(last_error))


def delivery_explanation(
    *,
    platform_name: str,
    state: str,
    attempts: int,
    last_error: str,
    next_attempt_at: datetime | None,
) -> str:
    """One sentence: what went wrong, in the partner's name, and what happens next."""
    if state == "delivered":
        return _("Delivered to %(platform)s.") % {"platform": platform_name}
    if state == "local":
        return _("On this platform: the producer reads it in Larder.")
    if not attempts or not last_error:
        return _("Queued for %(platform)s.") % {"platform": platform_name}
    status = _HTTP.match(last_error)
    code = int(status.group(1)) if status else None
    if code is None:
        cause = _("%(platform)s did not answer") % {"platform": platform_name}
    elif code == 429:
        cause = _("%(platform)s asked Larder to slow down (HTTP 429)") % {"platform": platform_name}
    elif code >= 500 or code == 408:
        cause = _("%(platform)s had a server error (HTTP %(code)s)") % {
            "platform": platform_name,
            "code": code,
        }
    else:
        cause = _("%(platform)s refused the order (HTTP %(code)s)") % {
            "platform": platform_name,
            "code": code,
        }
    if state == "dead":
        return _("%(cause)s; Larder stopped retrying after %(attempts)s attempts.") % {
            "cause": cause,
            "attempts": attempts,
        }
    when = (
        date_format(timezone.localtime(next_attempt_at), "H:i")
        if next_attempt_at is not None
        else _("soon")
    )
    return _("%(cause)s; retrying at %(when)s (%(attempts)s attempts so far).") % {
        "cause": cause,
        "when": when,
        "attempts": attempts,
    }
