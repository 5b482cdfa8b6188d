"""Failed password and PIN entries, and the locks they cause (kind: password | card_pin | pay_pin)."""
from __future__ import annotations

from .db import Database


def locked_until(db: Database, citizen_id: str, kind: str, now_iso: str) -> str | None:
    row = db.one("SELECT locked_until FROM credential_locks WHERE citizen_id = ? AND kind = ?",
                 (citizen_id, kind))
    if row and row["locked_until"] > now_iso:
        return row["locked_until"]
    return None


def record_failure(db: Database, citizen_id: str, kind: str, now_iso: str, window_start_iso: str,
                   max_failures: int, lock_until_iso: str) -> tuple[int, str | None]:
    """Record a failed entry. Answers (failures in the window, lock end if this failure locks)."""
    with db.write():
        db.execute("INSERT INTO credential_failures (citizen_id, kind, at) VALUES (?, ?, ?)",
                   (citizen_id, kind, now_iso))
        since = db.scalar(
            "SELECT COALESCE(MAX(locked_until), '') FROM credential_locks WHERE citizen_id = ? AND kind = ?",
            (citizen_id, kind))
        start = max(window_start_iso, since or "")
        failures = db.scalar(
            "SELECT COUNT(*) FROM credential_failures WHERE citizen_id = ? AND kind = ? AND at >= ?",
            (citizen_id, kind, start))
        if failures >= max_failures:
            db.execute(
                "INSERT INTO credential_locks (citizen_id, kind, locked_until) VALUES (?, ?, ?) "
                "ON CONFLICT (citizen_id, kind) DO UPDATE SET locked_until = excluded.locked_until",
                (citizen_id, kind, lock_until_iso))
            return failures, lock_until_iso
        return failures, None


def clear_failures(db: Database, citizen_id: str, kind: str) -> None:
    """Forget the failed entries after a right one (no write at all when there were none)."""
    if db.one("SELECT 1 AS x FROM credential_failures WHERE citizen_id = ? AND kind = ? LIMIT 1",
              (citizen_id, kind)) is None:
        return
    with db.write():
        db.execute("DELETE FROM credential_failures WHERE citizen_id = ? AND kind = ?", (citizen_id, kind))
