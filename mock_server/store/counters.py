"""Monotonic counters for readable numbers (payment ids, booking numbers, bill numbers)."""
from __future__ import annotations

from .db import Database


def next_value(db: Database, name: str) -> int:
    """The next value of counter ``name``, in the caller's write transaction (or its own)."""
    with db.write():
        row = db.one(
            "INSERT INTO counters (name, value) VALUES (?, 1) "
            "ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value",
            (name,),
        )
        return row["value"]
