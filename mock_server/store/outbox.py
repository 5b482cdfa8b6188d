"""The mock's SMS outbox: every text the backend "sends" is kept here instead."""
from __future__ import annotations

from .db import Database, Row


def add(db: Database, phone: str, text: str, sent_at: str) -> int:
    with db.write():
        return db.insert("INSERT INTO sms_outbox (phone, text, sent_at) VALUES (?, ?, ?)", (phone, text, sent_at))


def latest(db: Database, *, phone: str | None = None, limit: int = 100) -> list[Row]:
    if phone:
        return db.all("SELECT * FROM sms_outbox WHERE phone = ? ORDER BY id DESC LIMIT ?", (phone, limit))
    return db.all("SELECT * FROM sms_outbox ORDER BY id DESC LIMIT ?", (limit,))
