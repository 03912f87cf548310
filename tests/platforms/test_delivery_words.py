from datetime import UTC, datetime

from django.test import override_settings

from platforms.outbox.delivery_words import delivery_explanation, delivery_is_failing


@override_settings(TIME_ZONE="UTC")
def test_a_refused_connection_reads_as_did_not_answer_with_the_next_retry_time():
    text = delivery_explanation(
        platform_name="Open Food Network",
        state="pending",
        attempts=7,
        last_error="URLError: [Errno 111] Connection refused",
        next_attempt_at=datetime(2026, 11, 29, 14, 5, tzinfo=UTC),
    )
    assert text == "Open Food Network did not answer; retrying at 14:05 (7 attempts so far)."
    assert "URLError" not in text


def test_a_dead_letter_says_the_partner_refused_and_larder_stopped():
    text = delivery_explanation(
        platform_name="Shopify + FDC",
        state="dead",
        attempts=1,
        last_error="HTTP 422",
        next_attempt_at=None,
    )
    assert (
        text
        == "Shopify + FDC refused the order (HTTP 422); Larder stopped retrying after 1 attempts."
    )


def test_any_failed_attempt_is_failing_not_only_dead_letters():
    assert delivery_is_failing(state="pending", attempts=1, last_error="HTTP 503")
    assert delivery_is_failing(state="dead", attempts=3, last_error="HTTP 404")
    assert not delivery_is_failing(state="pending", attempts=0, last_error="")
    assert not delivery_is_failing(state="delivered", attempts=2, last_error="")
