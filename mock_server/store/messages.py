"""Messages to citizens: one for each payment, booking, cancellation and waitlist event."""
from __future__ import annotations

from .db import Database, Row


def post(db: Database, citizen_id: str, kind: str, title: str, body: str, created_at: str,
         ref_type: str | None = None, ref_id: str | None = None) -> int:
    with db.write():
        return db.insert(
            "INSERT INTO messages (citizen_id, kind, title, body, ref_type, ref_id, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (citizen_id, kind, title, body, ref_type, ref_id, created_at))


def list_for(db: Database, citizen_id: str, *, unread_only: bool = False, limit: int = 100,
             before_id: int | None = None) -> list[Row]:
    sql = "SELECT * FROM messages WHERE citizen_id = ?"
    params: list = [citizen_id]
    if unread_only:
        sql += " AND read_at IS NULL"
    if before_id is not None:
        sql += " AND id < ?"
        params.append(before_id)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    return db.all(sql, params)


def get(db: Database, citizen_id: str, message_id: int) -> Row | None:
    return db.one("SELECT * FROM messages WHERE id = ? AND citizen_id = ?", (message_id, citizen_id))


def unread_count(db: Database, citizen_id: str) -> int:
    return db.scalar("SELECT COUNT(*) FROM messages WHERE citizen_id = ? AND read_at IS NULL", (citizen_id,))


def mark_read(db: Database, citizen_id: str, message_id: int, now_iso: str) -> bool:
    with db.write():
        return db.execute("UPDATE messages SET read_at = COALESCE(read_at, ?) WHERE id = ? AND citizen_id = ?",
                          (now_iso, message_id, citizen_id)) > 0


def mark_all_read(db: Database, citizen_id: str, now_iso: str) -> int:
    with db.write():
        return db.execute("UPDATE messages SET read_at = ? WHERE citizen_id = ? AND read_at IS NULL",
                          (now_iso, citizen_id))
