"""Monotonic counters for readable numbers (payment ids, booking numbers, bill numbers)."""
from __future__ import annotations

from .db import Database


def next_value(db: Database, name: str) -> int:
    """The next value of counter ``name``; call inside a write transaction."""
    with db.write():
        db.execute(
            "INSERT INTO counters (name, value) VALUES (?, 1) "
            "ON CONFLICT (name) DO UPDATE SET value = counters.value + 1",
            (name,),
        )
        return db.scalar("SELECT value FROM counters WHERE name = ?", (name,))
