"""FastAPI dependencies: the sandbox of a request, the logged-in citizen, the admin key."""
from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.routing import APIRoute
from starlette._utils import get_route_path
from starlette.routing import Match

from .clock import parse_instant
from .domain.access_token import AccessTokenError, parse_access_token
from .errors import ProblemError
from .sandbox import Sandbox, SandboxRegistry
from .settings import Settings
from .store import people, sessions
from .store.db import Row

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,100}$")


async def get_registry(request: Request) -> SandboxRegistry:
    return request.app.state.registry


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


SANDBOX_HEADER = "X-Sandbox-Id"
SANDBOX_SCOPE_KEY = "zheliban.sandbox"


async def get_sandbox(request: Request) -> Sandbox:
    """The sandbox named by ``X-Sandbox-Id`` (default ``demo``). The header is read directly (cheaper
    than a declared parameter) and documented on every operation by ``app.py``."""
    sandbox = request.scope.get(SANDBOX_SCOPE_KEY)  # resolved by ``traffic.SandboxTraffic``
    if sandbox is not None:
        request.state.sandbox = sandbox
        return sandbox
    registry: SandboxRegistry = request.app.state.registry
    sandbox_id = request.headers.get(SANDBOX_HEADER)
    sandbox = registry.get(registry.settings.default_sandbox if sandbox_id is None else sandbox_id)
    request.state.sandbox = sandbox
    return sandbox


SandboxDep = Annotated[Sandbox, Depends(get_sandbox)]


@dataclass
class CurrentCitizen:
    """The logged-in citizen of a request and the sandbox they are in."""

    sandbox: Sandbox
    row: Row
    session_id: str

    @property
    def id(self) -> str:
        return self.row["id"]

    def person(self, person_id: str | None) -> str:
        """Oneself (``None``) or a family member one acts for; anyone else is PERSON_NOT_FOUND."""
        person = self.id if person_id is None else person_id
        if not people.may_act_for(self.sandbox.db, self.id, person):
            raise ProblemError("PERSON_NOT_FOUND", f"No person {person!r} among you and your family")
        return person


# How the credentials are documented: the dependencies below read the headers directly (each
# declared dependency level costs FastAPI tens of microseconds a request); ``app.py`` adds these
# schemes to the operations that use them.
SECURITY_SCHEMES = {
    "AccessToken": {"type": "http", "scheme": "bearer",
                    "description": "The access token of a login: `Authorization: Bearer <token>`"},
    "AdminKey": {"type": "apiKey", "in": "header", "name": "X-Admin-Key",
                 "description": "The key set with `zheliban-mock --admin-key` (printed at start)"},
}


MAX_TOKENS_KEPT = 4096  # verified access tokens kept per sandbox before the memo starts again


def _claims_of(sandbox: Sandbox, token: str):
    """The claims of a genuine token (memoised per sandbox: the signature check is pure under one secret)."""
    claims = sandbox.token_claims.get(token)
    if claims is None:
        try:
            claims = parse_access_token(sandbox.secret, token)
        except AccessTokenError:
            raise ProblemError("TOKEN_INVALID", headers={"WWW-Authenticate": "Bearer"}) from None
        if len(sandbox.token_claims) >= MAX_TOKENS_KEPT:
            sandbox.token_claims.clear()
        sandbox.token_claims[token] = claims
    return claims


def _session_of(sandbox: Sandbox, session_id: str) -> tuple[Row, float] | None:
    """The session's citizen row and the session's end (epoch seconds), kept in the sandbox's read cache
    under the data's version stamp: a log-out or a revocation by any process changes the stamp."""
    key = ("session", session_id)
    found = sandbox.cache.get(sandbox.version, key)
    if found is None:
        row = sessions.citizen_of(sandbox.db, session_id)
        if row is None:
            return None
        found = (row, parse_instant(row["session_expires_at"]).timestamp())
        sandbox.cache.put(sandbox.version, sandbox.db.version(), key, found)
    return found


def _citizen_of(request: Request, sandbox: Sandbox) -> CurrentCitizen:
    authorization = request.headers.get("authorization")
    if not authorization:
        raise ProblemError("AUTH_REQUIRED", headers={"WWW-Authenticate": "Bearer"})
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ProblemError("TOKEN_INVALID", "Use the header: Authorization: Bearer <access token>",
                           headers={"WWW-Authenticate": "Bearer"})
    claims = _claims_of(sandbox, token.strip())
    now = sandbox.clock.epoch()
    if claims.expires_at_epoch <= now:
        raise ProblemError("TOKEN_EXPIRED", "The access token has expired: refresh it",
                           headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    found = _session_of(sandbox, claims.session_id)
    if found is None or found[0]["session_revoked_at"] is not None:
        raise ProblemError("SESSION_REVOKED", headers={"WWW-Authenticate": "Bearer"})
    row, session_end = found
    if session_end <= now:
        raise ProblemError("SESSION_REVOKED", "The session has reached its end: log in again",
                           headers={"WWW-Authenticate": "Bearer"})
    return CurrentCitizen(sandbox, row, claims.session_id)


async def get_current_citizen(request: Request) -> CurrentCitizen:
    """The citizen of ``Authorization: Bearer <access token>`` in the request's sandbox."""
    return _citizen_of(request, await get_sandbox(request))


get_current_citizen.security = "AccessToken"
CitizenDep = Annotated[CurrentCitizen, Depends(get_current_citizen)]


async def get_verified_citizen(request: Request) -> CurrentCitizen:
    """A citizen whose real-name level allows card, payment and booking services."""
    citizen = _citizen_of(request, await get_sandbox(request))
    needed = citizen.sandbox.settings.min_realname_level_for_services
    if citizen.row["realname_level"] < needed:
        raise ProblemError("REALNAME_LEVEL_TOO_LOW",
                           f"This service needs real-name level {needed}; yours is {citizen.row['realname_level']}",
                           required_level=needed, level=citizen.row["realname_level"])
    return citizen


get_verified_citizen.security = "AccessToken"
VerifiedCitizenDep = Annotated[CurrentCitizen, Depends(get_verified_citizen)]


async def get_idempotency_key(
    idempotency_key: Annotated[str | None, Header(description="8-100 characters: letters, digits, `_.:-`")] = None,
) -> str:
    if idempotency_key is None:
        raise ProblemError("IDEMPOTENCY_KEY_REQUIRED")
    if not IDEMPOTENCY_KEY.match(idempotency_key):
        raise ProblemError("IDEMPOTENCY_KEY_INVALID",
                           "An Idempotency-Key is 8-100 characters: letters, digits, '_', '.', ':' or '-'")
    return idempotency_key


IdempotencyKeyDep = Annotated[str, Depends(get_idempotency_key)]


async def require_admin(request: Request) -> None:
    expected: str = request.app.state.admin_key
    given = request.headers.get("x-admin-key")
    if given is None or not hmac.compare_digest(given.encode(), expected.encode()):
        raise ProblemError("ADMIN_KEY_REQUIRED")


require_admin.security = "AdminKey"


def _security_of(dependant) -> set[str]:
    found = set()
    for dep in dependant.dependencies:
        scheme = getattr(dep.call, "security", None)
        if scheme:
            found.add(scheme)
        found |= _security_of(dep)
    return found


class SecuredRoute(APIRoute):
    """A route that documents the security schemes its dependencies check (``security`` attributes),
    since they read their headers directly. Every router uses it: ``APIRouter(route_class=SecuredRoute)``.

    A route in the app's own list (``app.add_routes``) knows the literal start of its path: a request
    path that does not start with it cannot match, and is turned away without the pattern match (the
    router tries the routes one by one, so this is paid by every request for every route before its own).
    """

    literal_prefix: str | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        schemes = sorted(_security_of(self.dependant))
        if schemes:
            self.openapi_extra = {**(self.openapi_extra or {}), "security": [{name: []} for name in schemes]}

    def serve_at_full_path(self) -> None:
        """Declare the route's path as the one requests use (not a path under an included router's prefix)."""
        self.literal_prefix = self.path_format.partition("{")[0]

    def matches(self, scope):
        prefix = self.literal_prefix
        if prefix is not None and scope["type"] == "http" and not get_route_path(scope).startswith(prefix):
            return Match.NONE, {}
        return super().matches(scope)

