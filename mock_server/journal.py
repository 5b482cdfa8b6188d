"""The request journal of a sandbox: the latest API requests in a bounded ring, secrets redacted.

Each entry says when (the sandbox's clock), what (method, path, query, the JSON body with tokens,
codes, PINs and passwords replaced by ``"***"`` when the entry is read: ``view``), the answer (status and problem code), how long it
took, and which injected fault, if any, shaped it. The ring keeps ``Settings.journal_size`` entries
(0 turns the journal off); it lives in the server process, so a server started with ``--workers N``
keeps one ring per worker.
"""
from __future__ import annotations

import json
from collections import deque
from datetime import datetime
from itertools import count
from urllib.parse import parse_qsl, urlencode

from .clock import SHANGHAI
from .faults import route_matches

REDACTED = "***"
# request fields that carry a secret: SMS codes and scanned card codes, PINs, passwords, tokens
SECRET_FIELDS = frozenset({
    "code", "pin", "password", "new_password", "old_password", "current_password",
    "refresh_token", "access_token", "token", "payload", "sms_code", "otp",
})
BODY_KEPT = 4096  # bytes of a request body looked at; a longer body is noted, not kept


def redact(value):
    """A copy of a decoded JSON value with every secret field's value replaced."""
    if isinstance(value, dict):
        return {key: REDACTED if key.lower() in SECRET_FIELDS else redact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value


def redact_query(raw: bytes) -> str:
    if not raw:
        return ""
    query = raw.decode("latin-1")
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, REDACTED if k.lower() in SECRET_FIELDS else v) for k, v in pairs], safe="*:/")


def request_body(raw: bytes, truncated: bool, is_json: bool):
    """What the journal keeps of a request body."""
    if truncated:
        return {"note": f"body over {BODY_KEPT} bytes, not kept"}
    if not raw:
        return None
    if not is_json:
        return {"note": f"{len(raw)} bytes, not JSON"}
    try:
        return redact(json.loads(raw))
    except (ValueError, RecursionError):
        return {"note": f"{len(raw)} bytes, not valid JSON"}


def view(entry: dict) -> dict:
    """An entry as the admin API shows it: the sandbox's time, the query and body redacted."""
    return {
        "id": entry["id"],
        "at": datetime.fromtimestamp(entry["epoch"], SHANGHAI).isoformat(timespec="milliseconds"),
        "method": entry["method"], "path": entry["path"], "query": redact_query(entry["query"]),
        "status": entry["status"], "code": entry["code"], "ms": round(entry["ms"], 2), "fault": entry["fault"],
        "request": request_body(entry["body"], entry["truncated"], entry["json"]),
    }


class Journal:
    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: deque[dict] = deque(maxlen=max(size, 1))
        self._ids = count(1)

    @property
    def enabled(self) -> bool:
        return self.size > 0

    def add(self, entry: dict) -> None:
        entry["id"] = next(self._ids)
        self._entries.append(entry)

    def clear(self) -> None:
        self._entries.clear()

    def query(self, *, route: str | None = None, method: str | None = None, status: str | None = None,
              since: float | None = None, until: float | None = None, after: int | None = None,
              limit: int = 100) -> list[dict]:
        """The latest ``limit`` entries that match, oldest first. ``status``: ``404`` or a class ``4xx``."""
        out = []
        for entry in reversed(self._entries):
            if after is not None and entry["id"] <= after:
                break
            if route is not None and not route_matches(route, entry["path"]):
                continue
            if method is not None and entry["method"] != method:
                continue
            if status is not None and not status_matches(status, entry["status"]):
                continue
            if since is not None and entry["epoch"] < since:
                continue
            if until is not None and entry["epoch"] > until:
                continue
            out.append(entry)
            if len(out) >= limit:
                break
        out.reverse()
        return out


def status_matches(wanted: str, status: int | None) -> bool:
    if status is None:  # the connection was dropped: no status was sent
        return wanted == "none"
    if len(wanted) == 3 and wanted.endswith("xx"):
        return str(status)[0] == wanted[0]
    return str(status) == wanted
