"""The one outbound HTTP client (config/http.py) against a real loopback server."""

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from config.exceptions import OutboundUnreachable
from config.http import USER_AGENT, http_request


class _Handler(BaseHTTPRequestHandler):
    seen: list[dict] = []

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        type(self).seen.append({"path": self.path, "headers": dict(self.headers), "body": body})
        if self.path == "/slow":
            time.sleep(2)
        if self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/ok")
            self.end_headers()
            return
        status = 503 if self.path == "/busy" else 200
        payload = b'{"ok": true}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Retry-After", "7")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Handler.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_any_status_is_an_answer_with_larder_s_user_agent(server):
    answer = http_request("PUT", f"{server}/busy", content=b'{"a":1}', headers={"X-Id": "9"})

    assert (answer.status, answer.ok, answer.json_object()) == (503, False, {"ok": True})
    assert answer.retry_after_seconds() == 7
    seen = _Handler.seen[0]
    assert (seen["headers"]["User-Agent"], seen["headers"]["X-Id"]) == (USER_AGENT, "9")
    assert seen["body"] == b'{"a":1}'


def test_a_form_is_urlencoded_and_only_get_follows_redirects(server):
    http_request("POST", f"{server}/ok", form={"grant_type": "client_credentials"})
    assert _Handler.seen[0]["body"] == b"grant_type=client_credentials"
    assert "x-www-form-urlencoded" in _Handler.seen[0]["headers"]["Content-Type"]

    assert http_request("GET", f"{server}/moved").status == 200
    assert http_request("POST", f"{server}/moved", content=b"x").status == 302


def test_no_answer_is_outbound_unreachable_naming_the_cause(server):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed_port = unused.getsockname()[1]
    with pytest.raises(OutboundUnreachable, match=r"^ConnectError: "):
        http_request("GET", f"http://127.0.0.1:{closed_port}/")
    with pytest.raises(OutboundUnreachable, match=r"^ReadTimeout: "):
        http_request("GET", f"{server}/slow", timeout=0.3)
    with pytest.raises(OutboundUnreachable, match=r"^UnsupportedProtocol: "):
        http_request("GET", "file:///etc/passwd")
