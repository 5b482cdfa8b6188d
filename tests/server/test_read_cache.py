"""Answers kept under the database's version stamp: a repeated read skips the queries, and a write by
any process (another worker, another program) is seen by the very next request."""
from __future__ import annotations

import sqlite3
import subprocess
import sys

import httpx
import pytest

from mock_server.app import create_app
from mock_server.read_cache import ReadCache
from mock_server.sandbox import SandboxRegistry
from tests.server.helpers import ADMIN_KEY, ZHANG, assert_problem

API = "/api/v1"
DAY = "2026-06-16"
SCHEDULE = f"{API}/departments/H01D01/schedule"


def _selects(db, statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith("SELECT")]


@pytest.fixture
async def other_worker(registry, settings):
    """A second worker process's view of the same files: its own registry, connections and app."""
    other = SandboxRegistry(registry.db_path, settings, shared=True)
    app = create_app(other, settings, admin_key=ADMIN_KEY)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://other") as c:
        yield c
    other.close()


def _first_window(body: dict) -> dict:
    return next(w for d in body["doctors"] for s in d["sessions"] for w in s["windows"] if w["remaining"] > 0)


async def test_a_repeated_schedule_read_runs_no_query(client, sandbox):
    first = await client.get(SCHEDULE, params={"date": DAY})
    statements: list[str] = []
    sandbox.db.conn.set_trace_callback(statements.append)
    try:
        again = await client.get(SCHEDULE, params={"date": DAY})
    finally:
        sandbox.db.conn.set_trace_callback(None)
    assert again.status_code == 200 and again.content == first.content
    assert _selects(sandbox.db, statements) == []


async def test_a_booking_in_another_worker_shows_in_the_next_schedule_read(client, other_worker, auth):
    before = (await client.get(SCHEDULE, params={"date": DAY})).json()
    window = _first_window(before)
    r = await other_worker.post(f"{API}/appointments", json={"window_id": window["id"]},
                                headers={**auth(ZHANG), "Idempotency-Key": "cache-book-0001"})
    assert r.status_code == 201, r.text
    after = (await client.get(SCHEDULE, params={"date": DAY})).json()
    windows = {w["id"]: w for d in after["doctors"] for s in d["sessions"] for w in s["windows"]}
    assert windows[window["id"]]["remaining"] == window["remaining"] - 1


async def test_a_booking_in_this_worker_shows_in_the_next_schedule_read(client, auth):
    window = _first_window((await client.get(SCHEDULE, params={"date": DAY})).json())
    r = await client.post(f"{API}/appointments", json={"window_id": window["id"]},
                          headers={**auth(ZHANG), "Idempotency-Key": "cache-book-0002"})
    assert r.status_code == 201, r.text
    after = (await client.get(SCHEDULE, params={"date": DAY})).json()
    windows = {w["id"]: w for d in after["doctors"] for s in d["sessions"] for w in s["windows"]}
    assert windows[window["id"]]["remaining"] == window["remaining"] - 1


async def test_a_logout_in_another_worker_ends_the_session_at_once(client, other_worker, auth):
    headers = auth(ZHANG)
    assert (await client.get(f"{API}/me", headers=headers)).status_code == 200
    assert (await client.get(f"{API}/me", headers=headers)).status_code == 200  # now answered from the cache
    assert (await other_worker.post(f"{API}/auth/logout", headers=headers)).status_code == 204
    assert_problem(await client.get(f"{API}/me", headers=headers), 401, "SESSION_REVOKED")
    assert_problem(await client.get(f"{API}/cards", headers=headers), 401, "SESSION_REVOKED")


async def test_a_write_by_another_program_is_seen_by_the_next_request(client, sandbox, auth):
    """A separate OS process writes to the file directly: the session, the card and the schedule
    answered from the cache before are answered anew."""
    headers = auth(ZHANG)
    cards = (await client.get(f"{API}/cards", headers=headers)).json()["items"]
    own = cards[0]["id"]
    assert (await client.get(f"{API}/cards/{own}", headers=headers)).json()["status"] == "normal"
    window = _first_window((await client.get(SCHEDULE, params={"date": DAY})).json())
    session_id = sandbox.db.scalar("SELECT id FROM auth_sessions WHERE citizen_id = ? ORDER BY created_at DESC, id DESC",
                                   (ZHANG,))
    script = (
        "import sqlite3, sys\n"
        "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "db.execute('PRAGMA busy_timeout=10000')\n"
        "db.execute('UPDATE cards SET status = \\'lost\\' WHERE id = ?', (sys.argv[2],))\n"
        "db.execute('UPDATE time_windows SET booked = booked + 1 WHERE id = ?', (sys.argv[3],))\n"
    )
    subprocess.run([sys.executable, "-c", script, sandbox.path, own, window["id"]], check=True)
    assert (await client.get(f"{API}/cards/{own}", headers=headers)).json()["status"] == "lost"
    after = (await client.get(SCHEDULE, params={"date": DAY})).json()
    windows = {w["id"]: w for d in after["doctors"] for s in d["sessions"] for w in s["windows"]}
    assert windows[window["id"]]["remaining"] == window["remaining"] - 1
    revoke = ("import sqlite3, sys\n"
              "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
              "db.execute('PRAGMA busy_timeout=10000')\n"
              "db.execute('UPDATE auth_sessions SET revoked_at = \\'2026-06-15T09:00:00+08:00\\' WHERE id = ?', "
              "(sys.argv[2],))\n")
    subprocess.run([sys.executable, "-c", revoke, sandbox.path, session_id], check=True)
    assert_problem(await client.get(f"{API}/cards/{own}", headers=headers), 401, "SESSION_REVOKED")


async def test_a_reset_empties_the_cache(client, admin_headers, auth):
    window = _first_window((await client.get(SCHEDULE, params={"date": DAY})).json())
    r = await client.post(f"{API}/appointments", json={"window_id": window["id"]},
                          headers={**auth(ZHANG), "Idempotency-Key": "cache-book-0003"})
    assert r.status_code == 201
    booked = (await client.get(SCHEDULE, params={"date": DAY})).json()
    assert (await client.post("/admin/sandboxes/demo/reset", headers=admin_headers)).status_code == 200
    fresh = (await client.get(SCHEDULE, params={"date": DAY})).json()
    assert fresh != booked and _first_window(fresh) == window


async def test_a_clock_move_changes_the_flags_of_a_kept_schedule(client, admin_headers):
    day = "2026-06-22"  # released at 07:00 on the 15th
    await client.put("/admin/sandboxes/demo/clock", json={"now": "2026-06-15T06:59:59+08:00"}, headers=admin_headers)
    assert (await client.get(SCHEDULE, params={"date": day})).json()["released"] is False
    assert (await client.get(SCHEDULE, params={"date": day})).json()["released"] is False
    await client.put("/admin/sandboxes/demo/clock", json={"now": "2026-06-15T07:00:00+08:00"}, headers=admin_headers)
    assert (await client.get(SCHEDULE, params={"date": day})).json()["released"] is True


def test_a_value_read_across_a_change_is_not_kept(tmp_path):
    cache = ReadCache()
    cache.put((1, 0, 0), (2, 0, 0), "k", "read across a commit")
    assert cache.get((1, 0, 0), "k") is None and cache.get((2, 0, 0), "k") is None
    cache.put((2, 0, 0), (2, 0, 0), "k", "v")
    assert cache.get((2, 0, 0), "k") == "v"
    assert cache.get((2, 1, 0), "k") is None  # a newer stamp empties it
    assert cache.get((2, 0, 0), "k") is None


def test_the_stamp_moves_with_every_kind_of_change(tmp_path):
    from mock_server.store.db import Database

    path = tmp_path / "stamp.sqlite"
    one, two = Database(path), Database(path)
    one.execute("CREATE TABLE t (x INTEGER)")
    stamps = [one.version()]
    with two.write():  # another connection commits
        two.execute("INSERT INTO t VALUES (1)")
    stamps.append(one.version())
    with one.write():  # this connection changes a row
        one.execute("INSERT INTO t VALUES (2)")
    stamps.append(one.version())
    source = Database(":memory:")
    source.execute("CREATE TABLE t (x INTEGER)")
    one.copy_from(source)  # the content is replaced
    stamps.append(one.version())
    assert len(set(stamps)) == len(stamps)
    assert one.version() == stamps[-1]  # reading changes nothing
    for db in (one, two, source):
        db.close()
    sqlite3.connect(path).close()
