"""Versions as entity tags: an order's `version` is its ETag, and a partner's If-Match names the
versions it read. The check runs in services, with the row locked, so the check and the change are
one step; the API layer only reads the header
(platforms.partner_api.apis.base.if_match_versions)."""

from platforms.exceptions import PreconditionFailed


def etag(version: int) -> str:
    return f'"{version}"'


def check_version(*, expected: frozenset[int] | None, current: int) -> None:
    """Called by services with the row locked, so the check and the change are one step."""
    if expected is not None and current not in expected:
        sent = ", ".join(etag(version) for version in sorted(expected))
        raise PreconditionFailed(
            (
                f"You sent If-Match {sent}; the current version is {etag(current)}."
                if sent
                else "Your If-Match names no version of this resource (a weak or malformed tag "
                f"never matches); the current version is {etag(current)}."
            ),
            extra={"current_etag": etag(current)},
        )
