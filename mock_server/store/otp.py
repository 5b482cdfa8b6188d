"""SMS security codes (stored as keyed digests, never in clear)."""
from __future__ import annotations

from .db import Database, Row


def latest(db: Database, phone: str) -> Row | None:
    return db.one("SELECT * FROM otp_codes WHERE phone = ? ORDER BY id DESC LIMIT 1", (phone,))


def sends_since(db: Database, phone: str, since_iso: str) -> int:
    return db.scalar("SELECT COUNT(*) FROM otp_codes WHERE phone = ? AND sent_at >= ?", (phone, since_iso))


def add(db: Database, phone: str, code_hash: str, now_iso: str, expires_iso: str) -> int:
    with db.write():
        db.execute("UPDATE otp_codes SET state = 'superseded' WHERE phone = ? AND state = 'active'", (phone,))
        return db.insert("INSERT INTO otp_codes (phone, code_hash, sent_at, expires_at) VALUES (?, ?, ?, ?)",
                         (phone, code_hash, now_iso, expires_iso))


def record_wrong_entry(db: Database, otp_id: int, max_wrong: int) -> int:
    """Count a wrong entry; the code is voided at ``max_wrong``. Answers the wrong entries so far."""
    with db.write():
        db.execute("UPDATE otp_codes SET wrong_entries = wrong_entries + 1 WHERE id = ?", (otp_id,))
        db.execute("UPDATE otp_codes SET state = 'voided' WHERE id = ? AND state = 'active' AND wrong_entries >= ?",
                   (otp_id, max_wrong))
        return db.scalar("SELECT wrong_entries FROM otp_codes WHERE id = ?", (otp_id,))


def use(db: Database, otp_id: int) -> bool:
    """Consume an active code; False if another request consumed it first."""
    with db.write():
        return db.execute("UPDATE otp_codes SET state = 'used' WHERE id = ? AND state = 'active'", (otp_id,)) == 1
