"""One SQLite database (one sandbox): connection set-up, transactions and small query helpers.

WAL with ``synchronous=FULL`` so that an acknowledged write survives a killed process; every write
runs inside ``BEGIN IMMEDIATE`` so concurrent writers queue instead of failing half-way. The SQL that
the store modules write sticks to what SQLite and PostgreSQL share (``?`` placeholders are turned
into the driver's style here, in one place).

Group commit (``transact``): the busiest writes (a booking, a payment) are queued by their requests
and run back to back, each in a savepoint of one ``BEGIN IMMEDIATE`` transaction, which one
``COMMIT`` (one fsync) makes durable for all; every request is answered only after that commit. A
refusal rolls back its own savepoint only. The shared transaction lives inside one synchronous call:
nothing else of the process runs while it is open, so no request ever reads what is not committed.
"""
from __future__ import annotations

import asyncio
import fcntl
import os
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence, TypeVar

Row = dict[str, Any]
T = TypeVar("T")

GROUP_MAX = 64  # transactions committed together at most (a bound on how long the others wait)
LOCK_RETRY_S = 0.0002  # while another process holds the write lock, a queued group tries again this often


def _dict_row(cursor: sqlite3.Cursor, row: tuple) -> Row:
    return {d[0]: v for d, v in zip(cursor.description, row)}


class Database:
    """A connection to one SQLite file, shared by the requests of one process."""

    def __init__(self, path: str | Path, *, busy_timeout_ms: int = 10_000, shared: bool = False) -> None:
        """``shared``: other processes write to the same file (``zheliban-mock --workers N``). Their
        writers then queue on an advisory file lock, which wakes the next writer at once, instead of
        SQLite's busy handler, which sleeps in steps of milliseconds."""
        self.path = str(path)
        self._lock_fd = os.open(self.path + ".lock", os.O_RDWR | os.O_CREAT, 0o600) if shared else None
        self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.conn.row_factory = _dict_row
        if self.path != ":memory:":
            self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        self._lock = threading.RLock()
        self._depth = 0
        self._replaced = 0  # bumped when the whole content is replaced (``copy_from``)
        self._tuples = self.conn.cursor()  # answers plain tuples: for the pragmas read on every request
        self._tuples.row_factory = None
        self._queue: list[tuple[Callable[["Database"], Any], asyncio.Future]] = []  # see ``transact``
        self._group_scheduled = False
        self.group_commits = 0  # commits of ``transact`` groups, and the transactions they carried
        self.group_members = 0

    # --- transactions -------------------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator["Database"]:
        """A write transaction (``BEGIN IMMEDIATE``): committed on success, rolled back on error.

        Nested calls join the outer transaction.
        """
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self
                finally:
                    self._depth -= 1
                return
            if self._lock_fd is not None:
                fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                self._depth = 1
                try:
                    yield self
                except BaseException:
                    self._depth = 0
                    self.conn.execute("ROLLBACK")
                    raise
                else:
                    self._depth = 0
                    self.conn.execute("COMMIT")
            finally:
                if self._lock_fd is not None:
                    fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    async def transact(self, work: Callable[["Database"], T]) -> T:
        """Run ``work(db)`` in a write transaction committed together with the other writers queued
        by this process (group commit); answer its result, or raise its exception, once the shared
        commit is durable.

        ``work`` is synchronous and runs as if alone in ``BEGIN IMMEDIATE`` (the writers run one after
        another, each in its own savepoint): what it reads is what the writers before it left, the
        database's constraints check every statement, and an exception undoes its statements only.
        """
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        self._queue.append((work, done))
        if not self._group_scheduled:
            self._group_scheduled = True
            loop.call_soon(self._run_group)  # after the requests ready now: they can join this group
        return await done

    def _run_group(self) -> None:
        self._group_scheduled = False
        if not self._queue:
            return
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._lock_fd is not None:
                try:
                    fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:  # another process writes: try again soon, without blocking the loop
                    self._group_scheduled = True
                    loop.call_later(LOCK_RETRY_S, self._run_group)
                    return
            group, self._queue = self._queue[:GROUP_MAX], self._queue[GROUP_MAX:]
            outcomes: list[tuple[bool, Any]] = []
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                for work, _ in group:
                    outcomes.append(self._run_member(work))
                    if not self.conn.in_transaction:  # the database gave the whole transaction up
                        raise sqlite3.OperationalError("the shared write transaction was rolled back")
                self.conn.execute("COMMIT")
            except BaseException as failure:  # noqa: BLE001 - every member learns of it
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                outcomes = [(False, sqlite3.OperationalError(f"the shared commit failed: {failure!r}"))
                            for _ in group]
            finally:
                if self._lock_fd is not None:
                    fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            self.group_commits += 1
            self.group_members += len(group)
        for (_, done), outcome in zip(group, outcomes):
            if done.get_loop() is loop:
                _settle(done, outcome)
            else:  # queued from another thread's event loop
                done.get_loop().call_soon_threadsafe(_settle, done, outcome)
        if self._queue and not self._group_scheduled:
            self._group_scheduled = True
            loop.call_soon(self._run_group)

    def _run_member(self, work: Callable[["Database"], Any]) -> tuple[bool, Any]:
        self.conn.execute("SAVEPOINT member")
        self._depth = 1
        try:
            result = work(self)
        except BaseException as exc:  # noqa: BLE001 - handed to the request that queued it
            self._depth = 0
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK TO SAVEPOINT member")
                self.conn.execute("RELEASE SAVEPOINT member")
            return False, exc
        self._depth = 0
        self.conn.execute("RELEASE SAVEPOINT member")
        return True, result

    @contextmanager
    def read(self) -> Iterator["Database"]:
        """A consistent snapshot for several reads."""
        with self._lock:
            if self._depth:
                yield self
                return
            self.conn.execute("BEGIN")
            self._depth = 1
            try:
                yield self
            finally:
                self._depth = 0
                self.conn.execute("COMMIT")

    # --- queries ------------------------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement; answer the number of rows it changed."""
        with self._lock:
            return self.conn.execute(sql, params).rowcount

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self._lock:
            self.conn.executemany(sql, rows)

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        with self._lock:
            return self.conn.execute(sql, params).fetchone()

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._lock:
            return self.conn.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.one(sql, params)
        return None if row is None else next(iter(row.values()))

    def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run an INSERT; answer the new row's integer id."""
        with self._lock:
            return self.conn.execute(sql, params).lastrowid

    # --- whole-database operations --------------------------------------------------------------
    def copy_from(self, source: "Database") -> None:
        """Replace this database's content with ``source``'s (a sandbox reset: milliseconds)."""
        with self._lock, source._lock:
            source.conn.backup(self.conn)
            self._replaced += 1

    def data_version(self) -> int:
        """Changes whenever another connection commits to this database."""
        with self._lock:
            return self._tuples.execute("PRAGMA data_version").fetchone()[0]

    def version(self) -> tuple[int, int, int]:
        """A stamp of the content this connection sees: it changes whenever another connection (another
        worker process) commits, this connection changes a row, or the content is replaced. Equal stamps
        mean the same data, so a value computed from the data can be kept under its stamp."""
        with self._lock:
            return self._tuples.execute("PRAGMA data_version").fetchone()[0], self.conn.total_changes, self._replaced

    def close(self) -> None:
        with self._lock:
            self.conn.close()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None


def _settle(done: asyncio.Future, outcome: tuple[bool, Any]) -> None:
    if done.cancelled():  # the request went away; its transaction is committed all the same
        return
    ok, value = outcome
    if ok:
        done.set_result(value)
    else:
        done.set_exception(value)


def and_equal(sql: str, params: list, filters: dict[str, Any]) -> str:
    """Append ``AND column = ?`` for each filter that is not None (the column names are the caller's
    constants, never user input)."""
    for column, value in filters.items():
        if value is not None:
            sql += f" AND {column} = ?"
            params.append(value)
    return sql


def is_constraint_error(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.IntegrityError)


IntegrityError = sqlite3.IntegrityError
