"""Who may use the ops API: the token when one is set, loopback clients only when none is."""

from __future__ import annotations

import pytest
from fastapi import HTTPException
from starlette.requests import Request

from scraper.errors import ConfigError
from scraper.service.web import COOKIE, Access, OpsServer, is_loopback, session_value, web_href
from scraper.settings import load_settings


def request(client: str, headers: dict[str, str] | None = None) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    return Request({"type": "http", "method": "GET", "path": "/api/sources", "headers": raw,
                    "client": (client, 40000), "query_string": b""})


def test_without_a_token_only_loopback_clients_get_in():
    access = Access(None)
    assert access.allowed(request("127.0.0.1")) and access.allowed(request("::1"))
    with pytest.raises(HTTPException) as refused:
        access.api(request("10.1.2.3"))
    assert refused.value.status_code == 403


def test_with_a_token_the_header_or_the_session_cookie_is_needed_from_anywhere():
    access = Access("t0ken")
    assert access.allowed(request("10.1.2.3", {"Authorization": "Bearer t0ken"}))
    assert access.allowed(request("10.1.2.3", {"Cookie": f"{COOKIE}={session_value('t0ken')}"}))
    for headers in ({}, {"Authorization": "Bearer t0ke"}, {"Authorization": "Basic t0ken"},
                    {"Cookie": f"{COOKIE}={session_value('other')}"}):
        with pytest.raises(HTTPException) as refused:
            access.api(request("127.0.0.1", headers))
        assert refused.value.status_code == 401


def test_the_server_will_not_listen_beyond_loopback_without_a_token():
    settings = load_settings({"host": "0.0.0.0", "port": 0}, env_file=None)
    if settings.api_token:
        pytest.fail("SCRAPER_API_TOKEN is set in the test environment")
    with pytest.raises(ConfigError, match="without SCRAPER_API_TOKEN"):
        OpsServer(settings)
    assert not is_loopback("0.0.0.0") and is_loopback("localhost") and is_loopback("127.0.0.2")


def test_only_web_addresses_become_links():
    assert web_href("https://example.com/a") == "https://example.com/a"
    assert web_href("javascript:alert(1)") == web_href("data:text/html,x") == web_href(None) == "#"
