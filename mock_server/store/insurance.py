"""Medical-insurance (医保) personal accounts and their settlements."""
from __future__ import annotations

from .db import Database, Row


def account(db: Database, person_id: str) -> Row | None:
    """The person's account with the holder's name, or None."""
    return db.one(
        "SELECT a.*, c.name AS holder_name FROM insurance_accounts a JOIN citizens c ON c.id = a.citizen_id "
        "WHERE a.citizen_id = ?",
        (person_id,))


def settlements(db: Database, person_id: str, limit: int) -> list[Row]:
    """The person's settlements, newest first."""
    return db.all(
        "SELECT id, settled_at, institution, kind, total_fen, fund_paid_fen, account_paid_fen, self_paid_fen "
        "FROM insurance_settlements WHERE citizen_id = ? ORDER BY settled_at DESC, id DESC LIMIT ?",
        (person_id, limit))


def settlement_count(db: Database, person_id: str) -> int:
    return db.scalar("SELECT COUNT(*) FROM insurance_settlements WHERE citizen_id = ?", (person_id,))
