"""End-to-end over a real loopback socket: the real `zheliban-mock` process, a real SQLite file."""
from __future__ import annotations

import re
import signal

import httpx
import pytest

from tests.conftest import ADMIN_KEY, LiveServer

pytestmark = pytest.mark.e2e
ADMIN = {"X-Admin-Key": ADMIN_KEY}
PHONE = "13705719050"


def _code_from_outbox(url: str, sandbox: str = "demo") -> str:
    r = httpx.get(f"{url}/admin/sandboxes/{sandbox}/outbox", params={"phone": PHONE}, headers=ADMIN)
    return re.search(r"验证码是(\d{6})", r.json()[0]["text"]).group(1)


def test_login_with_sms_code_refresh_and_logout(live_server):
    url = live_server.url
    with httpx.Client(base_url=url, headers={"X-Sandbox-Id": "e2e-login"}) as c:
        httpx.delete(f"{url}/admin/sandboxes/e2e-login", headers=ADMIN)
        assert httpx.post(f"{url}/admin/sandboxes", json={"id": "e2e-login"}, headers=ADMIN).status_code == 201
        assert c.post("/api/v1/auth/sms-codes", json={"phone": PHONE}).status_code == 202
        code = _code_from_outbox(url, "e2e-login")
        pair = c.post("/api/v1/auth/login/sms", json={"phone": PHONE, "code": code}).json()
        me = c.get("/api/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
        assert me.status_code == 200 and me.json()["name"] == "*伟"
        new = c.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}).json()
        auth = {"Authorization": f"Bearer {new['access_token']}"}
        assert c.post("/api/v1/auth/logout", headers=auth).status_code == 204
        r = c.get("/api/v1/me", headers=auth)
        assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")


def test_demo_mode_prints_each_sms_code(tmp_path):
    server = LiveServer(tmp_path / "demo.sqlite", "--demo").start()
    try:
        assert httpx.post(f"{server.url}/api/v1/auth/sms-codes", json={"phone": PHONE}).status_code == 202
        code = _code_from_outbox(server.url)
        server.stop()
        printed = "".join(server.output) + server.proc.stdout.read()
        assert re.search(rf"\[SMS demo → 137\*\*\*\*9050\] .*{code}", printed), printed
    finally:
        server.stop()


def test_a_killed_server_restarts_with_acknowledged_writes(tmp_path):
    db = tmp_path / "kill.sqlite"
    server = LiveServer(db).start()
    try:
        assert httpx.post(f"{server.url}/api/v1/auth/sms-codes", json={"phone": PHONE}).status_code == 202
        code = _code_from_outbox(server.url)
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait()
    finally:
        server.stop()
    again = LiveServer(db).start()
    try:
        # the acknowledged code is still there and still works after the crash
        assert _code_from_outbox(again.url) == code
        r = httpx.post(f"{again.url}/api/v1/auth/login/sms", json={"phone": PHONE, "code": code})
        assert r.status_code == 201, r.text
    finally:
        again.stop()


def test_any_garbage_gets_problem_json_never_a_500(live_server):
    url = live_server.url
    cases = [
        ("POST", "/api/v1/auth/sms-codes", b"\xff\xfe\x00garbage", {"content-type": "application/json"}),
        ("POST", "/api/v1/auth/sms-codes", b"[" * 5000 + b"]" * 5000, {"content-type": "application/json"}),
        ("POST", "/api/v1/auth/sms-codes", b"x" * 200_000, {"content-type": "application/json"}),
        ("POST", "/api/v1/auth/login/password", b'{"account": "13705719050", "password": null}', {"content-type": "application/json"}),
        ("GET", "/api/v1/nope", b"", {}),
        ("DELETE", "/api/v1/me", b"", {}),
    ]
    for method, path, body, headers in cases:
        r = httpx.request(method, url + path, content=body, headers=headers)
        assert 400 <= r.status_code < 500, (path, r.status_code, r.text[:200])
        assert r.headers["content-type"].startswith("application/problem+json")
        assert "Traceback" not in r.text and r.json()["code"]


def _kill_all(proc) -> None:
    """SIGKILL a server and its worker processes at once, as a power cut of the processes would."""
    import os

    children = []
    try:
        with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as f:
            children = [int(pid) for pid in f.read().split()]
    except OSError:
        pass
    for pid in [*children, proc.pid]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()


def test_a_killed_server_keeps_every_acknowledged_booking_and_payment(tmp_path):
    """Bookings and payments are committed in groups (one fsync for several): SIGKILL both workers in
    the middle of a stream of them, restart, and every one that was answered 201 is there."""
    import asyncio
    import sqlite3

    from mock_server.seed import DEMO_PASSWORD, DEMO_PAY_PIN

    db = tmp_path / "group.sqlite"
    server = LiveServer(db, "--workers", "2").start()
    acknowledged: list[tuple[str, dict, dict, dict]] = []  # (kind, request headers, request body, answer)
    try:
        url = server.url

        async def stream() -> None:
            async with httpx.AsyncClient(base_url=url, timeout=30,
                                         limits=httpx.Limits(max_connections=40)) as c:
                people = []
                for phone in ("13705719050", "13805710002"):
                    r = await c.post("/api/v1/auth/login/password", json={"account": phone, "password": DEMO_PASSWORD})
                    auth = {"Authorization": f"Bearer {r.json()['access_token']}"}
                    family = (await c.get("/api/v1/me", headers=auth)).json()
                    patients = [None] + [m["id"] for m in family.get("family", [])]
                    people.append((auth, patients))
                departments = [d["id"] for h in (await c.get("/api/v1/hospitals")).json()["items"][:3]
                               for d in (await c.get(f"/api/v1/hospitals/{h['id']}/departments")).json()["items"][:4]]
                attempts = []
                for day in ("2026-06-16", "2026-06-17", "2026-06-18", "2026-06-19"):
                    for n, department in enumerate(departments):
                        schedule = (await c.get(f"/api/v1/departments/{department}/schedule",
                                                params={"date": day})).json()
                        free = [w["id"] for d in schedule["doctors"] for s in d["sessions"] for w in s["windows"]
                                if w["remaining"] > 0]
                        if free:
                            auth, patients = people[n % 2]
                            patient = patients[(n // 2) % len(patients)]
                            attempts.append(("book", auth, {"window_id": free[0], **({"patient_id": patient} if patient else {})}))
                for auth, _ in people:
                    bills = (await c.get("/api/v1/bills", params={"status": "unpaid"}, headers=auth)).json()["items"]
                    attempts += [("pay", auth, {"bill_id": b["id"], "pin": DEMO_PAY_PIN}) for b in bills if not b["expired"]]
                attempts.sort(key=lambda a: a[0] == "pay")
                attempts = [a for pair in zip(attempts[::2], attempts[1::2]) for a in pair] + attempts[len(attempts) // 2 * 2:]

                async def one(i: int, kind: str, auth: dict, body: dict) -> None:
                    headers = {**auth, "Idempotency-Key": f"kill-{kind}-{i:04d}"}
                    path = "/api/v1/appointments" if kind == "book" else "/api/v1/payments"
                    try:
                        r = await c.post(path, json=body, headers=headers)
                    except httpx.HTTPError:
                        return
                    if r.status_code == 201:
                        acknowledged.append((kind, headers, body, r.json()))

                tasks = [asyncio.create_task(one(i, *a)) for i, a in enumerate(attempts)]
                assert len(tasks) >= 40, len(tasks)
                while len(acknowledged) < 12 and not all(t.done() for t in tasks):
                    await asyncio.sleep(0.002)
                _kill_all(server.proc)
                await asyncio.gather(*tasks)

        asyncio.run(stream())
    finally:
        server.stop()
    assert len(acknowledged) >= 12
    with sqlite3.connect(db) as conn:  # the file as the crash left it, before any restart
        booked = {r[0] for r in conn.execute("SELECT id FROM appointments WHERE status = 'booked'")}
        paid = {r[0] for r in conn.execute("SELECT id FROM payments WHERE status = 'succeeded'")}
        assert conn.execute("SELECT COUNT(*) FROM time_windows WHERE booked > capacity").fetchone()[0] == 0
    for kind, _, _, answer in acknowledged:
        assert answer["id"] in (booked if kind == "book" else paid), (kind, answer["id"])
    again = LiveServer(db).start()
    try:  # the same request again is answered with the same result, not made a second time
        for kind, headers, body, answer in acknowledged:
            path = "/api/v1/appointments" if kind == "book" else "/api/v1/payments"
            r = httpx.post(again.url + path, json=body, headers=headers)
            assert r.status_code == 201 and r.json()["id"] == answer["id"], r.text
    finally:
        again.stop()

