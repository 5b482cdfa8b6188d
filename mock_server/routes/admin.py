"""Admin API (header ``X-Admin-Key``): sandboxes, their clocks, SMS outboxes, faults and journals."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import Field

from ..clock import parse_instant
from ..deps import SecuredRoute, get_registry, require_admin
from ..domain.phone import normalize_phone
from ..errors import ProblemError
from ..sandbox import SandboxRegistry
from ..store import outbox as outbox_store
from .models import PROBLEM_RESPONSES, RequestModel, ResponseModel

router = APIRouter(route_class=SecuredRoute, prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)],
                   responses=PROBLEM_RESPONSES)
RegistryDep = Annotated[SandboxRegistry, Depends(get_registry)]


class ClockView(ResponseModel):
    now: str = Field(description="The sandbox's time, ISO 8601 with +08:00")
    frozen: bool


class SandboxView(ResponseModel):
    id: str
    seed: int
    start: str
    clock: ClockView


class SandboxCreate(RequestModel):
    id: str = Field(min_length=1, max_length=63, pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)
    start: str | None = Field(default=None, max_length=40,
                              description="Where the clock starts: an ISO instant, `now`, or omitted for the fixed default")


class SandboxReset(RequestModel):
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)


class SnapshotTake(RequestModel):
    name: str = Field(min_length=1, max_length=63, pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$",
                      description="A name for the snapshot; taking it again replaces it")


class SnapshotView(ResponseModel):
    name: str
    sandbox: str
    taken_at: str = Field(description="The sandbox's time when the snapshot was taken")


class ClockSet(RequestModel):
    now: str = Field(max_length=40, description="ISO 8601 instant; without an offset it is read as +08:00")
    frozen: bool | None = None


class ClockAdvance(RequestModel):
    seconds: float = Field(ge=-10 * 365 * 86400, le=10 * 365 * 86400, allow_inf_nan=False)


class ClockFreeze(RequestModel):
    frozen: bool


class SmsView(ResponseModel):
    id: int
    phone: str
    text: str
    sent_at: str


def _instant(text: str, name: str = "now"):
    try:
        return parse_instant(text)
    except (ValueError, OverflowError):
        raise ProblemError("VALIDATION_FAILED", f"{name}: not an ISO 8601 instant") from None


@router.get("/sandboxes", response_model=list[SandboxView], summary="List sandboxes")
async def list_sandboxes(registry: RegistryDep):
    return [s.describe() for s in registry.list()]


@router.post("/sandboxes", response_model=SandboxView, status_code=201, summary="Create a sandbox from a seed")
async def create_sandbox(body: SandboxCreate, registry: RegistryDep):
    if body.start not in (None, "now"):
        _instant(body.start)
    seed = registry.settings.default_seed if body.seed is None else body.seed
    return registry.create(body.id, seed=seed, start=body.start).describe()


@router.get("/sandboxes/{sandbox_id}", response_model=SandboxView, summary="Describe a sandbox")
async def get_sandbox(sandbox_id: str, registry: RegistryDep):
    return registry.get(sandbox_id).describe()


@router.post("/sandboxes/{sandbox_id}/reset", response_model=SandboxView, summary="Reset a sandbox to its seed")
async def reset_sandbox(sandbox_id: str, registry: RegistryDep, body: SandboxReset | None = None):
    return registry.reset(sandbox_id, seed=body.seed if body else None).describe()


@router.post("/sandboxes/{sandbox_id}/snapshots", response_model=SnapshotView, status_code=201,
             summary="Keep a copy of a sandbox's data and clock")
async def take_snapshot(sandbox_id: str, body: SnapshotTake, registry: RegistryDep):
    return registry.snapshot(sandbox_id, body.name)


@router.post("/sandboxes/{sandbox_id}/snapshots/{name}/restore", response_model=SandboxView,
             summary="Put a sandbox back to a snapshot (its clock resumes at the snapshot's instant)")
async def restore_snapshot(sandbox_id: str, name: str, registry: RegistryDep):
    return registry.restore(sandbox_id, name).describe()


@router.delete("/sandboxes/{sandbox_id}", status_code=204, summary="Delete a sandbox and its file")
async def delete_sandbox(sandbox_id: str, registry: RegistryDep):
    registry.delete(sandbox_id)
    return Response(status_code=204)


@router.get("/sandboxes/{sandbox_id}/clock", response_model=ClockView, summary="Read a sandbox's clock")
async def get_clock(sandbox_id: str, registry: RegistryDep):
    return registry.get(sandbox_id).clock.describe()


@router.put("/sandboxes/{sandbox_id}/clock", response_model=ClockView, summary="Set a sandbox's clock")
async def set_clock(sandbox_id: str, body: ClockSet, registry: RegistryDep):
    sandbox = registry.get(sandbox_id)
    sandbox.clock.set(_instant(body.now), frozen=body.frozen)
    return sandbox.clock.describe()


@router.post("/sandboxes/{sandbox_id}/clock/advance", response_model=ClockView, summary="Move a sandbox's clock")
async def advance_clock(sandbox_id: str, body: ClockAdvance, registry: RegistryDep):
    sandbox = registry.get(sandbox_id)
    sandbox.clock.advance(body.seconds)
    return sandbox.clock.describe()


@router.post("/sandboxes/{sandbox_id}/clock/freeze", response_model=ClockView, summary="Freeze or release the clock")
async def freeze_clock(sandbox_id: str, body: ClockFreeze, registry: RegistryDep):
    sandbox = registry.get(sandbox_id)
    sandbox.clock.freeze(body.frozen)
    return sandbox.clock.describe()


@router.get("/sandboxes/{sandbox_id}/outbox", response_model=list[SmsView], summary="Read the SMS outbox")
async def outbox(sandbox_id: str, registry: RegistryDep,
           phone: Annotated[str | None, Query(max_length=20)] = None,
           limit: Annotated[int, Query(ge=1, le=1000)] = 100):
    sandbox = registry.get(sandbox_id)
    normalized = None
    if phone:
        normalized = normalize_phone(phone)
        if normalized is None:
            raise ProblemError("INVALID_PHONE")
    return outbox_store.latest(sandbox.db, phone=normalized, limit=limit)


# --- faults and journal --------------------------------------------------------------------------------
from typing import Any, Literal  # noqa: E402

from ..faults import KINDS, MAX_RULES, FaultSpecError, make_profile, parse_spec  # noqa: E402
from ..journal import view as journal_view  # noqa: E402


class FaultRuleSpec(RequestModel):
    kind: Literal[KINDS] = Field(description="latency, status, drop, commit-drop or malformed")
    ms: int | None = Field(default=None, ge=0, le=60_000, description="latency: the wait, or the low end of a range")
    max_ms: int | None = Field(default=None, ge=0, le=60_000, description="latency: the high end of a range")
    status: int | None = Field(default=None, ge=400, le=599, description="status: the HTTP status to answer")
    rate: float = Field(default=1.0, gt=0, le=1, allow_inf_nan=False, description="How often it fires (0-1]")
    route: str | None = Field(default=None, max_length=200,
                              description="A path (and the paths under it) or a pattern with `*`; default every API route")
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] | None = None
    times: int | None = Field(default=None, ge=1, le=1_000_000, description="Fire at most this many times")


class FaultsSet(RequestModel):
    spec: str | None = Field(default=None, max_length=4000,
                             description="The text form, e.g. `seed=7; status=503,rate=0.2,route=/api/v1/payments`")
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1, description="With `rules`: the seed of the draws")
    rules: list[FaultRuleSpec] | None = Field(default=None, max_length=MAX_RULES)


class FaultsView(ResponseModel):
    source: Literal["sandbox", "server", "none"] = Field(
        description="Whose profile is in force: the sandbox's own, the server's `--faults`, or none")
    seed: int | None
    spec: str | None = Field(description="The profile in the text form")
    rules: list[dict[str, Any]]
    fired: list[int] = Field(description="How often each rule fired in this server process")


class JournalEntry(ResponseModel):
    id: int
    at: str = Field(description="The sandbox's time when the request arrived")
    method: str
    path: str
    query: str
    status: int | None = Field(description="The status sent; null when the connection was dropped")
    code: str | None = Field(description="The problem code of a refusal")
    ms: float = Field(description="Time to answer, in milliseconds")
    fault: str | None = Field(description="The injected fault that shaped the answer")
    request: Any = Field(description="The JSON body, with tokens, codes, PINs and passwords replaced by ***")


class JournalView(ResponseModel):
    size: int = Field(description="How many entries the ring keeps")
    entries: list[JournalEntry]


def _faults_view(sandbox) -> dict:
    profile = sandbox.faults
    if profile is None:
        return {"source": "none", "seed": None, "spec": None, "rules": [], "fired": []}
    source = "sandbox" if sandbox.own_faults is not None else "server"
    return {"source": source, **profile.as_dict()}


@router.get("/sandboxes/{sandbox_id}/faults", response_model=FaultsView, summary="Read a sandbox's fault profile")
async def get_faults(sandbox_id: str, registry: RegistryDep):
    return _faults_view(registry.get(sandbox_id))


@router.put("/sandboxes/{sandbox_id}/faults", response_model=FaultsView,
            summary="Set a sandbox's fault profile (the text `spec`, or `seed` and `rules`)")
async def set_faults(sandbox_id: str, body: FaultsSet, registry: RegistryDep):
    sandbox = registry.get(sandbox_id)
    if (body.spec is None) == (body.rules is None):
        raise ProblemError("FAULT_SPEC_INVALID", "Send either `spec` or `rules`, not both and not neither")
    if body.spec is not None and body.seed is not None:
        raise ProblemError("FAULT_SPEC_INVALID", "With `spec`, write the seed in it: seed=N")
    try:
        if body.spec is not None:
            profile = parse_spec(body.spec)
        else:
            profile = make_profile(body.seed, [rule.model_dump(exclude_none=True) for rule in body.rules])
    except FaultSpecError as err:
        raise ProblemError("FAULT_SPEC_INVALID", str(err)) from None
    sandbox.set_faults(profile)
    return _faults_view(sandbox)


@router.delete("/sandboxes/{sandbox_id}/faults", status_code=204, summary="Clear a sandbox's own fault profile")
async def clear_faults(sandbox_id: str, registry: RegistryDep):
    registry.get(sandbox_id).set_faults(None)
    return Response(status_code=204)


@router.get("/sandboxes/{sandbox_id}/journal", response_model=JournalView,
            summary="Read a sandbox's request journal (latest first in the ring, returned oldest first)")
async def read_journal(
        sandbox_id: str, registry: RegistryDep,
        route: Annotated[str | None, Query(max_length=200, description="A path (and those under it) or a `*` pattern")] = None,
        method: Annotated[Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] | None, Query()] = None,
        status: Annotated[str | None, Query(pattern=r"^([1-5][0-9][0-9]|[1-5]xx|none)$",
                                            description="A status (`404`), a class (`4xx`) or `none` (dropped)")] = None,
        since: Annotated[str | None, Query(max_length=40, description="From this instant of the sandbox's clock")] = None,
        until: Annotated[str | None, Query(max_length=40, description="Up to this instant of the sandbox's clock")] = None,
        after: Annotated[int | None, Query(ge=0, description="Only entries with a larger id (for polling)")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100):
    sandbox = registry.get(sandbox_id)
    entries = sandbox.journal.query(
        route=route, method=method, status=status, after=after, limit=limit,
        since=_instant(since, "since").timestamp() if since else None,
        until=_instant(until, "until").timestamp() if until else None)
    return {"size": sandbox.journal.size, "entries": [journal_view(entry) for entry in entries]}


@router.delete("/sandboxes/{sandbox_id}/journal", status_code=204, summary="Empty a sandbox's request journal")
async def clear_journal(sandbox_id: str, registry: RegistryDep):
    registry.get(sandbox_id).journal.clear()
    return Response(status_code=204)


# --- hospital counters ---------------------------------------------------------------------------------
from fastapi import Path  # noqa: E402

from ..clock import iso  # noqa: E402
from ..store import appointments as appointments_store  # noqa: E402
from .appointments import Appointment, appointment_view  # noqa: E402


@router.post("/sandboxes/{sandbox_id}/appointments/{appointment_id}/attend", response_model=Appointment,
             summary="Mark a booked appointment attended (what a counter check-in does)")
async def attend_appointment(sandbox_id: str, registry: RegistryDep,
                             appointment_id: Annotated[str, Path(max_length=20, pattern=r"^AP[0-9]{1,18}$")]):
    sandbox = registry.get(sandbox_id)
    now = sandbox.clock.now()
    appointments_store.attend(sandbox.db, appointment_id, iso(now))
    return appointment_view(appointments_store.get(sandbox.db, appointment_id), sandbox.settings, now)
