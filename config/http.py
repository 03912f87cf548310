"""Larder's one HTTP client for every outbound call: partners' APIs (the outbox), their token
endpoints (client credentials) and their catalogues (the stock mirror). httpx underneath
(docs/adr/0006-httpx-the-one-outbound-client.md).

What every call gets here, so no caller writes it again:
- a timeout (the caller's, in seconds, for connecting and for each read);
- Larder's User-Agent, unless the caller names its own;
- redirects followed for GET only (a POST or PUT is never sent again somewhere else);
- any HTTP status is an answer (`OutboundAnswer`), the caller decides what it means;
- no answer at all (refused, timed out, reset, a malformed URL or a scheme other than http(s))
  is `OutboundUnreachable`, whose text names the cause ("ConnectError: [Errno 111] Connection
  refused"), as the delivery attempts record it.

One client per call, as each call is short and rare enough: no connection is shared between
threads or across a worker's fork. Nothing here touches the database.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from config.exceptions import OutboundUnreachable

USER_AGENT = "Larder/1"
DEFAULT_TIMEOUT_SECONDS = 15.0


@dataclass(frozen=True)
class OutboundAnswer:
    """What the other side answered: its status, body and headers (names case-insensitive)."""

    status: int
    content: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    encoding: str = "utf-8"

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        """The body as JSON (ValueError when it is not)."""
        return json.loads(self.content.decode(self.encoding))

    def json_object(self) -> dict | None:
        """The body when it is a JSON object, else None (empty, not JSON, or a list)."""
        try:
            value = self.json() if self.content else None
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def retry_after_seconds(self) -> int | None:
        """Retry-After in seconds (RFC 9110 10.2.3), when given as a number."""
        value = self.headers.get("Retry-After")
        try:
            return int(value) if value is not None else None
        except ValueError:
            return None


def http_request(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    content: bytes | None = None,
    form: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> OutboundAnswer:
    """Send one request and return the answer, whatever its status. `content` is the raw body,
    `form` a urlencoded one. Raises OutboundUnreachable when no answer came."""
    sent_headers = {"User-Agent": USER_AGENT, **(headers or {})}
    try:
        with httpx.Client(timeout=timeout, follow_redirects=method == "GET") as client:
            response = client.request(method, url, headers=sent_headers, content=content, data=form)
    except (httpx.TransportError, httpx.InvalidURL) as error:
        raise OutboundUnreachable(f"{error.__class__.__name__}: {error}") from error
    return OutboundAnswer(
        status=response.status_code,
        content=response.content,
        headers=response.headers,
        encoding=response.encoding or "utf-8",
    )
