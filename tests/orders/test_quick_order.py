from decimal import Decimal

import pytest
from django.urls import reverse

from orders.exceptions import AddressNotTheCustomers, UnknownPaymentMethod
from orders.models import Order, QuickOrderProfile
from orders.services.checkout import cart_create, cart_item_add
from orders.services.quick_order import quick_order_profile_save
from tests.factories import AddressFactory, SaleSessionFactory, ShippingModeFactory
from tests.inventory.factories import customer_of, offer_with_stock

pytestmark = pytest.mark.django_db


def test_a_new_cart_takes_the_customers_quick_order_defaults(system_actor):
    session = SaleSessionFactory()
    customer = customer_of(session)
    home, mode = AddressFactory(customer=customer), ShippingModeFactory()
    profile = quick_order_profile_save(
        customer=customer,
        payment_method="invoice",
        shipping_mode=mode,
        billing_address=home,
        shipping_address=home,
        actor=system_actor,
    )
    assert profile.status == "Q"

    cart = cart_create(session_id=session.pk, customer=customer, actor=system_actor)
    item = cart_item_add(
        order_id=cart.pk,
        offer_id=offer_with_stock(session).pk,
        quantity=Decimal("1"),
        actor=system_actor,
    )

    cart.refresh_from_db()
    assert (cart.status, cart.payment_method, cart.shipping_mode, cart.billing_address) == (
        "P",
        "invoice",
        mode,
        home,
    )
    assert (item.shipping_address, item.shipping_mode) == (home, mode)
    assert cart.sub_orders.get().shipping_address == home


def test_one_profile_per_customer_saved_again_in_place(system_actor):
    customer = customer_of(SaleSessionFactory())
    first = quick_order_profile_save(customer=customer, payment_method="pickup", actor=system_actor)
    again = quick_order_profile_save(
        customer=customer, payment_method="invoice", actor=system_actor
    )
    assert first.pk == again.pk
    assert QuickOrderProfile.objects.get().payment_method == "invoice"


def test_foreign_addresses_and_unknown_methods_are_refused(system_actor):
    customer = customer_of(SaleSessionFactory())
    with pytest.raises(AddressNotTheCustomers):
        quick_order_profile_save(
            customer=customer, billing_address=AddressFactory(), actor=system_actor
        )
    with pytest.raises(UnknownPaymentMethod):
        quick_order_profile_save(customer=customer, payment_method="bitcoin", actor=system_actor)
    assert not Order.objects.filter(status="Q").exists()


def test_profiles_are_managed_in_the_admin_and_not_listed_as_orders(
    client, staff_user, system_actor
):
    customer = customer_of(SaleSessionFactory(), name="Grace Hopper")
    client.force_login(staff_user)
    response = client.post(
        reverse("admin:orders_quickorderprofile_add"),
        {"customer": customer.pk, "payment_method": "pickup"},
    )
    assert response.status_code == 302
    profile = QuickOrderProfile.objects.get()
    assert (profile.customer, profile.payment_method, profile.status) == (customer, "pickup", "Q")
    listing = client.get(reverse("admin:orders_quickorderprofile_changelist")).content.decode()
    assert "Grace Hopper" in listing
    orders = client.get(reverse("admin:orders_order_changelist")).content.decode()
    assert f">{profile.number}<" not in orders
