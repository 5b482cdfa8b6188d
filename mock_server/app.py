"""The FastAPI application, assembled in one factory."""
from __future__ import annotations

from fastapi import FastAPI

from . import __version__
from .deps import SANDBOX_HEADER, SECURITY_SCHEMES, SandboxDep
from .errors import ProblemError, install_problem_handlers, problem_response
from .routes import (
    admin,
    appointments,
    auth,
    bills,
    card,
    hospitals,
    messages,
    payments,
)
from .sandbox import SANDBOX_ID, SandboxRegistry
from .settings import Settings

DESCRIPTION = """\
The mock 浙里办 government backend: login, the e-social-security card, fee payment and hospital
booking, with the rules of the real app. Every request may name a sandbox with `X-Sandbox-Id`
(default `demo`). Refusals are RFC 9457 `application/problem+json` with a stable `code`.
Money is integer fen; times are ISO 8601 with the +08:00 offset.
"""


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413 BODY_TOO_LARGE, before any parsing."""

    def __init__(self, app, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.limit
                except ValueError:
                    too_big = True
                if too_big:
                    return await problem_response(ProblemError("BODY_TOO_LARGE"))(scope, receive, send)
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await problem_response(ProblemError("BODY_TOO_LARGE"))(scope, receive, send)


class _TooLarge(Exception):
    pass


def create_app(registry: SandboxRegistry, settings: Settings, *, admin_key: str) -> FastAPI:
    app = FastAPI(
        title="Zheliban mock government backend",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.registry = registry
    app.state.settings = settings
    app.state.admin_key = admin_key
    install_problem_handlers(app)

    @app.get("/healthz", tags=["meta"], summary="Liveness")
    async def healthz():
        return {"status": "ok", "version": __version__}

    @app.get("/api/v1/clock", tags=["meta"], summary="The sandbox's current time")
    async def clock(sandbox: SandboxDep):
        return {"now": sandbox.clock.now_iso(), "epoch": sandbox.clock.epoch(), "sandbox": sandbox.id}

    # routers are tried in this order: the busiest first (a card shown, a schedule read, a payment)
    for module in (card, hospitals, appointments, bills, payments, auth, messages):
        app.include_router(module.router, prefix="/api/v1")
    app.include_router(admin.router)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    _document_sandbox_header(app)
    return app


def _document_sandbox_header(app: FastAPI) -> None:
    """The dependencies read ``X-Sandbox-Id`` directly (cheaper than a declared parameter); say in the
    OpenAPI document which operations take it, and list the security schemes of ``deps``."""
    make = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        doc = make()
        parameter = {
            "name": SANDBOX_HEADER, "in": "header", "required": False,
            "description": "The sandbox to act in (default `demo`): 1-63 characters a-z, 0-9, `-`, `_`",
            "schema": {"type": "string", "pattern": SANDBOX_ID.pattern, "default": app.state.settings.default_sandbox},
        }
        for path, operations in doc.get("paths", {}).items():
            if path.startswith("/admin") or path == "/healthz":
                continue
            for operation in operations.values():
                operation.setdefault("parameters", []).insert(0, parameter)
        doc.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
        app.openapi_schema = doc
        return doc

    app.openapi = openapi
