"""One SQLite database (one sandbox): connection set-up, transactions and small query helpers.

WAL with ``synchronous=FULL`` so that an acknowledged write survives a killed process; every write
runs inside ``BEGIN IMMEDIATE`` so concurrent writers queue instead of failing half-way. The SQL that
the store modules write sticks to what SQLite and PostgreSQL share (``?`` placeholders are turned
into the driver's style here, in one place).
"""
from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

Row = dict[str, Any]


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
