"""Login sessions and their rotating refresh tokens."""
from __future__ import annotations

from .db import Database, Row


def create(db: Database, session_id: str, citizen_id: str, now_iso: str, expires_iso: str) -> None:
    with db.write():
        db.execute("INSERT INTO auth_sessions (id, citizen_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                   (session_id, citizen_id, now_iso, expires_iso))


def get(db: Database, session_id: str) -> Row | None:
    return db.one("SELECT * FROM auth_sessions WHERE id = ?", (session_id,))


def citizen_of(db: Database, session_id: str) -> Row | None:
    """The citizen of a session, with the session's ``session_expires_at`` and ``session_revoked_at``
    (one query: this runs on every authenticated request)."""
    return db.one(
        "SELECT s.expires_at AS session_expires_at, s.revoked_at AS session_revoked_at, c.* "
        "FROM auth_sessions s JOIN citizens c ON c.id = s.citizen_id WHERE s.id = ?",
        (session_id,))


def add_refresh_token(db: Database, token_hash: str, session_id: str, now_iso: str) -> None:
    with db.write():
        db.execute("INSERT INTO refresh_tokens (token_hash, session_id, issued_at) VALUES (?, ?, ?)",
                   (token_hash, session_id, now_iso))


def refresh_token(db: Database, token_hash: str) -> Row | None:
    return db.one(
        "SELECT r.token_hash, r.session_id, r.used_at, s.citizen_id, s.expires_at, s.revoked_at "
        "FROM refresh_tokens r JOIN auth_sessions s ON s.id = r.session_id WHERE r.token_hash = ?",
        (token_hash,))


def use_refresh_token(db: Database, token_hash: str, now_iso: str) -> bool:
    """Mark a refresh token used; False if it was used already (a conditional update: one winner)."""
    with db.write():
        return db.execute("UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL",
                          (now_iso, token_hash)) == 1


def revoke(db: Database, session_id: str, now_iso: str, reason: str) -> None:
    with db.write():
        db.execute("UPDATE auth_sessions SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL",
                   (now_iso, reason, session_id))
