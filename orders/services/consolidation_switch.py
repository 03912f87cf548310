"""Switching a session's producer orders between one per producer and one per customer order.

The switch is the session's override of the consolidation option
(orders.selectors.consolidation_resolve). Producer orders it makes obsolete are cancelled —
here and, through the outbox, at the partner (DFC Cancelled) — never emptied; the refresh
creates the new ones. The admin shows the effect first (orders.selectors
.consolidation_switch_preview).
"""

import logging

from django.db import transaction
from django.utils.translation import gettext

from config.actors import Actor
from orders.exceptions import ConsolidationSwitchRefused
from orders.producer_orders.services import producer_orders_refresh

logger = logging.getLogger(__name__)


@transaction.atomic
def session_consolidation_switch(
    *, session_id: int, consolidate: bool | None, actor: Actor
) -> list[int]:
    """Set the session's consolidation override (None: each producer's or the trader's
    choice) and bring its producer orders in line, in one transaction.

    The session row is locked (a concurrent close waits, or has closed it: then
    ConsolidationSwitchRefused and nothing is written). Obsolete producer orders are cancelled
    with their lines kept, the new ones computed from the live customer orders, and every
    change owed to the partners through the outbox. Returns the producer orders changed.
    """
    from sessions_app.models import SaleSession

    session = SaleSession.objects.select_for_update().get(pk=session_id)
    if session.state == SaleSession.State.CLOSED:
        raise ConsolidationSwitchRefused(
            gettext("Sales session “%(session)s” is closed: its producer orders are final.")
            % {"session": session.name}
        )
    if session.consolidate_per_producer != consolidate:
        session.consolidate_per_producer = consolidate
        session.save(update_fields=["consolidate_per_producer", "updated_at"])
    changed = producer_orders_refresh(session_id=session_id)
    logger.info(
        "session %s: consolidation set to %s by %s (%s producer orders changed)",
        session_id,
        consolidate,
        actor.label,
        len(changed),
    )
    return changed


@transaction.atomic
def enterprise_consolidation_set(
    *, enterprise_id: int, value: bool | None, actor: Actor
) -> list[int]:
    """Set a trader's default (`value` yes or no) or a producer's wish (yes, no, or None: no
    wish) and bring the producer orders of every open session it touches in line, in one
    transaction: obsolete ones cancelled (here and, through the outbox, at the partner), new
    ones created. The enterprise row is locked; closed sessions keep their final orders.
    Returns the producer orders changed."""
    from orders.selectors import consolidation_affected_sessions
    from platforms.models import Enterprise

    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise_id)
    if enterprise.is_trader:
        if value is None:
            raise ConsolidationSwitchRefused(gettext("A trader's default is yes or no."))
        enterprise.consolidate_per_producer = value
        enterprise.save(update_fields=["consolidate_per_producer"])
    else:
        enterprise.producer_consolidation = value
        enterprise.save(update_fields=["producer_consolidation"])
    changed = []
    for session_id in consolidation_affected_sessions(enterprise=enterprise).values_list(
        "pk", flat=True
    ):
        changed += producer_orders_refresh(session_id=session_id)
    logger.info(
        "enterprise %s: consolidation set to %s by %s (%s producer orders changed)",
        enterprise_id,
        value,
        actor.label,
        len(changed),
    )
    return changed
