"""The work owed after commits has an admin page: what waits, how often it failed and why,
and "Run the selected work again now" (config.work.work_requests_retry)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from config.models import WorkRequest

pytestmark = pytest.mark.django_db


def _failed_request() -> WorkRequest:
    return WorkRequest.objects.create(
        kind=WorkRequest.Kind.BACKORDERS_ALLOCATE,
        params={"product_ids": []},
        next_attempt_at=timezone.now() + timedelta(hours=1),
        attempts=3,
        last_error="OperationalError: the database went away",
    )


def test_the_admin_lists_failing_work_with_its_error(client, staff_user):
    request = _failed_request()
    client.force_login(staff_user)

    response = client.get("/admin/config/workrequest/?state=failing")

    assert response.status_code == 200
    body = response.content.decode()
    assert "allocate backorders" in body
    assert "the database went away" in body
    assert f"/admin/config/workrequest/{request.pk}/change/" in body


def test_run_again_now_queues_it_and_the_worker_does_it(
    client, staff_user, django_capture_on_commit_callbacks
):
    request = _failed_request()
    client.force_login(staff_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/config/workrequest/",
            {"action": "run_again_now", "_selected_action": [request.pk]},
            follow=True,
        )

    assert "1 piece of work queued again." in response.content.decode()
    assert not WorkRequest.objects.exists()  # the (eager) task did it and deleted the row


def test_a_request_a_worker_holds_is_left_to_it(client, staff_user):
    request = _failed_request()
    WorkRequest.objects.filter(pk=request.pk).update(
        locked_until=timezone.now() + timedelta(minutes=5)
    )
    client.force_login(staff_user)

    response = client.post(
        "/admin/config/workrequest/",
        {"action": "run_again_now", "_selected_action": [request.pk]},
        follow=True,
    )

    assert "0 pieces of work queued again." in response.content.decode()
    assert WorkRequest.objects.get(pk=request.pk).attempts == 3


def test_staff_without_the_permission_see_no_work_page(client, django_user_model):
    user = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    client.force_login(user)

    assert client.get("/admin/config/workrequest/").status_code == 403
