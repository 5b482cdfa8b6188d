"""Fault injection: the profile's text form, its seeded draws, the admin routes, and each kind of fault
as the app applies it (the kinds that close the connection are tested over a socket in tests/e2e)."""
from __future__ import annotations

import time

import pytest

from mock_server.faults import FaultSpecError, parse_spec
from tests.server.helpers import ZHANG, assert_problem
from tests.server.test_payments import find_bill, pay, snapshot

FAULTS = "/admin/sandboxes/demo/faults"


# --- the text form ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("spec, canonical", [
    ("latency=200ms", "seed=0;latency=200ms"),
    ("latency=0.2s", "seed=0;latency=200ms"),
    ("seed=7; latency=50-300ms", "seed=7;latency=50-300ms"),
    ("status=503,rate=0.2,route=/api/v1/payments", "seed=0;status=503,rate=0.2,route=/api/v1/payments"),
    ("drop, method=post, times=1", "seed=0;drop,method=POST,times=1"),
    ("commit-drop,route=/api/v1/appointments;malformed,route=/api/v1/cards/*",
     "seed=0;commit-drop,route=/api/v1/appointments;malformed,route=/api/v1/cards/*"),
    ("STATUS=500;", "seed=0;status=500"),
])
def test_spec_text_is_read_and_written_back_in_one_canonical_form(spec, canonical):
    profile = parse_spec(spec)
    assert profile.text() == canonical
    assert parse_spec(profile.text()).text() == canonical


@pytest.mark.parametrize("spec, says", [
    ("", "empty"),
    ("   ;  ", "at least one rule"),
    ("seed=7", "at least one rule"),
    ("explode", "unknown fault kind 'explode'"),
    ("latency", "needs a duration"),
    ("latency=fast", "not a duration"),
    ("latency=300-50ms", "low end first"),
    ("latency=61s", "at most 60000 ms"),
    ("status", "400-599"),
    ("status=200", "400-599"),
    ("status=abc", "not a whole number"),
    ("drop=5", "takes no value"),
    ("drop,rate=0", "above 0 and at most 1"),
    ("drop,rate=1.5", "above 0 and at most 1"),
    ("drop,rate=often", "not a number"),
    ("drop,rate", "needs a value"),
    ("drop,route=payments", "starting with '/'"),
    ("drop,method=FETCH", "method must be one of"),
    ("drop,times=0", "1-1000000"),
    ("drop,times=-1", "not a whole number"),
    ("drop,color=red", "unknown option 'color'"),
    ("seed=-3;drop", "not a whole number"),
    ("seed=99999999999;drop", "seed must be"),
    (";".join(["drop"] * 33), "at most 32 rules"),
    ("drop," + "route=/" + "a" * 5000, "too long"),
])
def test_a_wrong_spec_is_refused_with_what_is_wrong(spec, says):
    with pytest.raises(FaultSpecError, match=None) as caught:
        parse_spec(spec)
    assert says in str(caught.value)


# --- seeded draws ----------------------------------------------------------------------------------------
REQUESTS = [("GET", "/api/v1/cards/K1"), ("POST", "/api/v1/payments"), ("GET", "/api/v1/me")] * 40
SPEC = "latency=10-90ms,rate=0.5; status=503,rate=0.3,route=/api/v1/payments; malformed,rate=0.2"


def draws(spec: str) -> list:
    profile = parse_spec(spec)
    return [(d.delay_ms, d.action, d.status) if (d := profile.decide(m, p)) else None for m, p in REQUESTS]


def test_the_same_seed_gives_the_same_faults_in_the_same_order():
    first = draws("seed=11;" + SPEC)
    assert first == draws("seed=11;" + SPEC)
    assert first != draws("seed=12;" + SPEC)
    kinds = {d[1] for d in first if d}
    assert {"status", "malformed", None} <= kinds  # the rates really mix the kinds
    statuses = [d for (m, p), d in zip(REQUESTS, first) if d and d[1] == "status"]
    assert statuses and all(d[2] == 503 for d in statuses)
    assert all(p == "/api/v1/payments" for (m, p), d in zip(REQUESTS, first) if d and d[1] == "status")
    delays = [d[0] for d in first if d and d[0]]
    assert delays and all(10 <= ms <= 90 for ms in delays) and len(set(delays)) > 5


def test_route_method_and_times_choose_the_requests():
    profile = parse_spec("drop,method=POST,route=/api/v1/payments,times=2")
    seen = [profile.decide(m, p) for m, p in [("GET", "/api/v1/payments"), ("POST", "/api/v1/bills"),
                                              ("POST", "/api/v1/payments/P1"), ("POST", "/api/v1/payments"),
                                              ("POST", "/api/v1/payments")]]
    assert [d.action if d else None for d in seen] == [None, None, "drop", "drop", None]
    assert profile.as_dict()["fired"] == [2]


def test_latency_adds_to_the_fault_that_fires_and_the_first_fault_wins():
    profile = parse_spec("latency=5ms; status=500; drop; latency=7ms")
    decision = profile.decide("GET", "/api/v1/me")
    assert (decision.delay_ms, decision.action, decision.status) == (12, "status", 500)
    assert decision.label == "latency 12ms+status"


# --- the admin routes ------------------------------------------------------------------------------------
async def test_set_read_and_clear_a_profile_in_text_or_as_rules(client, admin_headers):
    r = await client.get(FAULTS, headers=admin_headers)
    assert r.json() == {"source": "none", "seed": None, "spec": None, "rules": [], "fired": []}
    r = await client.put(FAULTS, json={"spec": "seed=3; status=502,route=/api/v1/me"}, headers=admin_headers)
    assert r.status_code == 200, r.text
    assert r.json()["spec"] == "seed=3;status=502,route=/api/v1/me" and r.json()["source"] == "sandbox"
    rules = [{"kind": "latency", "ms": 1, "max_ms": 3}, {"kind": "status", "status": 429, "rate": 0.5, "times": 2}]
    r = await client.put(FAULTS, json={"seed": 9, "rules": rules}, headers=admin_headers)
    assert r.status_code == 200, r.text
    assert r.json()["spec"] == "seed=9;latency=1-3ms;status=429,rate=0.5,times=2"
    assert (await client.get(FAULTS, headers=admin_headers)).json()["rules"] == [
        {"kind": "latency", "ms": 1, "max_ms": 3, "rate": 1.0}, {"kind": "status", "status": 429, "rate": 0.5, "times": 2}]
    assert (await client.delete(FAULTS, headers=admin_headers)).status_code == 204
    assert (await client.get(FAULTS, headers=admin_headers)).json()["source"] == "none"


@pytest.mark.parametrize("body, code", [
    ({}, "FAULT_SPEC_INVALID"),
    ({"spec": "drop", "rules": [{"kind": "drop"}]}, "FAULT_SPEC_INVALID"),
    ({"spec": "drop", "seed": 4}, "FAULT_SPEC_INVALID"),
    ({"spec": "explode"}, "FAULT_SPEC_INVALID"),
    ({"rules": []}, "FAULT_SPEC_INVALID"),
    ({"rules": [{"kind": "latency"}]}, "FAULT_SPEC_INVALID"),
    ({"rules": [{"kind": "drop", "status": 500}]}, "FAULT_SPEC_INVALID"),
    ({"rules": [{"kind": "latency", "ms": 50, "max_ms": 10}]}, "FAULT_SPEC_INVALID"),
    ({"rules": [{"kind": "explode"}]}, "VALIDATION_FAILED"),
    ({"rules": [{"kind": "status", "status": 302}]}, "VALIDATION_FAILED"),
    ({"rules": [{"kind": "drop", "rate": 0}]}, "VALIDATION_FAILED"),
    ({"rules": [{"kind": "drop", "rate": "1"}]}, "VALIDATION_FAILED"),
    ({"rules": [{"kind": "drop", "method": "get"}]}, "VALIDATION_FAILED"),
    ({"rules": [{"kind": "drop", "colour": "red"}]}, "VALIDATION_FAILED"),
    ({"rules": [{"kind": "drop"}] * 33}, "VALIDATION_FAILED"),
    ({"spec": 7}, "VALIDATION_FAILED"),
])
async def test_a_wrong_profile_is_refused_and_the_one_in_force_stays(client, admin_headers, body, code):
    r = await client.put(FAULTS, json={"spec": "status=418,route=/api/v1/nowhere"}, headers=admin_headers)
    before = r.json()
    r = await client.put(FAULTS, json=body, headers=admin_headers)
    assert_problem(r, 422, code)
    assert (await client.get(FAULTS, headers=admin_headers)).json() == before


async def test_the_fault_routes_need_the_admin_key_and_a_sandbox(client, admin_headers):
    assert_problem(await client.get(FAULTS), 401, "ADMIN_KEY_REQUIRED")
    assert_problem(await client.put(FAULTS, json={"spec": "drop"}, headers={"X-Admin-Key": "nope"}),
                   401, "ADMIN_KEY_REQUIRED")
    assert_problem(await client.put("/admin/sandboxes/ghost/faults", json={"spec": "drop"}, headers=admin_headers),
                   404, "SANDBOX_NOT_FOUND")
    assert_problem(await client.delete("/admin/sandboxes/Bad!/faults", headers=admin_headers),
                   400, "INVALID_SANDBOX_ID")


# --- the faults as the app applies them ------------------------------------------------------------------
async def set_faults(client, admin_headers, spec: str, sandbox: str = "demo") -> None:
    r = await client.put(f"/admin/sandboxes/{sandbox}/faults", json={"spec": spec}, headers=admin_headers)
    assert r.status_code == 200, r.text


async def test_a_status_fault_answers_without_doing_the_work(client, admin_headers, auth, sandbox):
    headers = auth(ZHANG)
    bill = await find_bill(client, headers, kind="water")
    before = snapshot(sandbox, bill["id"])
    await set_faults(client, admin_headers, "status=503,route=/api/v1/payments,method=POST")
    r = await pay(client, headers, bill["id"])
    body = assert_problem(r, 503, "FAULT_INJECTED")
    assert "503" in body["detail"] and r.headers["x-fault-injected"] == "status"
    assert snapshot(sandbox, bill["id"]) == before
    assert (await client.get("/api/v1/bills", headers=headers)).status_code == 200  # other routes answer


async def test_a_malformed_answer_follows_the_real_work(client, admin_headers, auth, sandbox):
    headers = auth(ZHANG)
    bill = await find_bill(client, headers, kind="water")
    await set_faults(client, admin_headers, "malformed,route=/api/v1/payments,method=POST")
    r = await pay(client, headers, bill["id"])
    assert r.status_code == 201 and r.headers["x-fault-injected"] == "malformed"
    with pytest.raises(ValueError):
        r.json()
    assert int(r.headers["content-length"]) == len(r.content) > 0
    assert snapshot(sandbox, bill["id"])["status"] == "paid"


async def test_latency_delays_the_answer_by_what_was_drawn(client, admin_headers, auth):
    await set_faults(client, admin_headers, "latency=150ms,route=/api/v1/me")
    started = time.perf_counter()
    r = await client.get("/api/v1/me", headers=auth(ZHANG))
    assert r.status_code == 200 and time.perf_counter() - started >= 0.15
    started = time.perf_counter()
    assert (await client.get("/api/v1/bills", headers=auth(ZHANG))).status_code == 200
    assert time.perf_counter() - started < 0.15


async def test_the_busiest_routes_are_faulted_like_the_others(client, admin_headers, auth):
    """Card and schedule reads are served outside FastAPI's router (hot_routes.py): faults still apply."""
    headers = auth(ZHANG)
    cards = (await client.get("/api/v1/cards", headers=headers)).json()
    card_id = cards["items"][0]["id"] if isinstance(cards, dict) else cards[0]["id"]
    await set_faults(client, admin_headers, "status=500,route=/api/v1/cards/*")
    assert_problem(await client.get(f"/api/v1/cards/{card_id}", headers=headers), 500, "FAULT_INJECTED")


async def test_admin_routes_and_other_sandboxes_are_never_faulted(client, admin_headers, auth, registry):
    registry.create("other", seed=2025)
    await set_faults(client, admin_headers, "status=500")
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get(FAULTS, headers=admin_headers)).status_code == 200
    assert (await client.get("/api/v1/clock", headers={"X-Sandbox-Id": "other"})).status_code == 200
    assert_problem(await client.get("/api/v1/clock"), 500, "FAULT_INJECTED")


async def test_faults_stay_through_a_reset_and_a_restore(client, admin_headers):
    await set_faults(client, admin_headers, "status=502,route=/api/v1/clock")
    assert (await client.post("/admin/sandboxes/demo/snapshots", json={"name": "s1"}, headers=admin_headers)).status_code == 201
    assert (await client.post("/admin/sandboxes/demo/reset", headers=admin_headers)).status_code == 200
    assert_problem(await client.get("/api/v1/clock"), 502, "FAULT_INJECTED")
    assert (await client.post("/admin/sandboxes/demo/snapshots/s1/restore", headers=admin_headers)).status_code == 200
    assert_problem(await client.get("/api/v1/clock"), 502, "FAULT_INJECTED")


async def test_the_server_default_profile_applies_where_a_sandbox_has_none(tmp_path, settings):
    import httpx

    from mock_server.app import create_app
    from mock_server.sandbox import SandboxRegistry
    from tests.server.helpers import ADMIN_KEY, START

    registry = SandboxRegistry(tmp_path / "m.sqlite", settings, default_faults=parse_spec("status=504,route=/api/v1/clock"))
    registry.ensure("demo", seed=2025, start=START)
    registry.create("own", seed=2025)
    admin = {"X-Admin-Key": ADMIN_KEY}
    transport = httpx.ASGITransport(app=create_app(registry, settings, admin_key=ADMIN_KEY))
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        assert (await client.get(FAULTS, headers=admin)).json()["source"] == "server"
        assert_problem(await client.get("/api/v1/clock"), 504, "FAULT_INJECTED")
        await set_faults(client, admin, "status=418,route=/api/v1/nowhere", sandbox="own")
        assert (await client.get("/api/v1/clock", headers={"X-Sandbox-Id": "own"})).status_code == 200
        assert (await client.delete("/admin/sandboxes/own/faults", headers=admin)).status_code == 204
        assert_problem(await client.get("/api/v1/clock", headers={"X-Sandbox-Id": "own"}), 504, "FAULT_INJECTED")
    registry.close()


async def test_a_drop_fault_in_process_fails_loudly_rather_than_answering(client, admin_headers):
    """Closing a connection needs a real server (tests/e2e/test_faults_e2e.py); in-process the transport
    sees an error, never an answer that could be mistaken for the server's."""
    await set_faults(client, admin_headers, "drop,route=/api/v1/clock")
    with pytest.raises(ConnectionAbortedError):
        await client.get("/api/v1/clock")
