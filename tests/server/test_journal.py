"""The request journal: what it records, what it hides, how it is queried, and its bound."""
from __future__ import annotations

import json

import httpx
import pytest

from mock_server.app import create_app
from mock_server.sandbox import SandboxRegistry
from tests.server.helpers import ADMIN_KEY, DEMO_CARD_PIN, DEMO_PASSWORD, PHONES, START, ZHANG, assert_problem
from tests.server.test_auth import outbox_code
from tests.server.test_payments import find_bill, pay

JOURNAL = "/admin/sandboxes/demo/journal"


async def journal(client, admin_headers, **query) -> list[dict]:
    r = await client.get(JOURNAL, params=query, headers=admin_headers)
    assert r.status_code == 200, r.text
    return r.json()["entries"]


async def sms_login(client, admin_headers, phone: str) -> dict:
    r = await client.post("/api/v1/auth/sms-codes", json={"phone": phone})
    assert r.status_code == 202, r.text
    code = await outbox_code(client, admin_headers, phone)
    r = await client.post("/api/v1/auth/login/sms", json={"phone": phone, "code": code})
    assert r.status_code == 201, r.text
    return {"code": code, **r.json()}


async def test_each_api_request_is_recorded_with_its_answer(client, admin_headers, auth):
    headers = auth(ZHANG)
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
    assert (await client.get("/api/v1/bills", params={"status": "unpaid"}, headers=headers)).status_code == 200
    assert_problem(await client.get("/api/v1/payments/P999999", headers=headers), 404, "PAYMENT_NOT_FOUND")
    entries = await journal(client, admin_headers)
    assert [(e["method"], e["path"], e["status"], e["code"]) for e in entries] == [
        ("GET", "/api/v1/me", 200, None), ("GET", "/api/v1/bills", 200, None),
        ("GET", "/api/v1/payments/P999999", 404, "PAYMENT_NOT_FOUND")]
    assert entries[1]["query"] == "status=unpaid"
    assert entries[0]["at"].startswith("2026-06-15T09:00") and entries[0]["at"].endswith("+08:00")
    assert all(e["ms"] >= 0 and e["fault"] is None for e in entries)
    assert [e["id"] for e in entries] == sorted(e["id"] for e in entries)
    # admin requests are not journaled
    assert all(not e["path"].startswith("/admin") for e in await journal(client, admin_headers))


async def test_secrets_in_bodies_and_queries_are_redacted(client, admin_headers, auth):
    phone = PHONES[ZHANG]
    login = await sms_login(client, admin_headers, phone)
    assert (await client.post("/api/v1/auth/login/password", json={"account": phone, "password": DEMO_PASSWORD})).status_code == 201
    assert (await client.post("/api/v1/auth/refresh", json={"refresh_token": login["refresh_token"]})).status_code == 200
    headers = auth(ZHANG)
    cards = (await client.get("/api/v1/cards", headers=headers)).json()
    card_id = (cards["items"] if isinstance(cards, dict) else cards)[0]["id"]
    await client.post(f"/api/v1/cards/{card_id}/reveal", json={"pin": DEMO_CARD_PIN}, headers=headers)
    bill = await find_bill(client, headers, kind="water")
    assert (await pay(client, headers, bill["id"])).status_code == 201
    await client.get("/api/v1/me", params={"token": "abc123secret", "page": "2"}, headers=headers)
    text = json.dumps(await journal(client, admin_headers))
    secrets = [login["code"], login["access_token"], login["refresh_token"], DEMO_PASSWORD, DEMO_CARD_PIN,
               "abc123secret", headers["Authorization"].split()[1]]
    for secret in secrets:
        assert secret not in text
    entries = await journal(client, admin_headers)
    bodies = {e["path"]: e["request"] for e in entries if e["request"]}
    assert bodies["/api/v1/auth/login/sms"] == {"phone": phone, "code": "***"}
    assert bodies["/api/v1/auth/login/password"] == {"account": phone, "password": "***"}
    assert bodies["/api/v1/auth/refresh"] == {"refresh_token": "***"}
    assert bodies["/api/v1/payments"] == {"bill_id": bill["id"], "pin": "***"}
    assert entries[-1]["query"] == "token=***&page=2"


async def test_bodies_that_are_not_json_or_too_long_are_noted_not_kept(client, admin_headers, auth):
    headers = auth(ZHANG)
    await client.post("/api/v1/payments", content=b"pin=123456", headers={**headers, "Content-Type": "text/plain"})
    await client.post("/api/v1/payments", content=b'{"pin": "123456", ', headers={**headers, "Content-Type": "application/json"})
    await client.post("/api/v1/payments", json={"bill_id": "B1", "pad": "x" * 5000, "pin": "654321"}, headers=headers)
    entries = await journal(client, admin_headers)
    assert [e["request"] for e in entries] == [
        {"note": "10 bytes, not JSON"}, {"note": "18 bytes, not valid JSON"}, {"note": "body over 4096 bytes, not kept"}]
    assert "123456" not in json.dumps(entries) and "654321" not in json.dumps(entries)


async def test_query_by_route_method_status_time_and_id(client, admin_headers, auth):
    headers = auth(ZHANG)
    await client.get("/api/v1/me", headers=headers)
    await client.get("/api/v1/payments/P1", headers=headers)
    r = await client.post("/admin/sandboxes/demo/clock/advance", json={"seconds": 600}, headers=admin_headers)
    assert r.status_code == 200
    await client.get("/api/v1/payments", headers=headers)
    await client.get("/api/v1/nowhere", headers=headers)
    paths = lambda entries: [e["path"] for e in entries]  # noqa: E731
    assert paths(await journal(client, admin_headers, route="/api/v1/payments")) == ["/api/v1/payments/P1", "/api/v1/payments"]
    assert paths(await journal(client, admin_headers, route="/api/v1/payments/*")) == ["/api/v1/payments/P1"]
    assert paths(await journal(client, admin_headers, status="4xx")) == ["/api/v1/payments/P1", "/api/v1/nowhere"]
    assert paths(await journal(client, admin_headers, status="200")) == ["/api/v1/me", "/api/v1/payments"]
    assert paths(await journal(client, admin_headers, method="POST")) == []
    assert paths(await journal(client, admin_headers, since="2026-06-15T09:05:00+08:00")) == ["/api/v1/payments", "/api/v1/nowhere"]
    assert paths(await journal(client, admin_headers, until="2026-06-15T09:05:00")) == ["/api/v1/me", "/api/v1/payments/P1"]
    everything = await journal(client, admin_headers)
    assert paths(await journal(client, admin_headers, after=everything[1]["id"])) == ["/api/v1/payments", "/api/v1/nowhere"]
    assert paths(await journal(client, admin_headers, limit=1)) == ["/api/v1/nowhere"]
    assert (await client.delete(JOURNAL, headers=admin_headers)).status_code == 204
    assert await journal(client, admin_headers) == []


@pytest.mark.parametrize("query, code", [
    ({"status": "2x"}, "VALIDATION_FAILED"),
    ({"status": "600"}, "VALIDATION_FAILED"),
    ({"method": "FETCH"}, "VALIDATION_FAILED"),
    ({"limit": "0"}, "VALIDATION_FAILED"),
    ({"limit": "1001"}, "VALIDATION_FAILED"),
    ({"after": "-1"}, "VALIDATION_FAILED"),
    ({"since": "yesterday"}, "VALIDATION_FAILED"),
    ({"until": "2026-13-01"}, "VALIDATION_FAILED"),
    ({"route": "/" + "a" * 300}, "VALIDATION_FAILED"),
])
async def test_a_wrong_query_is_refused(client, admin_headers, query, code):
    assert_problem(await client.get(JOURNAL, params=query, headers=admin_headers), 422, code)


async def test_the_journal_needs_the_admin_key_and_a_sandbox(client, admin_headers):
    assert_problem(await client.get(JOURNAL), 401, "ADMIN_KEY_REQUIRED")
    assert_problem(await client.get("/admin/sandboxes/ghost/journal", headers=admin_headers), 404, "SANDBOX_NOT_FOUND")
    assert_problem(await client.delete("/admin/sandboxes/ghost/journal", headers=admin_headers), 404, "SANDBOX_NOT_FOUND")


async def test_faulted_requests_say_which_fault_shaped_them(client, admin_headers, auth):
    r = await client.put("/admin/sandboxes/demo/faults", json={"spec": "latency=5ms;status=503,route=/api/v1/me"},
                         headers=admin_headers)
    assert r.status_code == 200
    await client.get("/api/v1/me", headers=auth(ZHANG))
    await client.get("/api/v1/clock")
    entries = await journal(client, admin_headers)
    assert [(e["path"], e["status"], e["code"], e["fault"]) for e in entries] == [
        ("/api/v1/me", 503, "FAULT_INJECTED", "latency 5ms+status"), ("/api/v1/clock", 200, None, "latency 5ms")]


async def test_each_sandbox_has_its_own_bounded_ring(tmp_path):
    settings = __import__("mock_server.settings", fromlist=["x"]).DEFAULT_SETTINGS.with_overrides(journal_size=5)
    registry = SandboxRegistry(tmp_path / "m.sqlite", settings)
    registry.ensure("demo", seed=2025, start=START)
    registry.create("other", seed=2025)
    admin = {"X-Admin-Key": ADMIN_KEY}
    transport = httpx.ASGITransport(app=create_app(registry, settings, admin_key=ADMIN_KEY))
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        for n in range(8):
            await client.get("/api/v1/clock", params={"n": n})
        await client.get("/api/v1/clock", headers={"X-Sandbox-Id": "other"})
        r = await client.get(JOURNAL, headers=admin)
        assert r.json()["size"] == 5
        assert [e["query"] for e in r.json()["entries"]] == [f"n={n}" for n in range(3, 8)]
        other = (await client.get("/admin/sandboxes/other/journal", headers=admin)).json()["entries"]
        assert [e["query"] for e in other] == [""]
    registry.close()


async def test_a_journal_of_size_zero_records_nothing(tmp_path):
    settings = __import__("mock_server.settings", fromlist=["x"]).DEFAULT_SETTINGS.with_overrides(journal_size=0)
    registry = SandboxRegistry(tmp_path / "m.sqlite", settings)
    registry.ensure("demo", seed=2025, start=START)
    transport = httpx.ASGITransport(app=create_app(registry, settings, admin_key=ADMIN_KEY))
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        await client.get("/api/v1/clock")
        r = await client.get(JOURNAL, headers={"X-Admin-Key": ADMIN_KEY})
        assert r.json() == {"size": 0, "entries": []}
    registry.close()
