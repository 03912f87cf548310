"""A customer notice is owed in the service's transaction and sent after commit by a worker,
through the notifier LARDER_CUSTOMER_NOTIFIER names (orders/services/notices.py)."""

import pytest

from config.models import WorkRequest
from orders.services.notices import customer_notice
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db
SENT: list[dict] = []


def record(**notice) -> None:
    """The notifier these tests configure: it keeps what it was asked to send."""
    SENT.append(notice)


def refuse(**notice) -> None:
    raise ValueError(f"the mail server refused {notice['notice']}")


@pytest.fixture(autouse=True)
def _sent():
    SENT.clear()


def test_a_notice_is_owed_with_the_change_and_sent_after_commit(
    settings, system_actor, django_capture_on_commit_callbacks
):
    settings.LARDER_CUSTOMER_NOTIFIER = "tests.orders.test_notices.record"
    order = OrderFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        customer_notice(order=order, actor=system_actor, notice="approval_denied", message="No")
    owed = {"order_id": order.pk, "notice": "approval_denied", "message": "No"}
    assert WorkRequest.objects.get().params == owed
    assert SENT == []  # nothing before the commit

    for callback in callbacks:
        callback()
    assert SENT == [owed]
    assert not WorkRequest.objects.exists()


def test_a_failing_notifier_keeps_the_notice_to_try_again(
    settings, system_actor, django_capture_on_commit_callbacks
):
    settings.LARDER_CUSTOMER_NOTIFIER = "tests.orders.test_notices.refuse"
    order = OrderFactory()
    with (
        pytest.raises(ValueError, match="refused approval_denied"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        customer_notice(order=order, actor=system_actor, notice="approval_denied", message="No")
    request = WorkRequest.objects.get()
    assert (request.kind, request.attempts, request.locked_until) == ("customer_notice", 1, None)
    assert request.last_error == "ValueError: the mail server refused approval_denied"


def test_without_a_notifier_the_event_is_the_only_record(settings, system_actor):
    settings.LARDER_CUSTOMER_NOTIFIER = ""
    order = OrderFactory()
    customer_notice(order=order, actor=system_actor, notice="approval_denied", message="No")
    assert not WorkRequest.objects.exists()
    assert order.events.get(kind="customer_notice").data == {
        "notice": "approval_denied",
        "message": "No",
    }
