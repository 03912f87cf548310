"""The production entrypoint (bin/web: gunicorn, production settings, DEBUG off) serves the
admin's and the API docs page's static files, and logs one JSON line per request."""

import json
import re

import pytest
import requests
from django.db import connection

from tests.support.database import database_url
from tests.support.production import (
    entrypoint,
    free_port,
    production_env,
    wait_ready,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def web(production_static, tmp_path_factory, django_db_setup):
    from config.celery import app

    env = production_env(
        database_url=database_url(connection.settings_dict["NAME"]),
        broker_url=app.conf.broker_url,
        static_root=production_static,
        WEB_CONCURRENCY="2",
    )
    port = free_port()
    log = tmp_path_factory.mktemp("web") / "web.log"
    with entrypoint("web", "--bind", f"127.0.0.1:{port}", env=env, log=log) as process:
        url = f"http://127.0.0.1:{port}"
        wait_ready(url, process)
        yield url, process


def _assets(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html)


def test_admin_and_api_docs_static_files_load_with_debug_off(web):
    url, _ = web
    expected_types = {"css": "text/css", "js": "text/javascript"}
    for page in ("/admin/login/", "/api/docs/"):
        response = requests.get(url + page, timeout=10)
        assert response.status_code == 200, page
        assets = _assets(response.text)
        assert len(assets) >= 2, (page, response.text[:500])
        for asset in assets:
            # collectstatic's content-hashed names, served compressed and cached for a year.
            assert re.search(r"\.[0-9a-f]{12}\.(css|js)$", asset), asset
            static = requests.get(url + asset, headers={"Accept-Encoding": "br, gzip"}, timeout=10)
            assert static.status_code == 200, asset
            assert (
                static.headers["Content-Type"].split(";")[0]
                == (expected_types[asset.rsplit(".", 1)[1]])
            ), asset
            assert static.headers["Content-Encoding"] in ("br", "gzip"), asset
            assert "immutable" in static.headers["Cache-Control"], asset


def test_one_quiet_json_line_per_request(web):
    url, process = web
    logged_before = len(process.lines())
    session = requests.Session()
    assert session.get(url + "/favicon.ico", timeout=10).status_code == 200
    assert session.get(url + "/api/storefront/carts/1/", timeout=10).status_code == 403
    assert session.get(url + "/no-such-page", timeout=10).status_code == 404
    assert session.get(url + "/healthz", timeout=10).status_code == 200

    lines = [json.loads(line) for line in process.lines()[logged_before:]]  # all JSON
    requests_logged = [line for line in lines if line["event"] == "request_finished"]
    assert [(line["request"], line["code"], line["level"]) for line in requests_logged] == [
        ("GET /api/storefront/carts/1/", 403, "warning"),
        ("GET /no-such-page", 404, "warning"),
    ]
    assert all(len(line["request_id"]) == 36 for line in requests_logged)
    # Said once: no Django "Forbidden"/"Not Found" lines, no traceback, no favicon, no probe.
    assert [line["event"] for line in lines if line["logger"].startswith("django")] == [
        "request_finished",
        "request_finished",
    ]
    assert not [line for line in lines if "exception" in line or "Traceback" in line["event"]]
