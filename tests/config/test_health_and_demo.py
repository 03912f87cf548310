import pytest
from django.core.management import call_command

from orders.models import Order
from platforms.models import Enterprise, Platform


@pytest.mark.django_db
def test_healthz_reports_database_and_broker_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "up"
    assert body["database"]["status"] == "up"
    assert body["broker"]["status"] == "up"


@pytest.mark.django_db
def test_demo_data_loads_once_with_orders_in_several_statuses(capsys):
    call_command("demo_data")
    call_command("demo_data")

    assert Platform.objects.count() == 3
    assert Enterprise.objects.filter(kind="producer").values("platform").distinct().count() == 3
    statuses = set(Order.objects.values_list("status", flat=True))
    assert {"P", "I", "M", "C", "R", "X"} <= statuses
    assert "password: larder-demo" in capsys.readouterr().out
