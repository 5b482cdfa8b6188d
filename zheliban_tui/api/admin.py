"""``AdminClient``: the mock backend's admin routes (header ``X-Admin-Key``): sandboxes, their virtual
clocks, faults and request journals, the SMS outbox, and a counter's check-in. For QA scripts, tests and the demo launcher."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import httpx

from ._http import query, read_answer, segment, send
from .models import Appointment, FaultsInfo, Journal, OutboxSms, SandboxClock, SandboxInfo, Snapshot, list_of

T = TypeVar("T")
ADMIN_PREFIX = "/admin/sandboxes"
ADMIN_KEY_HEADER = "X-Admin-Key"


class AdminClient:
    def __init__(self, http: httpx.AsyncClient, admin_key: str) -> None:
        self._http = http
        self._headers = {ADMIN_KEY_HEADER: admin_key}

    def __repr__(self) -> str:  # the key stays out of logs
        return f"AdminClient(base_url={str(self._http.base_url)!r})"

    async def _call(self, method: str, path: str, read: Callable[[Any], T] | None, *, json: Any = None,
                    params: dict[str, Any] | None = None) -> T:
        response = await send(self._http, method, ADMIN_PREFIX + path, json=json, params=params,
                              headers=self._headers)
        return None if read is None else read_answer(response, read)  # type: ignore[return-value]

    # --- sandboxes ----------------------------------------------------------------------------------
    async def sandboxes(self) -> list[SandboxInfo]:
        return await self._call("GET", "", lambda d: list_of(SandboxInfo, d))

    async def create_sandbox(self, sandbox_id: str, *, seed: int | None = None,
                             start: datetime | str | None = None) -> SandboxInfo:
        """``start``: where the clock starts (an instant, or ``"now"``); omitted: the fixed default."""
        body: dict[str, Any] = {"id": sandbox_id}
        if seed is not None:
            body["seed"] = seed
        if start is not None:
            body["start"] = _instant(start)
        return await self._call("POST", "", SandboxInfo.from_json, json=body)

    async def sandbox(self, sandbox_id: str) -> SandboxInfo:
        return await self._call("GET", f"/{segment(sandbox_id)}", SandboxInfo.from_json)

    async def reset_sandbox(self, sandbox_id: str, *, seed: int | None = None) -> SandboxInfo:
        body = {"seed": seed} if seed is not None else None
        return await self._call("POST", f"/{segment(sandbox_id)}/reset", SandboxInfo.from_json, json=body)

    async def snapshot(self, sandbox_id: str, name: str) -> Snapshot:
        """Keep a copy of the sandbox's data and clock under ``name`` (taking it again replaces it)."""
        return await self._call("POST", f"/{segment(sandbox_id)}/snapshots", Snapshot.from_json, json={"name": name})

    async def restore_snapshot(self, sandbox_id: str, name: str) -> SandboxInfo:
        """Back to a snapshot: its data, and its clock at the snapshot's instant."""
        return await self._call("POST", f"/{segment(sandbox_id)}/snapshots/{segment(name)}/restore",
                                SandboxInfo.from_json)

    async def delete_sandbox(self, sandbox_id: str) -> None:
        await self._call("DELETE", f"/{segment(sandbox_id)}", None)

    # --- the clock ----------------------------------------------------------------------------------
    async def clock(self, sandbox_id: str) -> SandboxClock:
        return await self._call("GET", f"/{segment(sandbox_id)}/clock", SandboxClock.from_json)

    async def set_clock(self, sandbox_id: str, now: datetime | str, *, frozen: bool | None = None) -> SandboxClock:
        body: dict[str, Any] = {"now": _instant(now)}
        if frozen is not None:
            body["frozen"] = frozen
        return await self._call("PUT", f"/{segment(sandbox_id)}/clock", SandboxClock.from_json, json=body)

    async def advance_clock(self, sandbox_id: str, seconds: float) -> SandboxClock:
        return await self._call("POST", f"/{segment(sandbox_id)}/clock/advance", SandboxClock.from_json,
                                json={"seconds": seconds})

    async def freeze_clock(self, sandbox_id: str, frozen: bool = True) -> SandboxClock:
        return await self._call("POST", f"/{segment(sandbox_id)}/clock/freeze", SandboxClock.from_json,
                                json={"frozen": frozen})

    # --- faults and the journal ---------------------------------------------------------------------
    async def faults(self, sandbox_id: str) -> FaultsInfo:
        return await self._call("GET", f"/{segment(sandbox_id)}/faults", FaultsInfo.from_json)

    async def set_faults(self, sandbox_id: str, spec: str | None = None, *, seed: int | None = None,
                         rules: list[dict[str, Any]] | None = None) -> FaultsInfo:
        """The text form (``spec``, e.g. ``"seed=7; status=503,rate=0.2,route=/api/v1/payments"``) or
        ``seed`` and ``rules`` (dicts with ``kind``, ``ms``, ``max_ms``, ``status``, ``rate``, ``route``,
        ``method``, ``times``)."""
        body: dict[str, Any] = {}
        if spec is not None:
            body["spec"] = spec
        if rules is not None:
            body["rules"] = rules
        if seed is not None:
            body["seed"] = seed
        return await self._call("PUT", f"/{segment(sandbox_id)}/faults", FaultsInfo.from_json, json=body)

    async def clear_faults(self, sandbox_id: str) -> None:
        await self._call("DELETE", f"/{segment(sandbox_id)}/faults", None)

    async def journal(self, sandbox_id: str, *, route: str | None = None, method: str | None = None,
                      status: str | int | None = None, since: datetime | str | None = None,
                      until: datetime | str | None = None, after: int | None = None,
                      limit: int | None = None) -> Journal:
        """The latest requests that match, oldest first. ``status``: 404, "4xx" or "none" (dropped)."""
        params = query(route=route, method=method, status=None if status is None else str(status),
                       since=None if since is None else _instant(since),
                       until=None if until is None else _instant(until), after=after, limit=limit)
        return await self._call("GET", f"/{segment(sandbox_id)}/journal", Journal.from_json, params=params)

    async def clear_journal(self, sandbox_id: str) -> None:
        await self._call("DELETE", f"/{segment(sandbox_id)}/journal", None)

    # --- the SMS outbox and the counters ------------------------------------------------------------
    async def outbox(self, sandbox_id: str, *, phone: str | None = None, limit: int | None = None) -> list[OutboxSms]:
        """The texts 'sent', newest first; ``OutboxSms.code`` is the login code of a text."""
        return await self._call("GET", f"/{segment(sandbox_id)}/outbox", lambda d: list_of(OutboxSms, d),
                                params=query(phone=phone, limit=limit))

    async def attend(self, sandbox_id: str, appointment_id: str) -> Appointment:
        """Mark a booked appointment attended, as a counter's check-in does."""
        return await self._call("POST", f"/{segment(sandbox_id)}/appointments/{segment(appointment_id)}/attend",
                                Appointment.from_json)


def _instant(value: datetime | str) -> str:
    return value.isoformat() if isinstance(value, datetime) else value
