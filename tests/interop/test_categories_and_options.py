"""Customer categories and fulfilment centres as DFC publishes them, read back by the official
TypeScript connector (categories_and_options.mjs): an offer made to a customer category is an
Offer at the category's price `offeredTo` its `CustomerCategory`; a category refused the offer
gets none; the session's pickup points and delivery zones are its `PickupOption` /
`DeliveryOption` (one per opening window, `optionOf` the session) at a `PhysicalPlace` with its
Address, with the fee when it does not depend on the cart."""

import pytest

from tests.interop.conftest import node_or_skip, run_node_script

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


@pytest.mark.django_db(transaction=True)
def test_the_connector_reads_customer_categories_and_shipping_options(
    larder, contracts, partner_token
):
    node = node_or_skip()
    producer, offers, session, windows = contracts
    enterprise = f"{larder}/api/dfc/Enterprises/{producer.slug}"
    categories = f"{enterprise}/CustomerCategories"
    beans, fava, peas = (offers[n] for n in ("Baked beans 400 g", "Fava beans 500 g", "Split peas"))

    result = run_node_script(
        node, "categories_and_options.mjs", LARDER_ENTERPRISE=enterprise, LARDER_TOKEN=partner_token
    )

    # Every offer, and each category's: members' beans at 1.89, staff's peas at the offer's
    # own price; staff refused fava beans, so no offer of fava is made to them.
    members = {"id": f"{categories}/members", "name": "Members", "description": "Co-op members"}
    staff = {"id": f"{categories}/staff", "name": "Staff", "description": ""}
    read = {
        entry["offer"]: (entry["product"], entry["price"], entry["stock"], entry["category"])
        for entry in result["offers"]
    }
    offer = f"{enterprise}/Offers"
    assert read == {
        f"{offer}/{beans.pk}": ("Baked beans 400 g", 2.09, 20, None),
        f"{offer}/{beans.pk}/CustomerCategories/members": ("Baked beans 400 g", 1.89, 20, members),
        f"{offer}/{fava.pk}": ("Fava beans 500 g", 3.5, 12, None),
        f"{offer}/{peas.pk}": ("Split peas", 4, 30, None),
        f"{offer}/{peas.pk}/CustomerCategories/staff": ("Split peas", 4, 30, staff),
    }

    # The session lists them all, and its options: the pickup point twice (one per window)
    # with its flat fee, the delivery zone without a fee (a scale prices it per cart); the
    # inactive centre not at all.
    session_id = f"{enterprise}/SaleSessions/{session.pk}"
    assert result["sessions"] == [{"id": session_id, "offers": sorted(read)}]
    hall = {
        "id": f"{enterprise}/PhysicalPlaces/market-hall",
        "isPhysicalPlace": True,
        "name": "Market hall",
        "street": "1 Corn Street",
        "postcode": "BS1 1HT",
        "city": "Bristol",
    }
    vans = {
        "id": f"{enterprise}/PhysicalPlaces/bs-vans",
        "isPhysicalPlace": True,
        "name": "Bristol vans",
        "street": "4 Depot Road",
        "postcode": "BS2 0XX",
        "city": "Bristol",
    }
    expected = [
        ("PickupOption", "Market hall", windows[0], 1.5, None, hall),
        ("PickupOption", "Market hall", windows[1], 1.5, None, hall),
        ("DeliveryOption", "Bristol vans", windows[2], None, "postcodes starting BS1, BS2", vans),
    ]
    assert result["options"] == sorted(
        (
            {
                "id": f"{session_id}/ShippingOptions/{window.pk}",
                "kind": kind,
                "name": name,
                "begins": window.opens_at.isoformat(),
                "ends": window.closes_at.isoformat(),
                "fee": fee,
                "constraint": constraint,
                "session": session_id,
                "place": place,
            }
            for kind, name, window, fee, constraint, place in expected
        ),
        key=lambda option: option["id"],
    )
