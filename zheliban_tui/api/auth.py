"""The session's tokens and the ``httpx.Auth`` that sends them and refreshes them.

The access token lives 30 minutes; the refresh token rotates on every refresh, and presenting a used
one revokes the whole session on the server. So a refresh happens at most once for any number of
requests that saw the same expired token: the first takes the lock and refreshes, the others wait
and retry with the new token. A refused refresh ends the session (``SESSION_ENDED``) and clears the
tokens; ``on_tokens`` hears of every change (the app keeps the refresh token in the OS keyring).
"""
from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, NoReturn

import httpx

from ._http import problem_code
from .errors import CLIENT_CODES, ApiError, session_ended
from .models import TokenPair

log = logging.getLogger(__name__)

SANDBOX_HEADER = "X-Sandbox-Id"
TOKEN_EXPIRED = "TOKEN_EXPIRED"

OnTokens = Callable[["Tokens | None"], Any]


@dataclass(frozen=True)
class Tokens:
    """A logged-in session. ``access_expires_at`` is this machine's estimate (the server's clock may be
    a sandbox's virtual clock): the server's TOKEN_EXPIRED answer is what triggers a refresh."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    citizen_id: str
    access_expires_at: datetime
    refresh_expires_at: datetime

    @classmethod
    def from_pair(cls, pair: TokenPair, *, received_at: datetime | None = None) -> Tokens:
        received_at = received_at or datetime.now(timezone.utc)
        return cls(access_token=pair.access_token, refresh_token=pair.refresh_token, citizen_id=pair.citizen_id,
                   access_expires_at=received_at + timedelta(seconds=pair.expires_in),
                   refresh_expires_at=pair.refresh_expires_at)

    def to_dict(self) -> dict[str, str]:
        """Plain strings, for whoever keeps the session between runs."""
        return {"access_token": self.access_token, "refresh_token": self.refresh_token,
                "citizen_id": self.citizen_id, "access_expires_at": self.access_expires_at.isoformat(),
                "refresh_expires_at": self.refresh_expires_at.isoformat()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Tokens:
        """The inverse of ``to_dict``; ``ValueError`` if anything is missing or malformed."""
        try:
            values = {k: data[k] for k in ("access_token", "refresh_token", "citizen_id")}
            if not all(isinstance(v, str) for v in values.values()):
                raise ValueError("tokens must be strings")
            access_end = datetime.fromisoformat(data["access_expires_at"])
            refresh_end = datetime.fromisoformat(data["refresh_expires_at"])
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a saved session ({type(exc).__name__})") from None
        if access_end.tzinfo is None or refresh_end.tzinfo is None:
            raise ValueError("not a saved session (an instant without a UTC offset)")
        return cls(**values, access_expires_at=access_end, refresh_expires_at=refresh_end)


def refusal_ends_session(err: ApiError) -> bool:
    """A refresh the server refused (a 4xx problem) cannot be retried: the session is over. A network
    failure, a 5xx or an unreadable answer leaves the tokens alone."""
    return (err.status is not None and 400 <= err.status < 500 and err.status not in (408, 429)
            and err.code not in CLIENT_CODES)


class TokenAuth(httpx.Auth):
    """Adds ``Authorization: Bearer``; on 401 TOKEN_EXPIRED refreshes once and retries the request once."""

    def __init__(self, *, tokens: Tokens | None = None, on_tokens: OnTokens | None = None) -> None:
        self._tokens = tokens
        self.on_tokens = on_tokens
        self.exchange: Callable[[str], Awaitable[TokenPair]] | None = None  # set by ApiClient
        self._lock = None
        self._exchange_task = None
        self._exchange_token: str | None = None

    @property
    def lock(self):
        """An ``asyncio.Lock`` held while a refresh is in flight (made on first use: importing this
        module does not import asyncio)."""
        if self._lock is None:
            import asyncio

            self._lock = asyncio.Lock()
        return self._lock

    @property
    def tokens(self) -> Tokens | None:
        return self._tokens

    def set_tokens(self, tokens: Tokens | None) -> None:
        """Replace the tokens and tell ``on_tokens`` (a failing callback is logged, not raised)."""
        if tokens is self._tokens:
            return
        self._tokens = tokens
        if self.on_tokens is not None:
            try:
                self.on_tokens(tokens)
            except Exception as exc:  # the session in memory is right; keeping it elsewhere failed
                log.warning("on_tokens failed: %s", type(exc).__name__)

    def clear(self) -> None:
        self.set_tokens(None)

    def fail_refresh(self, err: ApiError, used: Tokens | None) -> NoReturn:
        """A refusal clears the tokens (if they are still ``used``) and raises SESSION_ENDED with the
        server's code in ``server_code``; any other failure is raised as it is."""
        if not refusal_ends_session(err):
            raise err
        if self._tokens is used:
            self.clear()
        raise session_ended(err) from err

    async def refresh_from(self, refresh_token: str, used: Tokens | None) -> Tokens:
        """Swap ``refresh_token`` for a new pair and keep it. The exchange runs as a task of its own and
        the caller waits on it shielded: a caller cancelled meanwhile (a screen's worker replaced by a
        newer one) does not lose the rotated token, which the server would otherwise see reused and
        answer by revoking the session. Callers asking with the same token share one exchange."""
        import asyncio

        task = self._exchange_task
        if task is None or task.done() or self._exchange_token != refresh_token:
            task = asyncio.ensure_future(self._exchange(refresh_token, used))
            self._exchange_task, self._exchange_token = task, refresh_token
        return await asyncio.shield(task)

    async def _exchange(self, refresh_token: str, used: Tokens | None) -> Tokens:
        if self.exchange is None:
            raise RuntimeError("TokenAuth.exchange is not set")
        try:
            pair = await self.exchange(refresh_token)
        except ApiError as err:
            self.fail_refresh(err, used)
        tokens = Tokens.from_pair(pair)
        self.set_tokens(tokens)
        return tokens

    def sync_auth_flow(self, request: httpx.Request):  # pragma: no cover - the client is async only
        raise RuntimeError("TokenAuth works with httpx.AsyncClient only")

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        tokens = self._tokens
        if tokens is not None:
            request.headers["Authorization"] = f"Bearer {tokens.access_token}"
        response = yield request
        if tokens is None or response.status_code != 401:
            return
        await response.aread()
        if problem_code(response) != TOKEN_EXPIRED:
            return
        async with self.lock:
            if self._tokens is tokens:  # nobody refreshed while this request waited
                await self.refresh_from(tokens.refresh_token, tokens)
        current = self._tokens
        if current is None:  # another request's refresh was refused, or the citizen logged out
            raise session_ended()
        if current.citizen_id != tokens.citizen_id:  # someone else logged in meanwhile: not on their behalf
            raise session_ended(detail="Another citizen logged in meanwhile: this request was not sent again")
        request.headers["Authorization"] = f"Bearer {current.access_token}"
        yield request
