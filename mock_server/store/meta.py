"""Per-sandbox key/value facts: seed, start, clock, signing secret."""
from __future__ import annotations

from .db import Database


def get(db: Database, key: str, default: str | None = None) -> str | None:
    row = db.one("SELECT value FROM meta WHERE key = ?", (key,))
    return default if row is None else row["value"]


def put(db: Database, key: str, value: str) -> None:
    with db.write():
        db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )


def all_items(db: Database) -> dict[str, str]:
    return {r["key"]: r["value"] for r in db.all("SELECT key, value FROM meta")}


def bump_version(db: Database) -> str:
    """Mark the sandbox's facts (clock, secret, seed) changed, for the other worker processes."""
    import secrets

    value = secrets.token_hex(8)
    put(db, "meta_version", value)
    return value
