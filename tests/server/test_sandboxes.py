"""Sandboxes, the admin API and the clock: isolation, reset, seeds, durability of the files."""
from __future__ import annotations

import time

import pytest

from mock_server.sandbox import SandboxRegistry
from mock_server.seed import seed_database
from mock_server.store.db import Database
from mock_server.store.migrate import migrate
from tests.server.helpers import PHONES, ZHANG, assert_problem


async def test_admin_key_is_required(client):
    assert_problem(await client.get("/admin/sandboxes"), 401, "ADMIN_KEY_REQUIRED")
    assert_problem(await client.get("/admin/sandboxes", headers={"X-Admin-Key": "wrong"}), 401, "ADMIN_KEY_REQUIRED")


async def test_create_list_describe_delete(client, admin_headers):
    r = await client.post("/admin/sandboxes", json={"id": "qa-1", "seed": 7}, headers=admin_headers)
    assert r.status_code == 201, r.text
    assert r.json()["seed"] == 7 and r.json()["start"] == "2026-06-15T09:00:00+08:00"
    ids = [s["id"] for s in (await client.get("/admin/sandboxes", headers=admin_headers)).json()]
    assert ids == ["demo", "qa-1"]
    assert_problem(await client.post("/admin/sandboxes", json={"id": "qa-1"}, headers=admin_headers), 409, "SANDBOX_EXISTS")
    assert (await client.delete("/admin/sandboxes/qa-1", headers=admin_headers)).status_code == 204
    assert_problem(await client.get("/admin/sandboxes/qa-1", headers=admin_headers), 404, "SANDBOX_NOT_FOUND")
    assert_problem(await client.get("/api/v1/clock", headers={"X-Sandbox-Id": "qa-1"}), 404, "SANDBOX_NOT_FOUND")


@pytest.mark.parametrize("body", [{"id": "Bad Id"}, {"id": ""}, {"id": "x" * 64}, {"id": "ok", "seed": -1},
                                  {"id": "ok", "seed": "7"}, {"id": "ok", "start": "yesterday"}, {"id": "ok", "extra": 1}])
async def test_create_refuses_bad_input(client, admin_headers, body):
    r = await client.post("/admin/sandboxes", json=body, headers=admin_headers)
    assert r.status_code == 422 and r.json()["code"] == "VALIDATION_FAILED", r.text
    ids = [s["id"] for s in (await client.get("/admin/sandboxes", headers=admin_headers)).json()]
    assert ids == ["demo"]


async def test_bad_sandbox_header(client):
    assert_problem(await client.get("/api/v1/clock", headers={"X-Sandbox-Id": "../etc"}), 400, "INVALID_SANDBOX_ID")
    assert_problem(await client.get("/api/v1/clock", headers={"X-Sandbox-Id": "nope"}), 404, "SANDBOX_NOT_FOUND")


async def test_default_sandbox_cannot_be_deleted(client, admin_headers):
    assert_problem(await client.delete("/admin/sandboxes/demo", headers=admin_headers), 409, "SANDBOX_PROTECTED")


async def test_sandboxes_are_isolated(client, admin_headers):
    await client.post("/admin/sandboxes", json={"id": "a"}, headers=admin_headers)
    await client.post("/admin/sandboxes", json={"id": "b"}, headers=admin_headers)
    r = await client.post("/api/v1/auth/sms-codes", json={"phone": PHONES[ZHANG]}, headers={"X-Sandbox-Id": "a"})
    assert r.status_code == 202
    assert len((await client.get("/admin/sandboxes/a/outbox", headers=admin_headers)).json()) == 1
    assert (await client.get("/admin/sandboxes/b/outbox", headers=admin_headers)).json() == []
    # clocks are separate too
    await client.post("/admin/sandboxes/a/clock/advance", json={"seconds": 3600}, headers=admin_headers)
    a = (await client.get("/admin/sandboxes/a/clock", headers=admin_headers)).json()["now"]
    b = (await client.get("/admin/sandboxes/b/clock", headers=admin_headers)).json()["now"]
    assert a[:13] == "2026-06-15T10" and b[:13] == "2026-06-15T09"


async def test_reset_restores_the_seed_in_milliseconds(client, admin_headers, registry):
    await client.post("/admin/sandboxes", json={"id": "r"}, headers=admin_headers)
    await client.post("/api/v1/auth/sms-codes", json={"phone": PHONES[ZHANG]}, headers={"X-Sandbox-Id": "r"})
    await client.put("/admin/sandboxes/r/clock", json={"now": "2026-07-01T12:00:00+08:00"}, headers=admin_headers)
    started = time.perf_counter()
    r = await client.post("/admin/sandboxes/r/reset", headers=admin_headers)
    elapsed = time.perf_counter() - started
    assert r.status_code == 200
    assert (await client.get("/admin/sandboxes/r/outbox", headers=admin_headers)).json() == []
    assert r.json()["clock"]["now"][:16] == "2026-06-15T09:00"
    assert elapsed < 0.5, f"reset took {elapsed:.3f} s"


async def test_clock_set_freeze_and_advance(client, admin_headers):
    r = await client.put("/admin/sandboxes/demo/clock", json={"now": "2026-06-20T06:59:59", "frozen": True},
                         headers=admin_headers)
    assert r.json() == {"now": "2026-06-20T06:59:59+08:00", "frozen": True}
    time.sleep(1.1)
    assert (await client.get("/api/v1/clock")).json()["now"] == "2026-06-20T06:59:59+08:00"
    r = await client.post("/admin/sandboxes/demo/clock/advance", json={"seconds": 1}, headers=admin_headers)
    assert r.json()["now"] == "2026-06-20T07:00:00+08:00"
    r = await client.put("/admin/sandboxes/demo/clock", json={"now": "2026-06-20T01:00:00Z"}, headers=admin_headers)
    assert r.json()["now"] == "2026-06-20T09:00:00+08:00"


@pytest.mark.parametrize("path,body", [
    ("/admin/sandboxes/demo/clock", {"now": "not a time"}),
    ("/admin/sandboxes/demo/clock", {"now": 5}),
    ("/admin/sandboxes/demo/clock/advance", {"seconds": "10"}),
    ("/admin/sandboxes/demo/clock/advance", {"seconds": 1e12}),
])
async def test_clock_refuses_bad_input(client, admin_headers, path, body):
    before = (await client.get("/admin/sandboxes/demo/clock", headers=admin_headers)).json()["now"]
    method = client.put if path.endswith("clock") else client.post
    r = await method(path, json=body, headers=admin_headers)
    assert r.status_code == 422 and r.json()["code"] == "VALIDATION_FAILED", r.text
    after = (await client.get("/admin/sandboxes/demo/clock", headers=admin_headers)).json()["now"]
    assert after[:16] == before[:16]


async def test_outbox_filters_by_phone_and_refuses_a_bad_one(client, admin_headers):
    await client.post("/api/v1/auth/sms-codes", json={"phone": PHONES[ZHANG]})
    r = await client.get("/admin/sandboxes/demo/outbox", params={"phone": "+8613705719050"}, headers=admin_headers)
    assert len(r.json()) == 1 and r.json()[0]["phone"] == PHONES[ZHANG]
    assert_problem(await client.get("/admin/sandboxes/demo/outbox", params={"phone": "12"}, headers=admin_headers),
                   422, "INVALID_PHONE")


def _dump(db: Database) -> dict:
    tables = [r["name"] for r in db.all("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    return {t: db.all(f"SELECT * FROM {t} ORDER BY 1") for t in tables if t != "meta"}


def test_same_seed_same_data_ids_included(settings):
    from datetime import date

    dumps = []
    for _ in range(2):
        db = Database(":memory:")
        migrate(db)
        seed_database(db, seed=99, start_day=date(2026, 6, 15), settings=settings)
        dumps.append(_dump(db))
    assert dumps[0] == dumps[1]
    other = Database(":memory:")
    migrate(other)
    seed_database(other, seed=100, start_day=date(2026, 6, 15), settings=settings)
    assert _dump(other)["citizens"] != dumps[0]["citizens"]


def test_seed_has_what_the_demo_and_qa_need(sandbox):
    db = sandbox.db
    from mock_server.domain.id_number import is_valid_id_number
    from mock_server.domain.phone import normalize_phone

    holders = db.all("SELECT * FROM citizens WHERE phone IS NOT NULL")
    assert len(holders) >= 20
    assert all(is_valid_id_number(c["id_number"]) for c in db.all("SELECT id_number FROM citizens"))
    assert all(normalize_phone(c["phone"]) == c["phone"] for c in holders)
    assert db.scalar("SELECT COUNT(DISTINCT citizen_id) FROM family_links") >= 2
    assert db.scalar("SELECT COUNT(*) FROM cards WHERE status = 'lost'") == 1
    assert db.scalar("SELECT COUNT(*) FROM citizens WHERE realname_level = 1") >= 1
    assert db.scalar("SELECT COUNT(*) FROM hospitals") >= 6
    per_hospital = db.all("SELECT hospital_id, COUNT(*) n FROM departments GROUP BY hospital_id")
    assert all(r["n"] >= 6 for r in per_hospital)
    per_department = db.all("SELECT department_id, COUNT(*) n FROM doctors GROUP BY department_id")
    assert all(r["n"] >= 3 for r in per_department) and len(per_department) == db.scalar("SELECT COUNT(*) FROM departments")
    days = db.scalar("SELECT COUNT(DISTINCT date) FROM clinic_sessions WHERE date >= '2026-06-15'")
    assert days >= 12  # 14 days, Sundays closed
    assert db.scalar("SELECT MAX(date) FROM clinic_sessions") == "2026-06-27"  # the 14th day, 06-28, is a Sunday
    families = {r["family"] for r in db.all("SELECT DISTINCT family FROM bills")}
    assert families == {"utility", "nontax", "fine", "insurance"}
    assert db.scalar("SELECT COUNT(*) FROM bills WHERE due_date < '2026-06-15' AND status = 'unpaid'") > 0


def test_server_restart_keeps_every_write(tmp_path, settings):
    reg = SandboxRegistry(tmp_path / "m.sqlite", settings)
    reg.ensure("demo", seed=1, start="2026-06-15T09:00:00+08:00")
    reg.create("qa", seed=1)
    sandbox = reg.get("qa")
    from mock_server.store import outbox

    outbox.add(sandbox.db, "13705719050", "hello", sandbox.clock.now_iso())
    sandbox.clock.advance(86400)
    reg.close()  # like a restart: nothing in memory survives
    again = SandboxRegistry(tmp_path / "m.sqlite", settings)
    qa = again.get("qa")
    assert [r["text"] for r in outbox.latest(qa.db)] == ["hello"]
    assert qa.clock.now_iso()[:10] == "2026-06-16"
    assert [s.id for s in again.list()] == ["demo", "qa"]
    again.close()


def test_sqlite_runs_in_wal_with_full_sync(sandbox):
    assert sandbox.db.scalar("PRAGMA journal_mode") == "wal"
    assert sandbox.db.scalar("PRAGMA synchronous") == 2  # FULL


async def test_snapshot_and_restore_bring_back_data_and_clock(client, admin_headers, auth):
    base = "/admin/sandboxes/demo"
    taken = await client.post(f"{base}/snapshots", json={"name": "before-pay"}, headers=admin_headers)
    assert taken.status_code == 201, taken.text
    assert taken.json()["taken_at"].startswith("2026-06-15T09:00")
    headers = auth()
    bills = (await client.get("/api/v1/bills", headers=headers)).json()["items"]
    bill = next(b for b in bills if b["kind"] == "water")
    paid = await client.post("/api/v1/payments", json={"bill_id": bill["id"], "pin": "258369"},
                             headers={**headers, "Idempotency-Key": "snapshot-test-1"})
    assert paid.status_code == 201, paid.text
    await client.post(f"{base}/clock/advance", json={"seconds": 86400}, headers=admin_headers)

    restored = await client.post(f"{base}/snapshots/before-pay/restore", headers=admin_headers)
    assert restored.status_code == 200, restored.text
    assert restored.json()["clock"]["now"].startswith("2026-06-15T09:0")
    headers = auth()
    again = (await client.get(f"/api/v1/bills/{bill['id']}", headers=headers)).json()
    assert again["status"] == "unpaid"
    assert (await client.get("/api/v1/payments", headers=headers)).json()["items"] == []


async def test_restoring_a_missing_snapshot_or_a_bad_name_is_refused(client, admin_headers):
    body = assert_problem(await client.post("/admin/sandboxes/demo/snapshots/nope/restore", headers=admin_headers),
                          404, "SNAPSHOT_NOT_FOUND")
    assert "nope" in body["detail"]
    assert_problem(await client.post("/admin/sandboxes/demo/snapshots", json={"name": "../x"}, headers=admin_headers),
                   422, "VALIDATION_FAILED")
    assert_problem(await client.post("/admin/sandboxes/demo/snapshots", json={"name": "ok"}), 401, "ADMIN_KEY_REQUIRED")
    assert_problem(await client.post("/admin/sandboxes/nosuch/snapshots", json={"name": "ok"}, headers=admin_headers),
                   404, "SANDBOX_NOT_FOUND")
