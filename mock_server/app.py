"""The FastAPI application, assembled in one factory."""
from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from . import __version__
from .deps import SANDBOX_HEADER, SECURITY_SCHEMES, SandboxDep, SecuredRoute
from .errors import ProblemError, install_problem_handlers, problem_response
from .hot_routes import HotRoutes
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
from .traffic import SandboxTraffic

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


class MockBackend(FastAPI):
    """The FastAPI app with ``SandboxTraffic`` outside every other layer, Starlette's error middleware
    included: a fault that closes the connection must reach the server's own ``send``."""

    def build_middleware_stack(self):
        return SandboxTraffic(super().build_middleware_stack(), self.state.registry)


def create_app(registry: SandboxRegistry, settings: Settings, *, admin_key: str, hot_routes: bool = True) -> FastAPI:
    """The app. ``hot_routes``: serve the busiest operations through ``HotRoutes`` (the answers are the
    same without it, only slower)."""
    app = MockBackend(
        title="Zheliban mock government backend",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        # no OpenTelemetry here: FastAPI otherwise asks the environment on every request whether it is on
        telemetry={"tracing": False, "metrics": False, "logs": False},
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

    # routes are tried in this order: the busiest first (a card shown, a schedule read, a payment)
    for module in (card, hospitals, appointments, bills, payments, auth, messages):
        add_routes(app, module.router, prefix="/api/v1")
    add_routes(app, admin.router)
    if hot_routes:
        app.add_middleware(HotRoutes)  # inside BodyLimit: bodies are limited on both paths
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    _document_sandbox_header(app)
    return app


def add_routes(app: FastAPI, router: APIRouter, prefix: str = "") -> None:
    """Add the router's operations to the app's own list of routes, as ``include_router`` would
    document them. An included router is matched as a nested router on every request (each of its
    routes tried twice, through layers of context), which cost a request tens of microseconds; a flat
    list is one pattern match per route."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            raise TypeError(f"only API routes can be added: {route!r}")
        app.router.add_api_route(
            prefix + route.path, route.endpoint, response_model=route.response_model,
            status_code=route.status_code, tags=route.tags, dependencies=route.dependencies,
            summary=route.summary, description=route.description,
            response_description=route.response_description, responses=route.responses,
            deprecated=route.deprecated, methods=route.methods, operation_id=route.operation_id,
            response_model_include=route.response_model_include, response_model_exclude=route.response_model_exclude,
            response_model_by_alias=route.response_model_by_alias,
            response_model_exclude_unset=route.response_model_exclude_unset,
            response_model_exclude_defaults=route.response_model_exclude_defaults,
            response_model_exclude_none=route.response_model_exclude_none,
            include_in_schema=route.include_in_schema, response_class=route.response_class, name=route.name,
            route_class_override=type(route), callbacks=route.callbacks, openapi_extra=route.openapi_extra,
            generate_unique_id_function=route.generate_unique_id_function,
            strict_content_type=route.strict_content_type)
        added = app.router.routes[-1]
        if isinstance(added, SecuredRoute):
            added.serve_at_full_path()


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
