"""Idempotency keys of payments and bookings.

The first successful result under a key is stored in the same transaction as the write it
describes, as the JSON text that was sent; the same key with the same body replays that text; the
same key with another body is refused.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from ..errors import ProblemError
from .db import Database

KEY_REUSED_DETAIL = "This Idempotency-Key was used with a different request; use a new key"


def request_hash(scope: str, body: Any) -> str:
    text = json.dumps({"scope": scope, "body": body}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def find(db: Database, citizen_id: str, key: str, scope: str, body_hash: str) -> tuple[int, str] | None:
    """A stored result for this key (status code, JSON text), or None. Refuses a key reused with
    another request."""
    row = db.one("SELECT * FROM idempotency_keys WHERE citizen_id = ? AND key = ?", (citizen_id, key))
    if row is None:
        return None
    if row["scope"] != scope or row["request_hash"] != body_hash:
        raise ProblemError("IDEMPOTENCY_KEY_REUSED", KEY_REUSED_DETAIL)
    return row["status_code"], row["response_body"]


def store(db: Database, citizen_id: str, key: str, scope: str, body_hash: str, status_code: int,
          response: bytes, now_iso: str) -> None:
    """Keep a result, the JSON bytes sent; call inside the write transaction that made it."""
    db.execute(
        "INSERT INTO idempotency_keys (citizen_id, key, scope, request_hash, status_code, response_body, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (citizen_id, key, scope, body_hash, status_code, response.decode(), now_iso))
