"""Which rows a back-office user may see, from their memberships.

Superusers see everything. Trader staff and customer-service agents see their traders' data;
producer staff see their producers' producer orders. Every ModelAdmin scopes its queryset with
`EnterpriseScopedAdmin`, so an id of someone else's row gives the admin's "does not exist"
redirect (or a 404 in the custom views), never the row.
"""

from dataclasses import dataclass

from django.contrib import admin
from django.db.models import Q, QuerySet

from platforms.models import Membership, Role

TRADER_ROLES = frozenset({Role.TRADER_STAFF, Role.CUSTOMER_SERVICE})


@dataclass(frozen=True)
class Scope:
    everything: bool
    trader_ids: frozenset[int]
    producer_ids: frozenset[int]


def user_scope(user) -> Scope:
    """The user's scope, read once per request (cached on the user object)."""
    cached = getattr(user, "_back_office_scope", None)
    if cached is not None:
        return cached
    if not user.is_active:
        scope = Scope(False, frozenset(), frozenset())
    elif user.is_superuser:
        scope = Scope(True, frozenset(), frozenset())
    else:
        rows = list(Membership.objects.filter(user_id=user.pk).values_list("enterprise_id", "role"))
        scope = Scope(
            False,
            frozenset(e for e, role in rows if role in TRADER_ROLES),
            frozenset(e for e, role in rows if role == Role.PRODUCER_STAFF),
        )
    user._back_office_scope = scope
    return scope


def scope_queryset(
    queryset: QuerySet, user, *, trader: str | None = None, producer: str | None = None
) -> QuerySet:
    """Rows whose `trader` path is one of the user's traders, or whose `producer` path is one
    of their producers. A model with neither path is left to the permissions alone."""
    scope = user_scope(user)
    if scope.everything or (trader is None and producer is None):
        return queryset
    condition = Q(pk__in=[])
    if trader is not None and scope.trader_ids:
        condition |= Q(**{f"{trader}__in": scope.trader_ids})
    if producer is not None and scope.producer_ids:
        condition |= Q(**{f"{producer}__in": scope.producer_ids})
    return queryset.filter(condition)


class EnterpriseScopedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose rows are those of the user's enterprises.

    `scope_trader` / `scope_producer`: lookup paths from the model to the trader or producer
    enterprise it belongs to (None: that kind of member sees none of it). Foreign keys to an
    enterprise, a session or a customer offer only the user's own in forms.
    """

    scope_trader: str | None = None
    scope_producer: str | None = None
    scope_distinct = False

    def get_queryset(self, request):
        queryset = scope_queryset(
            super().get_queryset(request),
            request.user,
            trader=self.scope_trader,
            producer=self.scope_producer,
        )
        return queryset.distinct() if self.scope_distinct else queryset

    def get_list_filter(self, request):
        """Filters on a relation list only the values the user's rows hold, so a filter never
        names another enterprise's producers, sessions or customers."""
        filters = super().get_list_filter(request)
        if user_scope(request.user).everything:
            return filters
        scoped = []
        for entry in filters:
            if isinstance(entry, str) and _is_relation(self.model, entry):
                entry = (entry, admin.RelatedOnlyFieldListFilter)
            scoped.append(entry)
        return scoped

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        scope = user_scope(request.user)
        if not scope.everything:
            paths = {
                ("platforms", "enterprise"): "pk",
                ("sessions_app", "salesession"): "trader_id",
                ("orders", "customer"): "trader_id",
                ("orders", "order"): "trader_id",
            }
            meta = db_field.related_model._meta
            path = paths.get((meta.app_label, meta.model_name))
            if path is not None and (db_field.name == "trader" or path != "pk"):
                kwargs["queryset"] = db_field.related_model._default_manager.filter(
                    **{f"{path}__in": scope.trader_ids}
                )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def _is_relation(model, path: str) -> bool:
    from django.contrib.admin.utils import get_fields_from_path
    from django.core.exceptions import FieldDoesNotExist

    try:
        return get_fields_from_path(model, path)[-1].is_relation
    except (FieldDoesNotExist, ValueError):
        return False
