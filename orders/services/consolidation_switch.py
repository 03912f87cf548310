"""Switching a session's producer orders between one per producer and one per customer order.

The switch is the session's override of the consolidation option
(orders.selectors.consolidation_resolve). Producer orders it makes obsolete are cancelled —
here and, through the outbox, at the partner (DFC Cancelled) — never emptied; the refresh
creates the new ones. The admin shows the effect first (orders.selectors
.consolidation_switch_preview).
"""

import logging

from django.db import transaction

from config.actors import Actor
from orders.exceptions import ConsolidationSwitchRefused
from orders.services.producer_orders import producer_orders_refresh

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
            f"Sales session {session.name!r} is closed: its producer orders are final."
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
