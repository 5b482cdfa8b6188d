"""Faults over a real socket: what the project's own client sees of each kind, and that the journal and
the data agree with what really happened. Also `zheliban-mock --faults` and faults shared by workers."""
from __future__ import annotations

import subprocess
import sys
import uuid

import httpx
import pytest

from mock_server.seed import DEMO_PASSWORD, DEMO_PAY_PIN
from tests.conftest import ADMIN_KEY, ROOT, LiveServer
from zheliban_tui.api import ApiClient, ApiError, make_http_client
from zheliban_tui.api.errors import BAD_RESPONSE, NETWORK_TIMEOUT, NETWORK_UNREACHABLE

pytestmark = pytest.mark.e2e
ZHANG_PHONE = "13705719050"


@pytest.fixture
async def api(live_server, sandbox):
    http = make_http_client(live_server.url, timeout=5)
    client = ApiClient(http, sandbox=sandbox.id)
    await client.login_password(ZHANG_PHONE, DEMO_PASSWORD)
    yield client
    await http.aclose()


async def water_bill(api) -> str:
    bills = await api.bills("unpaid")
    return next(b.id for b in bills.items if b.kind == "water" and not b.expired)


async def paid(api) -> set[str]:
    return {p.bill_id for p in await api.payments()}


async def test_a_dropped_connection_loses_the_request_and_nothing_is_charged(api, sandbox):
    bill = await water_bill(api)
    await sandbox.admin.set_faults(sandbox.id, "drop,route=/api/v1/payments,method=POST")
    with pytest.raises(ApiError) as caught:
        await api.pay(bill, DEMO_PAY_PIN, idempotency_key="drop-" + uuid.uuid4().hex)
    assert caught.value.code == NETWORK_UNREACHABLE
    await sandbox.admin.clear_faults(sandbox.id)
    assert bill not in await paid(api)
    entry = (await sandbox.admin.journal(sandbox.id, route="/api/v1/payments", method="POST")).entries[-1]
    assert (entry.status, entry.fault) == (None, "drop")
    assert (await sandbox.admin.faults(sandbox.id)).source == "none"


async def test_commit_then_drop_charges_once_and_a_retry_with_the_same_key_gets_the_payment(api, sandbox):
    bill = await water_bill(api)
    key = "cd-" + uuid.uuid4().hex
    await sandbox.admin.set_faults(sandbox.id, "commit-drop,route=/api/v1/payments,method=POST,times=1")
    with pytest.raises(ApiError) as caught:
        await api.pay(bill, DEMO_PAY_PIN, idempotency_key=key)
    assert caught.value.code == NETWORK_UNREACHABLE
    assert bill in await paid(api)  # the write happened, the answer was lost
    payment = await api.pay(bill, DEMO_PAY_PIN, idempotency_key=key)  # the rule fired its one time
    assert payment.bill_id == bill
    payments = [p for p in await api.payments() if p.bill_id == bill]
    assert len(payments) == 1 and payments[0].id == payment.id
    entries = (await sandbox.admin.journal(sandbox.id, route="/api/v1/payments", method="POST")).entries
    assert [(e.status, e.fault) for e in entries] == [(201, "commit-drop"), (201, None)]
    assert all(e.request["pin"] == "***" for e in entries)


async def test_a_malformed_answer_is_a_bad_response_for_the_client(api, sandbox):
    await sandbox.admin.set_faults(sandbox.id, "malformed,route=/api/v1/me")
    with pytest.raises(ApiError) as caught:
        await api.me()
    assert caught.value.code == BAD_RESPONSE
    await sandbox.admin.clear_faults(sandbox.id)
    assert (await api.me()).name


async def test_latency_past_the_clients_timeout_is_a_timeout(live_server, sandbox):
    http = make_http_client(live_server.url, timeout=0.3)
    client = ApiClient(http, sandbox=sandbox.id)
    try:
        await sandbox.admin.set_faults(sandbox.id, "latency=800ms,route=/api/v1/clock")
        with pytest.raises(ApiError) as caught:
            await client.server_clock()
        assert caught.value.code == NETWORK_TIMEOUT
        await sandbox.admin.set_faults(sandbox.id, "latency=50ms,route=/api/v1/clock")
        assert (await client.server_clock()).now
    finally:
        await http.aclose()


async def test_an_error_rate_is_repeatable_from_its_seed(live_server, sandbox):
    async def statuses() -> list[int]:
        await sandbox.admin.set_faults(sandbox.id, "seed=42; status=503,rate=0.3,route=/api/v1/clock")
        async with httpx.AsyncClient(base_url=live_server.url, headers={"X-Sandbox-Id": sandbox.id}) as http:
            return [(await http.get("/api/v1/clock")).status_code for _ in range(30)]

    first = await statuses()
    assert first == await statuses()
    assert set(first) == {200, 503} and 3 <= first.count(503) <= 18


def test_the_server_wide_profile_from_the_command_line(tmp_path):
    server = LiveServer(tmp_path / "m.sqlite", "--faults", "status=503,route=/api/v1/clock").start()
    try:
        r = httpx.get(server.url + "/api/v1/clock")
        assert r.status_code == 503 and r.json()["code"] == "FAULT_INJECTED"
        faults = httpx.get(server.url + "/admin/sandboxes/demo/faults", headers={"X-Admin-Key": ADMIN_KEY}).json()
        assert (faults["source"], faults["spec"]) == ("server", "seed=0;status=503,route=/api/v1/clock")
    finally:
        server.stop()


@pytest.mark.parametrize("args, says", [
    (["--faults", "explode"], "unknown fault kind"),
    (["--faults", "status=200"], "400-599"),
    (["--journal-size", "-1"], "--journal-size must be"),
])
def test_a_wrong_fault_option_stops_the_server_with_a_message(tmp_path, args, says):
    done = subprocess.run([sys.executable, "-m", "mock_server", "--port", "0", "--db", str(tmp_path / "m.sqlite"), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and says in done.stderr and "Traceback" not in done.stderr


def test_a_profile_set_through_one_worker_applies_in_every_worker(tmp_path):
    server = LiveServer(tmp_path / "m.sqlite", "--workers", "2").start()
    try:
        admin = {"X-Admin-Key": ADMIN_KEY}
        r = httpx.put(server.url + "/admin/sandboxes/demo/faults", json={"spec": "status=418,route=/api/v1/clock"},
                      headers=admin)
        assert r.status_code == 200
        # new connections spread over both workers; every one of them applies the profile
        assert {httpx.get(server.url + "/api/v1/clock").status_code for _ in range(40)} == {418}
        assert httpx.delete(server.url + "/admin/sandboxes/demo/faults", headers=admin).status_code == 204
        assert {httpx.get(server.url + "/api/v1/clock").status_code for _ in range(40)} == {200}
    finally:
        server.stop()
