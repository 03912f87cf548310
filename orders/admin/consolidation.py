"""The admin's consolidation pages, on a sales session (its override) and on an enterprise (a
trader's default, a producer's wish): the effective option and where it comes from, and a
switch shown as a preview (the producer orders it cancels and creates) before it is
confirmed."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from config.actors import Actor
from config.exceptions import ApplicationError
from orders.selectors import consolidation_switch_preview
from orders.services.consolidation_switch import session_consolidation_switch

CHOICES = [
    ("", _("No override: each producer's wish, else the trader's default")),
    ("yes", _("One producer order per session and producer")),
    ("no", _("One producer order per customer order")),
]
VALUES = {"": None, "yes": True, "no": False}


class ConsolidationSwitchForm(forms.Form):
    consolidate = forms.ChoiceField(choices=CHOICES, required=False, widget=forms.RadioSelect)

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session

    def clean(self):
        data = super().clean()
        if self.session.state == self.session.State.CLOSED:
            raise forms.ValidationError(
                _(
                    "This session is closed: its producer orders are final and their "
                    "consolidation cannot change."
                )
            )
        data["value"] = VALUES[data.get("consolidate") or ""]
        return data


def _confirm(model_admin, request, form, switch) -> bool:
    """Run the confirmed switch (a service taking the actor): True when done, else the
    service's refusal is a form error."""
    try:
        changed = switch(Actor.for_user(request.user))
    except ApplicationError as error:
        form.add_error(None, error.message)
        return False
    model_admin.message_user(
        request,
        ngettext(
            "Consolidation switched: %(count)d producer order changed.",
            "Consolidation switched: %(count)d producer orders changed.",
            len(changed),
        )
        % {"count": len(changed)},
        messages.SUCCESS,
    )
    return True


def _current(session) -> str:
    return {None: "", True: "yes", False: "no"}[session.consolidate_per_producer]


def consolidation_switch_view(model_admin, request, session_id: int):
    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    session = get_object_or_404(
        model_admin.get_queryset(request).select_related("trader"), pk=session_id
    )
    preview = None
    form = ConsolidationSwitchForm(
        request.POST or None, session=session, initial={"consolidate": _current(session)}
    )
    if request.method == "POST" and form.is_valid():
        value = form.cleaned_data["value"]
        if "confirm" in request.POST:
            done = _confirm(
                model_admin,
                request,
                form,
                lambda actor: session_consolidation_switch(
                    session_id=session.pk, consolidate=value, actor=actor
                ),
            )
            if done:
                return redirect("admin:sessions_app_salesession_consolidation", session.pk)
        else:
            preview = consolidation_switch_preview(session=session, consolidate=value)
    current = consolidation_switch_preview(
        session=session, consolidate=session.consolidate_per_producer
    )
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": gettext("Producer orders: consolidation · %(what)s") % {"what": session},
        "session": session,
        "form": form,
        "preview": preview,
        "effective": current.effective,
    }
    return TemplateResponse(
        request, "admin/sessions_app/salesession/consolidation_switch.html", context
    )


ENTERPRISE_CHOICES = {
    "trader": [
        ("yes", _("One producer order per session and producer")),
        ("no", _("One producer order per customer order")),
    ],
    "producer": [
        ("", _("No wish: each trader's default")),
        ("yes", _("One producer order per session")),
        ("no", _("One producer order per customer order")),
    ],
}


class EnterpriseConsolidationForm(forms.Form):
    value = forms.ChoiceField(required=False, widget=forms.RadioSelect)

    def __init__(self, *args, enterprise, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["value"].choices = ENTERPRISE_CHOICES[enterprise.kind]
        self.fields["value"].required = enterprise.is_trader

    def clean(self):
        data = super().clean()
        data["parsed"] = VALUES[data.get("value") or ""]
        return data


def enterprise_consolidation_view(model_admin, request, enterprise_id: int):
    """A trader's default or a producer's wish, switched with a preview per open session."""
    from orders.selectors import consolidation_affected_sessions
    from orders.services.consolidation_switch import enterprise_consolidation_set

    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    enterprise = get_object_or_404(model_admin.get_queryset(request), pk=enterprise_id)
    setting = (
        enterprise.consolidate_per_producer
        if enterprise.is_trader
        else enterprise.producer_consolidation
    )
    form = EnterpriseConsolidationForm(
        request.POST or None,
        enterprise=enterprise,
        initial={"value": {None: "", True: "yes", False: "no"}[setting]},
    )
    previews = None
    if request.method == "POST" and form.is_valid():
        value = form.cleaned_data["parsed"]
        if "confirm" in request.POST:
            done = _confirm(
                model_admin,
                request,
                form,
                lambda actor: enterprise_consolidation_set(
                    enterprise_id=enterprise.pk, value=value, actor=actor
                ),
            )
            if done:
                return redirect("admin:platforms_enterprise_consolidation", enterprise.pk)
        else:
            change = (
                {"trader_default": value}
                if enterprise.is_trader
                else {"producer_wishes": {enterprise.pk: value}}
            )
            previews = [
                (
                    session,
                    consolidation_switch_preview(
                        session=session, consolidate=session.consolidate_per_producer, **change
                    ),
                )
                for session in consolidation_affected_sessions(enterprise=enterprise)
            ]
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": gettext("Producer orders: consolidation · %(what)s") % {"what": enterprise},
        "enterprise": enterprise,
        "current": dict(ENTERPRISE_CHOICES[enterprise.kind]).get(
            {None: "", True: "yes", False: "no"}[setting]
        ),
        "form": form,
        "previews": previews,
    }
    return TemplateResponse(request, "admin/platforms/enterprise/consolidation.html", context)
