"""Idempotency keys of payments and bookings.

The first successful result under a key is stored in the same transaction as the write it
describes; the same key with the same body replays it; the same key with another body is refused.
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


def find(db: Database, citizen_id: str, key: str, scope: str, body_hash: str) -> tuple[int, dict] | None:
    """A stored result for this key, or None. Refuses a key reused with another request."""
    row = db.one("SELECT * FROM idempotency_keys WHERE citizen_id = ? AND key = ?", (citizen_id, key))
    if row is None:
        return None
    if row["scope"] != scope or row["request_hash"] != body_hash:
        raise ProblemError("IDEMPOTENCY_KEY_REUSED", KEY_REUSED_DETAIL)
    return row["status_code"], json.loads(row["response_body"])


def store(db: Database, citizen_id: str, key: str, scope: str, body_hash: str, status_code: int,
          response: dict, now_iso: str) -> None:
    """Keep a result; call inside the write transaction that made it."""
    db.execute(
        "INSERT INTO idempotency_keys (citizen_id, key, scope, request_hash, status_code, response_body, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (citizen_id, key, scope, body_hash, status_code, json.dumps(response, ensure_ascii=False), now_iso))
