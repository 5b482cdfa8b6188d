"""Group commit (``Database.transact``): writers queued together share one BEGIN IMMEDIATE ... COMMIT,
each in its own savepoint, and each is answered only once the shared commit is done."""
from __future__ import annotations

import asyncio
import fcntl
import os
import sqlite3

import pytest

from mock_server.errors import ProblemError
from mock_server.store import db as db_module
from mock_server.store.db import Database


@pytest.fixture
def db(tmp_path):
    database = Database(tmp_path / "group.sqlite", shared=True)
    database.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
    yield database
    database.close()


def _insert(i: int, value: str = "x"):
    def work(db: Database) -> int:
        db.execute("INSERT INTO t (id, v) VALUES (?, ?)", (i, value))
        return i
    return work


def _committed(path: str) -> set[int]:
    """What another connection (another process) sees."""
    with sqlite3.connect(path) as other:
        return {r[0] for r in other.execute("SELECT id FROM t")}


async def test_writers_queued_together_share_one_commit(db):
    results = await asyncio.gather(*(db.transact(_insert(i)) for i in range(10)))
    assert results == list(range(10))
    assert (db.group_commits, db.group_members) == (1, 10)
    assert _committed(db.path) == set(range(10))


async def test_each_writer_is_answered_after_the_commit(db):
    events: list[str] = []
    db.conn.set_trace_callback(lambda sql: events.append(sql) if sql in ("BEGIN IMMEDIATE", "COMMIT") else None)

    async def write(i: int) -> None:
        await db.transact(_insert(i))
        events.append(f"answered {i}")
        assert i in _committed(db.path)  # durable and visible to other processes when answered

    await asyncio.gather(*(write(i) for i in range(5)))
    db.conn.set_trace_callback(None)
    assert events[:2] == ["BEGIN IMMEDIATE", "COMMIT"]
    assert sorted(events[2:]) == [f"answered {i}" for i in range(5)]


async def test_a_refusal_undoes_only_its_own_statements(db):
    def refused(db: Database) -> None:
        db.execute("INSERT INTO t (id, v) VALUES (3, 'x')")
        raise ProblemError("SLOT_FULL")

    works = [_insert(1), _insert(2), refused, _insert(4)]
    results = await asyncio.gather(*(db.transact(w) for w in works), return_exceptions=True)
    assert results[:2] == [1, 2] and results[3] == 4
    assert isinstance(results[2], ProblemError) and results[2].code == "SLOT_FULL"
    assert _committed(db.path) == {1, 2, 4}
    assert db.group_commits == 1


async def test_a_constraint_sees_the_writers_before_it_in_the_group(db):
    results = await asyncio.gather(db.transact(_insert(7, "first")), db.transact(_insert(7, "second")),
                                   db.transact(_insert(8)), return_exceptions=True)
    assert results[0] == 7 and results[2] == 8
    assert isinstance(results[1], sqlite3.IntegrityError)
    with sqlite3.connect(db.path) as other:
        assert other.execute("SELECT v FROM t WHERE id = 7").fetchone() == ("first",)


async def test_a_nested_write_joins_the_member_transaction(db):
    def work(db: Database) -> int:
        with db.write():
            db.execute("INSERT INTO t (id, v) VALUES (1, 'x')")
        with db.write():
            db.execute("INSERT INTO t (id, v) VALUES (2, 'x')")
        raise ProblemError("DAILY_BOOKING_LIMIT")

    with pytest.raises(ProblemError):
        await db.transact(work)
    assert _committed(db.path) == set()


async def test_big_queues_are_committed_in_bounded_groups(db):
    count = db_module.GROUP_MAX * 2 + 5
    await asyncio.gather(*(db.transact(_insert(i)) for i in range(count)))
    assert db.group_members == count and db.group_commits == 3
    assert len(_committed(db.path)) == count


async def test_waiting_for_another_process_does_not_block_the_event_loop(db):
    other = os.open(db.path + ".lock", os.O_RDWR)  # another open file: another process, for flock
    fcntl.flock(other, fcntl.LOCK_EX)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.001)

    running = asyncio.create_task(ticker())
    write = asyncio.create_task(db.transact(_insert(1)))
    await asyncio.sleep(0.05)
    assert not write.done() and ticks > 10  # queued, and the loop kept serving
    assert _committed(db.path) == set()
    fcntl.flock(other, fcntl.LOCK_UN)
    os.close(other)
    assert await asyncio.wait_for(write, 5) == 1
    running.cancel()
    assert _committed(db.path) == {1}


async def test_a_failed_commit_fails_every_writer_of_the_group(db, monkeypatch):
    class FailingCommit:
        def __init__(self, conn):
            self._conn = conn

        def execute(self, sql, *args):
            if sql == "COMMIT":
                raise sqlite3.OperationalError("disk I/O error")
            return self._conn.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(self._conn, name)

    real = db.conn
    db.conn = FailingCommit(real)
    try:
        results = await asyncio.gather(*(db.transact(_insert(i)) for i in range(3)), return_exceptions=True)
    finally:
        db.conn = real
    assert all(isinstance(r, sqlite3.OperationalError) for r in results)
    assert not real.in_transaction
    assert _committed(db.path) == set()
    assert await db.transact(_insert(9)) == 9  # the next group commits normally
    assert _committed(db.path) == {9}
