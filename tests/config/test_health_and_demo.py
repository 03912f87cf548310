from decimal import Decimal

import pytest
from django.core.management import call_command

from orders.models import Order
from platforms.models import Enterprise, Platform


def test_healthz_answers_without_the_database(client, django_db_blocker):
    # Liveness: no query at all (the test database is blocked here).
    response = client.get("/healthz", HTTP_HOST="10.0.0.7")  # a load balancer probes by IP
    assert response.status_code == 200
    assert response.json() == {"status": "up"}


@pytest.mark.django_db
def test_demo_data_loads_once_with_orders_in_several_statuses(capsys):
    call_command("demo_data")
    call_command("demo_data")

    assert Platform.objects.count() == 3
    assert Enterprise.objects.filter(kind="producer").values("platform").distinct().count() == 3
    statuses = set(Order.objects.exclude(status="Q").values_list("status", flat=True))
    assert statuses == {"P", "I", "A", "C", "R", "X"}
    assert "password: larder-demo" in capsys.readouterr().out


@pytest.mark.django_db
def test_demo_orders_went_through_checkout_pricing_and_producer_orders():
    from discounts.models import CouponRedemption
    from inventory.models import Reservation
    from orders.models import OrderItem, ProducerOrder

    call_command("demo_data")

    # Local stock was reserved at checkout; remote producers publish none: flagged lines.
    assert Reservation.objects.exists()
    assert OrderItem.objects.filter(inventory_unknown=True).exists()
    # Mary's order is over 100 EUR: the 5% order discount and the bulk line discount apply.
    mary = Order.objects.get(customer__name="Mary Somerville", status="C")
    assert mary.total_adjustment < 0
    assert mary.total_product > 100
    # Grace used the welcome coupon.
    assert CouponRedemption.objects.filter(order__customer__name="Grace Hopper").exists()
    # One producer order per producer with live orders in the session.
    assert ProducerOrder.objects.count() == 4
    # The wholesale pair: 7 × "Beef mince 500 g" (3.5 kg) ordered as one 10 kg case, at the
    # case price less its catalogue discount, 6.5 kg surplus.
    (line,) = ProducerOrder.objects.get(producer__name="Moorland Meats").lines.filter(
        product__name="Beef mince 10 kg case"
    )
    assert (line.quantity, line.unit_price, line.discount, line.surplus_kg) == (
        Decimal("1"),
        Decimal("118.00"),
        Decimal("5.00"),
        Decimal("6.500"),
    )


@pytest.mark.django_db
def test_demo_data_has_a_quick_order_profile_and_the_back_office_users(capsys):
    from platforms.models import Membership

    call_command("demo_data")

    assert Order.objects.filter(status="Q", customer__name="Ada Lovelace").exists()
    assert set(Membership.objects.values_list("user__username", "role")) == {
        ("service", "customer_service"),
        ("producer", "producer_staff"),
    }
    out = capsys.readouterr().out
    assert "user: service  password: larder-demo" in out
    assert "user: producer  password: larder-demo" in out
