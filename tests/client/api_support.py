"""Constants, helpers and fixtures for the tests of the ``api`` layer: an ``ApiClient`` over a respx
router (no network), sample answers of the backend (``api_samples.json``) and problem+json answers.
Test modules import the fixtures they use by name."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
import respx

from zheliban_tui.api import ApiClient, Tokens, make_http_client

BASE = "http://zlb.test"
API = BASE + "/api/v1"
SANDBOX = "qa-1"
SAMPLES = json.loads((Path(__file__).with_name("api_samples.json")).read_text(encoding="utf-8"))

OLD = Tokens(access_token="at1.OLD-ACCESS", refresh_token="rt1.OLD-REFRESH", citizen_id="C0001",
             access_expires_at=datetime(2026, 6, 15, 9, 30, tzinfo=timezone.utc),
             refresh_expires_at=datetime(2026, 6, 15, 21, 0, tzinfo=timezone(timedelta(hours=8))))
NEW_PAIR = {**SAMPLES["token_pair"], "access_token": "at1.NEW-ACCESS", "refresh_token": "rt1.NEW-REFRESH"}


def sample(name: str):
    """A fresh copy of a sample answer (tests may change it)."""
    return json.loads(json.dumps(SAMPLES[name]))


def problem(status: int, code: str, detail: str = "", headers: dict | None = None, **extra) -> httpx.Response:
    body = {"type": f"urn:zheliban:problem:{code.lower().replace('_', '-')}", "title": code.title(),
            "status": status, "detail": detail or code, "code": code, **extra}
    return httpx.Response(status, content=json.dumps(body).encode(),
                          headers={"content-type": "application/problem+json", **(headers or {})})


def bearer(request: httpx.Request) -> str | None:
    value = request.headers.get("authorization")
    return value.removeprefix("Bearer ") if value else None


@pytest.fixture
def server():
    """The fake backend: register routes on it (``server.get("/api/v1/me")``)."""
    return respx.MockRouter(base_url=BASE, assert_all_called=False)


@pytest.fixture
async def http(server):
    async with make_http_client(BASE, transport=httpx.MockTransport(server.async_handler)) as client:
        yield client


@pytest.fixture
def saved():
    """Every value ``on_tokens`` was called with."""
    return []


@pytest.fixture
def api(http, saved):
    """Logged in (tokens ``OLD``), in sandbox ``qa-1``."""
    return ApiClient(http, sandbox=SANDBOX, tokens=OLD, on_tokens=saved.append)
