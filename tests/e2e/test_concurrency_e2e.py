"""Concurrency over a real socket: no over-booking, no double charge, whatever the interleaving."""
from __future__ import annotations

import asyncio
import sqlite3
from datetime import date, timedelta

import httpx
import pytest

from mock_server.seed import DEMO_PASSWORD, DEMO_PAY_PIN
from tests.conftest import ADMIN_KEY

pytestmark = pytest.mark.e2e
ADMIN = {"X-Admin-Key": ADMIN_KEY}


@pytest.fixture
def sandbox_id(live_server, request):
    name = "conc-" + request.node.name.replace("_", "-")[-40:].lower().strip("-")
    httpx.delete(f"{live_server.url}/admin/sandboxes/{name}", headers=ADMIN)
    r = httpx.post(f"{live_server.url}/admin/sandboxes", json={"id": name}, headers=ADMIN)
    assert r.status_code == 201, r.text
    yield name
    httpx.delete(f"{live_server.url}/admin/sandboxes/{name}", headers=ADMIN)


def _holders(live_server, sandbox_id) -> list[dict]:
    path = live_server.db.parent / f"{live_server.db.stem}.sandboxes" / f"{sandbox_id}.sqlite"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        conn.row_factory = sqlite3.Row
        holders = [dict(r) for r in conn.execute(
            "SELECT id, phone, realname_level FROM citizens WHERE phone IS NOT NULL ORDER BY id")]
        family = conn.execute("SELECT citizen_id, member_id FROM family_links ORDER BY citizen_id, member_id").fetchall()
    members: dict[str, list[str]] = {}
    for holder, member in family:
        members.setdefault(holder, []).append(member)
    usable = [h for h in holders if h["realname_level"] >= 2 and h["id"] != "C0005"]
    for h in usable:
        h["family"] = members.get(h["id"], [])
    return usable


async def _login(c: httpx.AsyncClient, phone: str) -> dict:
    r = await c.post("/api/v1/auth/login/password", json={"account": phone, "password": DEMO_PASSWORD})
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def test_fifty_concurrent_bookings_of_a_one_place_window_book_once(live_server, sandbox_id):
    async with httpx.AsyncClient(base_url=live_server.url, headers={"X-Sandbox-Id": sandbox_id}, timeout=30,
                                 limits=httpx.Limits(max_connections=60)) as c:
        day = (date(2026, 6, 15) + timedelta(days=3)).isoformat()
        window = None
        for dept in ("H02D03", "H03D04", "H04D05", "H05D02", "H06D01"):
            schedule = (await c.get(f"/api/v1/departments/{dept}/schedule", params={"date": day})).json()
            for doctor in schedule["doctors"]:
                for session in doctor["sessions"]:
                    for w in session["windows"]:
                        if w["capacity"] == 1 and w["remaining"] == 1 and window is None:
                            window, window_dept = w["id"], dept
        assert window, "the seed has one-place expert windows"
        holders = _holders(live_server, sandbox_id)
        headers = {h["id"]: await _login(c, h["phone"]) for h in holders}
        attempts = [(h["id"], patient) for h in holders for patient in [h["id"], *h["family"]]]
        attempts = (attempts * 2)[:50]
        assert len(attempts) == 50

        async def book(i: int, holder: str, patient: str):
            return await c.post("/api/v1/appointments", json={"window_id": window, "patient_id": patient},
                                headers={**headers[holder], "Idempotency-Key": f"race-{i:04d}"})

        results = await asyncio.gather(*(book(i, h, p) for i, (h, p) in enumerate(attempts)))
        statuses = [r.status_code for r in results]
        assert statuses.count(201) == 1, statuses
        assert all(r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")
                   for r in results if r.status_code != 201)
        assert {r.json()["code"] for r in results if r.status_code != 201} <= {"SLOT_FULL", "DUPLICATE_DEPARTMENT_BOOKING"}
        schedule = (await c.get(f"/api/v1/departments/{window_dept}/schedule", params={"date": day})).json()
        remaining = [w["remaining"] for d in schedule["doctors"] for s in d["sessions"] for w in s["windows"] if w["id"] == window]
        assert remaining == [0]
        winner = next(r for r in results if r.status_code == 201).json()
        owner = next(h for h, p in attempts if p == winner["patient"]["id"])
        mine = (await c.get("/api/v1/appointments", headers=headers[owner])).json()["items"]
        assert [a["id"] for a in mine if a["window_id"] == window] == [winner["id"]]


async def test_one_payment_retried_from_twenty_tasks_charges_once(live_server, sandbox_id):
    async with httpx.AsyncClient(base_url=live_server.url, headers={"X-Sandbox-Id": sandbox_id}, timeout=30,
                                 limits=httpx.Limits(max_connections=30)) as c:
        auth = await _login(c, "13705719050")
        bills = (await c.get("/api/v1/bills", params={"family": "utility"}, headers=auth)).json()["items"]
        bill = next(b for b in bills if b["payment_rule"] == "exact")

        async def pay():
            return await c.post("/api/v1/payments", json={"bill_id": bill["id"], "pin": DEMO_PAY_PIN},
                                headers={**auth, "Idempotency-Key": "retry-after-timeout-0001"})

        results = await asyncio.gather(*(pay() for _ in range(20)))
        assert [r.status_code for r in results] == [201] * 20, [r.text for r in results if r.status_code != 201]
        assert len({r.json()["id"] for r in results}) == 1
        payments = (await c.get("/api/v1/payments", headers=auth)).json()["items"]
        assert [p["bill_id"] for p in payments] == [bill["id"]]
        after = (await c.get(f"/api/v1/bills/{bill['id']}", headers=auth)).json()
        assert after["status"] == "paid"
        # other keys now find the bill paid: refused, not charged
        r = await c.post("/api/v1/payments", json={"bill_id": bill["id"], "pin": DEMO_PAY_PIN},
                         headers={**auth, "Idempotency-Key": "another-key-0002"})
        assert r.status_code == 409 and r.json()["code"] == "BILL_ALREADY_PAID"
        assert len((await c.get("/api/v1/payments", headers=auth)).json()["items"]) == 1


def test_two_worker_processes_share_clock_data_and_capacity(tmp_path):
    """`--workers 2`: both processes see one clock and one database; a race still books once."""
    from tests.conftest import LiveServer

    server = LiveServer(tmp_path / "two.sqlite", "--workers", "2").start()
    try:
        url = server.url
        r = httpx.post(f"{url}/admin/sandboxes/demo/clock/advance", json={"seconds": 3600}, headers=ADMIN)
        assert r.json()["now"].startswith("2026-06-15T10:00")
        # many requests over fresh connections land on both workers: every one sees the moved clock
        seen = {httpx.get(f"{url}/api/v1/clock", headers={"Connection": "close"}).json()["now"][:13] for _ in range(20)}
        assert seen == {"2026-06-15T10"}

        async def race() -> list[httpx.Response]:
            async with httpx.AsyncClient(base_url=url, timeout=30) as c:
                tokens = []
                for phone in ("13705719050", "13805710002"):
                    r = await c.post("/api/v1/auth/login/password", json={"account": phone, "password": DEMO_PASSWORD})
                    tokens.append(r.json()["access_token"])
                day = "2026-06-17"
                schedule = (await c.get("/api/v1/departments/H03D04/schedule", params={"date": day})).json()
                window = next(w["id"] for d in schedule["doctors"] for s in d["sessions"] for w in s["windows"]
                              if w["capacity"] == 1 and w["remaining"] == 1)
                # new connections each time, so that both workers take part
                async def book(i: int):
                    async with httpx.AsyncClient(base_url=url, timeout=30) as one:
                        return await one.post("/api/v1/appointments", json={"window_id": window},
                                              headers={"Authorization": f"Bearer {tokens[i % 2]}",
                                                       "Idempotency-Key": f"two-workers-{i:03d}"})
                return await asyncio.gather(*(book(i) for i in range(20)))

        results = asyncio.run(race())
        assert sum(r.status_code == 201 for r in results) == 1
        assert all(r.status_code in (201, 409) for r in results)
    finally:
        server.stop()
