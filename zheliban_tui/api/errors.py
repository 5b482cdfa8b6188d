"""One exception for every failure of a call to the backend: ``ApiError`` with a stable ``code``.

A refusal of the server keeps the server's code (``PIN_INVALID``, ``SLOT_FULL`` ...) and its problem
members (``tries_left``, ``retry_after`` ...). Failures that are not a problem+json answer get the
client-side codes below. Messages never hold a token, an SMS code, a PIN or a password: they are built
from the server's ``title`` and ``detail`` or from fixed text.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

NETWORK_UNREACHABLE = "NETWORK_UNREACHABLE"  # connection refused, DNS failure, connection dropped
NETWORK_TIMEOUT = "NETWORK_TIMEOUT"  # any httpx timeout: the outcome of a write is unknown
SERVER_ERROR = "SERVER_ERROR"  # a 5xx answer without a problem body
BAD_RESPONSE = "BAD_RESPONSE"  # not JSON, wrong content type, or JSON of the wrong shape
SESSION_ENDED = "SESSION_ENDED"  # the session cannot continue (a refresh was refused): log in again

CLIENT_CODES = frozenset({NETWORK_UNREACHABLE, NETWORK_TIMEOUT, SERVER_ERROR, BAD_RESPONSE, SESSION_ENDED})
NETWORK_CODES = frozenset({NETWORK_UNREACHABLE, NETWORK_TIMEOUT})
# Codes after which the citizen has to log in (again).
LOGIN_NEEDED_CODES = frozenset({SESSION_ENDED, "SESSION_REVOKED", "REFRESH_TOKEN_REUSED", "TOKEN_INVALID",
                                "TOKEN_EXPIRED", "AUTH_REQUIRED"})
_PROBLEM_MEMBERS = ("title", "status", "detail", "code")

_TITLES = {
    NETWORK_UNREACHABLE: "The server cannot be reached",
    NETWORK_TIMEOUT: "The server did not answer in time",
    SERVER_ERROR: "The server failed",
    BAD_RESPONSE: "The server's answer cannot be read",
    SESSION_ENDED: "The session has ended",
}


class ApiError(Exception):
    """A call to the backend failed. ``code`` is stable and upper-snake; ``status`` is the HTTP status
    (``None`` when no answer came); ``extra`` holds the other members of the problem body."""

    def __init__(self, code: str, *, status: int | None = None, title: str | None = None,
                 detail: str | None = None, extra: dict[str, Any] | None = None) -> None:
        self.code = code
        self.status = status
        self.title = title or _TITLES.get(code) or code.replace("_", " ").capitalize()
        self.detail = detail or self.title
        self.extra: dict[str, Any] = dict(extra or {})
        super().__init__(code)  # args stay (code,): pickling rebuilds with it, then restores __dict__

    # --- construction -------------------------------------------------------------------------------
    @classmethod
    def from_problem(cls, status: int | None, body: dict[str, Any],
                     retry_after_header: str | None = None) -> ApiError:
        """The error of a problem+json body (its ``code`` is a non-empty string)."""
        extra = {k: v for k, v in body.items() if k not in _PROBLEM_MEMBERS}
        if "retry_after" not in extra and retry_after_header and retry_after_header.strip().isdigit():
            extra["retry_after"] = int(retry_after_header.strip())
        title, detail = body.get("title"), body.get("detail")
        return cls(body["code"], status=status, title=title if isinstance(title, str) else None,
                   detail=detail if isinstance(detail, str) else None, extra=extra)

    @classmethod
    def bad_response(cls, detail: str, *, status: int | None = None) -> ApiError:
        return cls(BAD_RESPONSE, status=status, detail=detail)

    # --- what a caller asks -------------------------------------------------------------------------
    @property
    def tries_left(self) -> int | None:
        """Wrong entries left before a lock (OTP, password, PIN refusals)."""
        return _int_or_none(self.extra.get("tries_left"))

    @property
    def retry_after(self) -> int | None:
        """Seconds to wait before trying again (resend too soon, locks)."""
        return _int_or_none(self.extra.get("retry_after"))

    @property
    def locked_until(self) -> datetime | None:
        """When a lock (ACCOUNT_LOCKED, PIN_LOCKED) ends."""
        value = self.extra.get("locked_until")
        if not isinstance(value, str):
            return None
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None

    @property
    def server_code(self) -> str | None:
        """The server's own code behind a client-side one (the refusal that ended a session)."""
        value = self.extra.get("server_code")
        return value if isinstance(value, str) else None

    @property
    def is_network(self) -> bool:
        """No answer came: the server could not be reached or did not answer in time."""
        return self.code in NETWORK_CODES

    @property
    def is_timeout(self) -> bool:
        return self.code == NETWORK_TIMEOUT

    @property
    def session_ended(self) -> bool:
        """The citizen has to log in (again) before this can succeed."""
        return self.code in LOGIN_NEEDED_CODES

    def __str__(self) -> str:
        where = f" ({self.status})" if self.status is not None else ""
        return f"{self.code}{where}: {self.detail}"

    def __repr__(self) -> str:
        return f"ApiError(code={self.code!r}, status={self.status!r}, detail={self.detail!r})"


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def session_ended(cause: ApiError | None = None, detail: str | None = None) -> ApiError:
    """SESSION_ENDED, keeping the server's refusal (if any) as ``server_code`` and its members."""
    extra: dict[str, Any] = {}
    status = None
    if cause is not None:
        extra = {k: v for k, v in cause.extra.items() if k != "server_code"}
        extra["server_code"] = cause.code
        status = cause.status
    return ApiError(SESSION_ENDED, status=status, detail=detail or "The session has ended: log in again",
                    extra=extra)
