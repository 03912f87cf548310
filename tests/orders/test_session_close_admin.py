"""Closing a session from the admin: confirmation, the same service as beat, a streamed
progress bar and a report; the state is not editable by hand; a session left closed but
unfinalised is finished by `close_session` and by beat."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from config.actors import Actor
from orders.models import ProducerOrder
from orders.services.session_close import session_close, sessions_close_due
from sessions_app.models import SaleSession
from tests.factories import OrderFactory, OrderItemFactory, ProductFactory, SaleSessionFactory


def _session_with_orders(**fields):
    from orders.producer_orders.services import producer_orders_refresh

    session = SaleSessionFactory(**fields)
    for quantity in ("2", "3"):
        order = OrderFactory(trader=session.trader, sales_session=session, status="C")
        OrderItemFactory(order=order, product=ProductFactory(), quantity=Decimal(quantity))
    producer_orders_refresh(session_id=session.pk)
    return session


@pytest.mark.django_db(transaction=True)
def test_close_session_now_confirms_then_streams_progress_and_reports(client, staff_user):
    session = _session_with_orders(name="Friday market")
    client.force_login(staff_user)
    url = f"/admin/sessions_app/salesession/{session.pk}/close/"

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "completes its 2 producer order(s) from its 2 live customer order(s)" in (
        confirm.content.decode()
    )
    assert SaleSession.objects.get(pk=session.pk).state == "open"  # a GET changes nothing

    response = client.post(url)
    body = b"".join(response.streaming_content).decode()

    assert "closeProgress(1, 3, " in body
    assert "closeProgress(3, 3, " in body
    assert "Closed Friday market: 2 producer orders completed, 0 deliveries queued." in body
    assert SaleSession.objects.get(pk=session.pk).state == "closed"
    assert set(ProducerOrder.objects.values_list("order_state", flat=True)) == {"Complete"}
    again = b"".join(client.post(url).streaming_content).decode()
    assert "Friday market was already closed: nothing to do." in again


@pytest.mark.django_db
def test_the_session_state_is_not_editable_by_hand(client, staff_user):
    session = SaleSessionFactory()
    client.force_login(staff_user)

    page = client.get(f"/admin/sessions_app/salesession/{session.pk}/change/").content.decode()

    assert 'name="state"' not in page
    assert "Close session now" in page


@pytest.mark.django_db
def test_a_session_left_closed_but_unfinalised_is_finished_by_the_command_and_beat(capsys):
    stuck = _session_with_orders()
    SaleSession.objects.filter(pk=stuck.pk).update(state="closed")  # closed by hand, long ago
    beat_stuck = _session_with_orders()
    SaleSession.objects.filter(pk=beat_stuck.pk).update(state="closed")

    call_command("close_session", str(stuck.pk))

    assert "Finished" in capsys.readouterr().out
    assert set(
        ProducerOrder.objects.filter(sales_session=stuck).values_list("order_state", flat=True)
    ) == {"Complete"}
    assert sessions_close_due(actor=Actor.system("beat")) == [beat_stuck.pk]
    assert session_close(session_id=beat_stuck.pk, actor=Actor.system("again")) is None
