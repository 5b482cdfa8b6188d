"""``HotRoutes`` answers exactly as the FastAPI app does: the same requests, good and bad, sent to two
copies of one sandbox (one app with the direct dispatch, one without) get the same answers."""
from __future__ import annotations

import shutil

import httpx
import pytest

from mock_server.app import create_app
from mock_server.clock import parse_instant
from mock_server.routes.auth import start_session
from mock_server.sandbox import SandboxRegistry
from tests.server.helpers import ADMIN_KEY, CHEN, LI, START, ZHANG

from mock_server.seed import DEMO_PAY_PIN

API = "/api/v1"
COMPARED_HEADERS = ("content-type", "www-authenticate", "retry-after", "idempotent-replayed", "location")


@pytest.fixture
async def twins(tmp_path, settings):
    """(hot client, plain client, tokens): two apps over two identical copies of the same files."""
    first = SandboxRegistry(tmp_path / "hot" / "mock.sqlite", settings)
    sandbox = first.ensure("demo", seed=settings.default_seed, start=START)
    sandbox.clock.set(parse_instant(START), frozen=True)
    tokens = {who: start_session(sandbox, who)["access_token"] for who in (ZHANG, LI, CHEN)}
    first.close()
    shutil.copytree(tmp_path / "hot", tmp_path / "plain")
    hot_registry = SandboxRegistry(tmp_path / "hot" / "mock.sqlite", settings)
    plain_registry = SandboxRegistry(tmp_path / "plain" / "mock.sqlite", settings)
    hot_app = create_app(hot_registry, settings, admin_key=ADMIN_KEY)
    plain_app = create_app(plain_registry, settings, admin_key=ADMIN_KEY, hot_routes=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=hot_app), base_url="http://mock") as hot, \
            httpx.AsyncClient(transport=httpx.ASGITransport(app=plain_app), base_url="http://mock") as plain:
        yield hot, plain, tokens
    hot_registry.close()
    plain_registry.close()


def _auth(tokens: dict, who: str = ZHANG, **extra: str) -> dict:
    return {"Authorization": f"Bearer {tokens[who]}", **extra}


async def _same(hot: httpx.AsyncClient, plain: httpx.AsyncClient, method: str, url: str, **kwargs) -> httpx.Response:
    a = await hot.request(method, url, **kwargs)
    b = await plain.request(method, url, **kwargs)
    assert a.status_code == b.status_code, (method, url, a.text, b.text)
    for name in COMPARED_HEADERS:
        assert a.headers.get(name) == b.headers.get(name), (method, url, name)
    if method != "HEAD" and "json" in a.headers.get("content-type", ""):
        assert a.json() == b.json(), (method, url)
    else:
        assert a.content == b.content, (method, url)
    return a


async def test_card_reads(twins):
    hot, plain, tokens = twins
    cases = [
        ("K0001", _auth(tokens)), ("K0005", _auth(tokens)), ("K0001", _auth(tokens, LI)),
        ("K9999", _auth(tokens)), ("K" * 33, _auth(tokens)), ("K0001", {}),
        ("K0001", {"Authorization": "Bearer nope"}), ("K0001", {"Authorization": "Basic abc"}),
        ("K0001", _auth(tokens, CHEN)), ("K0001", _auth(tokens, **{"X-Sandbox-Id": "nope"})),
        ("K0001", _auth(tokens, **{"X-Sandbox-Id": "../x"})), ("K0001?x=1", _auth(tokens)),
        ("K%20001", _auth(tokens)), ("", _auth(tokens)), ("K0001/", _auth(tokens)),
    ]
    for card_id, headers in cases:
        await _same(hot, plain, "GET", f"{API}/cards/{card_id}", headers=headers)
    await _same(hot, plain, "HEAD", f"{API}/cards/K0001", headers=_auth(tokens))


async def test_schedule_reads(twins):
    hot, plain, _ = twins
    for query in ["", "?date=2026-06-16", "?date=2026-06-22", "?date=2026-06-15", "?date=2026-02-30",
                  "?date=2026-6-16", "?date=", "?date=tomorrow", "?date=2026-06-16&x=1", "?date=2026%2D06%2D16",
                  "?x=1", "?date=2026-06-16&date=2026-06-17"]:
        for department in ["H01D01", "H01D42", "h01d01", "H" + "0" * 30, "H01D01%0A", "H01D01/x"]:
            await _same(hot, plain, "GET", f"{API}/departments/{department}/schedule{query}")
    await _same(hot, plain, "GET", f"{API}/departments/H01D01/schedule", headers={"X-Sandbox-Id": "nope"})


async def test_bookings(twins):
    hot, plain, tokens = twins
    body = (await _same(hot, plain, "GET", f"{API}/departments/H01D01/schedule?date=2026-06-17")).json()
    windows = [w["id"] for d in body["doctors"] for s in d["sessions"] for w in s["windows"] if w["remaining"] > 0]
    key = {"Idempotency-Key": "twin-booking-0001"}
    cases = [
        ({"window_id": windows[0]}, _auth(tokens, **key)),
        ({"window_id": windows[0]}, _auth(tokens, **key)),  # replayed
        ({"window_id": windows[1]}, _auth(tokens, **key)),  # the key with another body
        ({"window_id": windows[1]}, _auth(tokens)),  # no key
        ({"window_id": windows[1]}, _auth(tokens, **{"Idempotency-Key": "short"})),
        ({"window_id": windows[1]}, {"Idempotency-Key": "twin-booking-0002"}),  # no login
        ({"window_id": 123}, _auth(tokens, **{"Idempotency-Key": "twin-booking-0003"})),
        ({"window_id": windows[1], "extra": 1}, _auth(tokens, **{"Idempotency-Key": "twin-booking-0004"})),
        ({}, _auth(tokens, **{"Idempotency-Key": "twin-booking-0005"})),
        ({"window_id": "W999999"}, _auth(tokens, **{"Idempotency-Key": "twin-booking-0006"})),
        ({"window_id": windows[1], "patient_id": "C0004"}, _auth(tokens, **{"Idempotency-Key": "twin-booking-0007"})),
        ({"window_id": windows[2]}, _auth(tokens, CHEN, **{"Idempotency-Key": "twin-booking-0008"})),
        ({"window_id": windows[3]}, _auth(tokens, LI, **{"Idempotency-Key": "twin-booking-0009"})),
    ]
    for payload, headers in cases:
        await _same(hot, plain, "POST", f"{API}/appointments", json=payload, headers=headers)
    raw = _auth(tokens, **{"Idempotency-Key": "twin-booking-0010"})
    for content, content_type in [(b"{", "application/json"), (b"", "application/json"), (b"[]", "application/json"),
                                  (b'{"window_id": "W1"}', "text/plain"), (b'{"window_id": "W1"}', None),
                                  (b'{"window_id": "%s"}' % windows[4].encode(), "application/json; charset=utf-8"),
                                  (b'{"window_id": "%s"}' % windows[5].encode(), "Application/JSON")]:
        headers = {**raw, **({"Content-Type": content_type} if content_type else {})}
        raw = {**raw, "Idempotency-Key": raw["Idempotency-Key"] + "x"}
        await _same(hot, plain, "POST", f"{API}/appointments", content=content, headers=headers)
    await _same(hot, plain, "POST", f"{API}/appointments?x=1", json={"window_id": windows[6]},
                headers=_auth(tokens, **{"Idempotency-Key": "twin-booking-0011"}))
    await _same(hot, plain, "GET", f"{API}/appointments", headers=_auth(tokens))


async def test_payments(twins):
    hot, plain, tokens = twins
    bills = (await _same(hot, plain, "GET", f"{API}/bills?status=unpaid", headers=_auth(tokens))).json()["items"]
    payable = [b["id"] for b in bills if not b["expired"]]
    key = {"Idempotency-Key": "twin-payment-0001"}
    cases = [
        ({"bill_id": payable[0], "pin": DEMO_PAY_PIN}, _auth(tokens, **key)),
        ({"bill_id": payable[0], "pin": DEMO_PAY_PIN}, _auth(tokens, **key)),  # replayed
        ({"bill_id": payable[0], "pin": DEMO_PAY_PIN}, _auth(tokens, **{"Idempotency-Key": "twin-payment-0002"})),
        ({"bill_id": payable[1], "pin": "000000"}, _auth(tokens, **{"Idempotency-Key": "twin-payment-0003"})),
        ({"bill_id": payable[1], "pin": "12"}, _auth(tokens, **{"Idempotency-Key": "twin-payment-0004"})),
        ({"bill_id": payable[1], "pin": DEMO_PAY_PIN, "amount_fen": 1}, _auth(tokens, **{"Idempotency-Key": "twin-payment-0005"})),
        ({"bill_id": payable[1], "pin": DEMO_PAY_PIN, "amount_fen": "1"}, _auth(tokens, **{"Idempotency-Key": "twin-payment-0006"})),
        ({"bill_id": "B-NOPE", "pin": DEMO_PAY_PIN}, _auth(tokens, **{"Idempotency-Key": "twin-payment-0007"})),
        ({"bill_id": payable[1], "pin": DEMO_PAY_PIN}, _auth(tokens, LI, **{"Idempotency-Key": "twin-payment-0008"})),
        ({"bill_id": payable[1], "pin": DEMO_PAY_PIN}, _auth(tokens, **{"Idempotency-Key": "twin-payment-0009"})),
    ]
    for payload, headers in cases:
        await _same(hot, plain, "POST", f"{API}/payments", json=payload, headers=headers)
    for _ in range(5):  # wrong PINs up to the lock
        await _same(hot, plain, "POST", f"{API}/payments", json={"bill_id": payable[2], "pin": "999999"},
                    headers=_auth(tokens, **{"Idempotency-Key": "twin-payment-0010"}))
    await _same(hot, plain, "GET", f"{API}/payments", headers=_auth(tokens))
