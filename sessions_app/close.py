"""The admin's "Close session now": a confirmation page, then the close itself, streamed as a
page whose progress bar moves as `orders.services.session_close.session_close` reports each
step, ending with what it did (producer orders completed, deliveries queued). The view only
asks and shows: the work is the service's, the same beat and `manage.py close_session` run."""

import json
import queue
import threading

from django.db import connection
from django.http import HttpResponseNotAllowed, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext

from config.actors import Actor
from config.exceptions import ApplicationError
from orders.models import Order, ProducerOrder
from orders.services.session_close import session_close
from orders.statuses import LIVE_ORDER_STATUSES

_DONE = object()


def _js(text: str) -> str:
    """A JavaScript string literal safe inside a <script> element."""
    return json.dumps(text).replace("<", "\\u003c").replace(">", "\\u003e")


def session_close_view(model_admin, request, session_id: int):
    session = get_object_or_404(model_admin.get_queryset(request), pk=session_id)
    if not model_admin.has_change_permission(request, session):
        return HttpResponseNotAllowed(["GET"])
    if request.method == "GET":
        return TemplateResponse(
            request,
            "admin/sessions_app/salesession/close_confirm.html",
            {
                **model_admin.admin_site.each_context(request),
                "opts": model_admin.model._meta,
                "session": session,
                "title": gettext("Close %(session)s now?") % {"session": session.name},
                "orders": Order.objects.filter(
                    sales_session_id=session.pk, status__in=LIVE_ORDER_STATUSES
                ).count(),
                "producer_orders": ProducerOrder.objects.filter(
                    sales_session_id=session.pk
                ).count(),
            },
        )
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    actor = Actor.for_user(request.user)
    head = render_to_string(
        "admin/sessions_app/salesession/close_progress.html",
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "session": session,
            "title": gettext("Closing %(session)s") % {"session": session.name},
            "back": reverse("admin:sessions_app_salesession_change", args=[session.pk]),
        },
        request=request,
    )
    return StreamingHttpResponse(
        _stream(head, session, actor, translation.get_language()),
        content_type="text/html; charset=utf-8",
    )


def _stream(head: str, session, actor: Actor, language: str):
    """Run the close in a worker thread (its own database connection and transaction) and
    turn each progress report into a script line that moves the bar, in the language the
    page was asked in (the stream is sent after the locale middleware has returned)."""
    with translation.override(language):
        yield from _stream_lines(head, session, actor)


def _stream_lines(head: str, session, actor: Actor):
    reports: queue.Queue = queue.Queue()

    def work() -> None:
        try:
            report = session_close(
                session_id=session.pk,
                actor=actor,
                progress=lambda done, total, what: reports.put(("step", done, total, what)),
            )
            reports.put(("done", report))
        except ApplicationError as error:
            reports.put(("error", error.message))
        except Exception:  # noqa: BLE001 - shown to the user; the transaction rolled back
            reports.put(("error", gettext("The close failed and changed nothing; see the logs.")))
            raise
        finally:
            connection.close()
            reports.put(_DONE)

    before, _, after = head.partition("<!-- progress -->")
    yield before
    thread = threading.Thread(target=work, name=f"session-close-{session.pk}", daemon=True)
    thread.start()
    while (item := reports.get()) is not _DONE:
        if item[0] == "step":
            _, done, total, what = item
            yield f"<script>closeProgress({done}, {total}, {_js(what)});</script>\n"
        elif item[0] == "done":
            report = item[1]
            if report is None:
                text = gettext("%(session)s was already closed: nothing to do.") % {
                    "session": session.name
                }
            else:
                done = {
                    "session": session.name,
                    "orders": ngettext(
                        "%(count)d producer order completed",
                        "%(count)d producer orders completed",
                        report.producer_orders,
                    )
                    % {"count": report.producer_orders},
                    "deliveries": ngettext(
                        "%(count)d delivery queued",
                        "%(count)d deliveries queued",
                        report.deliveries,
                    )
                    % {"count": report.deliveries},
                }
                text = (
                    gettext("Finished %(session)s: %(orders)s, %(deliveries)s.")
                    if report.resumed
                    else gettext("Closed %(session)s: %(orders)s, %(deliveries)s.")
                ) % done
            yield f"<script>closeDone({_js(text)}, false);</script>\n"
        else:
            yield f"<script>closeDone({_js(item[1])}, true);</script>\n"
    thread.join()
    yield after
