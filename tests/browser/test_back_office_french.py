"""The back office for a French-speaking agent, in a real browser at 1366 × 768: chromium asks
for French (Accept-Language fr-FR) and LocaleMiddleware answers in French — model names,
status and payment badges, field names and help, the order's actions and their messages —
and the longer French words still fit the window. Screenshots go to test-artifacts/."""

import pytest

from config.actors import Actor
from orders.services.actions import order_action_run
from platforms.models import Role
from tests.browser.test_back_office import _login, _member, chromium  # noqa: F401
from tests.browser.test_back_office_day import _fits, window_page
from tests.factories import SaleSessionFactory
from tests.inventory.factories import customer_of, offer_with_stock, placed_with

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(180),
    pytest.mark.integration,
]


@pytest.fixture
def page(chromium):  # noqa: F811
    yield from window_page(chromium, locale="fr-FR")  # Accept-Language: fr-FR


@pytest.fixture
def orders(django_user_model):
    """A paid order, and one shipped with its payment captured (so it may be refunded)."""
    session = SaleSessionFactory(name="Marché du samedi")
    bread = offer_with_stock(session, on_hand="40", product__name="Pain au levain")
    paid = placed_with(session, [(bread, "3")], customer=customer_of(session, name="Ada"))
    shipped = placed_with(session, [(bread, "2")])
    system = Actor.system("test")
    for action in ("release", "ship"):  # shipping captures the card payment
        order_action_run(order_id=shipped.pk, action=action, actor=system)
    _member(django_user_model, "agente", session.trader, Role.CUSTOMER_SERVICE)
    return {"paid": paid, "shipped": shipped}


def test_a_french_agent_reads_the_order_list_and_page_in_french(page, live_server, orders):
    paid = orders["paid"]
    _login(page, live_server, "agente")
    page.goto(f"{live_server.url}/admin/orders/order/")
    assert page.inner_text("#content h1") == "Sélectionnez l’objet commande à changer"
    assert "Commandes" in page.inner_text("nav[aria-label='Breadcrumbs'], .breadcrumbs")
    listing = page.text_content("#result_list")  # as written, not as styled (upper case)
    for words in ("Statut", "Paiement", "Passée le", "Payée — prête à préparer", "Expédiée"):
        assert words in listing, words
    assert "Par statut" in page.inner_text("#changelist-filter")
    _fits(page, "fr-order-list")

    page.goto(f"{live_server.url}/admin/orders/order/{paid.pk}/change/")
    summary = page.inner_text("#order-summary")
    assert f"Commande {paid.number}" in summary
    assert "Payée — prête à préparer" in summary
    assert "Payée (autorisé)" in summary
    assert "Réservé" in page.inner_text("#order-items")
    assert "Article ajouté" in page.inner_text("#order-history")
    _fits(page, "fr-order-page")
    page.click("#order-actions button:has-text('Lancer la préparation')")
    page.wait_for_selector(f"text=Commande {paid.number} : Préparation lancée")
    assert "En préparation" in page.inner_text("#order-summary")


def test_the_refund_amount_is_labelled_in_french_and_styled_from_the_apps_css(
    page, live_server, orders
):
    _login(page, live_server, "agente")
    page.goto(f"{live_server.url}/admin/orders/order/{orders['shipped'].pk}/change/")
    amount = page.locator("input[name=amount]")
    assert amount.get_attribute("aria-label") == "Montant à rembourser"
    assert page.locator("input[name=reason]").get_attribute("aria-label") == (
        "Motif pour rembourser"
    )
    # orders/static/orders/order_page.css, not an inline style: 7em wide.
    assert amount.get_attribute("style") is None
    width, font = amount.evaluate(
        "e => [parseFloat(getComputedStyle(e).width), parseFloat(getComputedStyle(e).fontSize)]"
    )
    assert width == pytest.approx(7 * font, abs=1)
    _fits(page, "fr-order-refund")
