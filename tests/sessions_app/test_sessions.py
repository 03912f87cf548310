from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory.selectors import offer_available
from sessions_app.exceptions import SessionNotOpenable
from sessions_app.selectors import session_offers_qs
from sessions_app.services import session_open
from tests.factories import OfferFactory, SaleSessionFactory
from tests.inventory.factories import StockFactory

pytestmark = pytest.mark.django_db


def test_a_session_takes_orders_only_while_open_begun_and_not_ended():
    now = timezone.now()
    session = SaleSessionFactory(
        begins_at=now + timedelta(hours=1), ends_at=now + timedelta(days=1)
    )
    assert not session.accepts_orders(now)
    assert session.accepts_orders(now + timedelta(hours=2))
    assert not session.accepts_orders(now + timedelta(days=1))  # the end is exclusive
    session.state = "closed"
    assert not session.accepts_orders(now + timedelta(hours=2))


def test_opening_a_draft_session(system_actor):
    draft = SaleSessionFactory(state="draft")
    assert session_open(session_id=draft.pk, actor=system_actor).state == "open"

    ended = SaleSessionFactory(
        state="draft",
        begins_at=timezone.now() - timedelta(days=3),
        ends_at=timezone.now() - timedelta(days=1),
    )
    closed = SaleSessionFactory(state="closed")
    for session in (ended, closed):
        with pytest.raises(SessionNotOpenable):
            session_open(session_id=session.pk, actor=system_actor)
        session.refresh_from_db()
        assert session.state in ("draft", "closed")


def test_offers_list_what_is_still_available_in_one_query(django_assert_num_queries):
    session = SaleSessionFactory()
    limited = OfferFactory(session=session, stock_limitation=Decimal("4"))
    StockFactory(product=limited.product, on_hand=Decimal("9"))
    stocked = OfferFactory(session=session)
    StockFactory(product=stocked.product, on_hand=Decimal("2"))
    unknown = OfferFactory(session=session)

    with django_assert_num_queries(1):
        available = {o.pk: offer_available(o) for o in session_offers_qs(session_id=session.pk)}

    assert available == {limited.pk: Decimal("4"), stocked.pk: Decimal("2"), unknown.pk: None}
