"""The four busiest operations served without FastAPI's router and dependency solver.

Showing a card, reading a schedule, booking and paying are most of the traffic. For them FastAPI's
generic machinery (trying the routes one by one, solving the dependency tree, validating parameters
through field adapters) costs about as much as the work itself. ``HotRoutes`` recognises these four
requests by method and path and calls the very same dependency and endpoint functions directly.

It only takes requests of the plainest shape: path and query parameters that FastAPI would accept
unchanged, a JSON body with ``Content-Type: application/json`` that the request model accepts. For
anything else (a malformed parameter or body, another content type, a HEAD request) it hands the
request, body included, to the FastAPI app, which answers as it always does. Refusals raised by the
dependencies and endpoints are rendered by the same problem+json function as the app's handler; the
dependencies run in the order FastAPI runs them (the body is read first, then the dependencies in
signature order, then the body is validated).
"""
from __future__ import annotations

import json
import re
from typing import Any, Awaitable, Callable

from fastapi import Request
from pydantic import ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send

from .deps import get_idempotency_key, get_sandbox, get_verified_citizen
from .errors import ProblemError, problem_response
from .routes import appointments, card, hospitals, payments

API = "/api/v1"
CARDS = API + "/cards/"
DEPARTMENTS = API + "/departments/"
SCHEDULE = "/schedule"
CARD_ID_MAX_LENGTH = 32  # ``routes.card.CardIdPath``
DEPARTMENT_ID = re.compile(hospitals.DEPARTMENT_ID.lstrip("^").rstrip("$"))  # ``DepartmentIdPath``, max 30
DATE_QUERY = re.compile(rb"date=([0-9]{4}-[0-9]{2}-[0-9]{2})")

_HANDOVER = object()  # "let the FastAPI app answer this request"


class HotRoutes:
    """ASGI middleware: serve the busiest operations directly, hand everything else to ``app``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._bodies: dict[str, tuple[Any, Callable]] = {
            API + "/appointments": (appointments.AppointmentCreate, appointments.create_appointment),
            API + "/payments": (payments.PaymentCreate, payments.create_payment),
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            method, path = scope["method"], scope["path"]
            if method == "GET":
                if path.startswith(CARDS):
                    return await self._serve(scope, receive, send, self._card)
                if path.startswith(DEPARTMENTS) and path.endswith(SCHEDULE):
                    return await self._serve(scope, receive, send, self._schedule)
            elif method == "POST" and path in self._bodies:
                return await self._create(scope, receive, send, *self._bodies[path])
        await self.app(scope, receive, send)

    async def _serve(self, scope: Scope, receive: Receive, send: Send,
                     handler: Callable[[Request], Awaitable[Any]]) -> None:
        request = Request(scope, receive)
        try:
            response = await handler(request)
        except ProblemError as err:
            response = problem_response(err, request)
        if response is _HANDOVER:
            return await self.app(scope, receive, send)
        await response(scope, receive, send)

    # --- reads ------------------------------------------------------------------------------------
    async def _card(self, request: Request):
        card_id = request.scope["path"][len(CARDS):]
        if not card_id or "/" in card_id or len(card_id) > CARD_ID_MAX_LENGTH or request.scope["query_string"]:
            return _HANDOVER
        citizen = await get_verified_citizen(request)
        return await card.get_card(citizen=citizen, card_id=card_id)

    async def _schedule(self, request: Request):
        department_id = request.scope["path"][len(DEPARTMENTS):-len(SCHEDULE)]
        if not DEPARTMENT_ID.fullmatch(department_id) or len(department_id) > 30:
            return _HANDOVER
        query = request.scope["query_string"]
        day_text = None
        if query:
            day = DATE_QUERY.fullmatch(query)
            if day is None:
                return _HANDOVER
            day_text = day.group(1).decode()
        sandbox = await get_sandbox(request)
        return await hospitals.department_schedule(sandbox=sandbox, department_id=department_id, day_text=day_text)

    # --- writes with a JSON body ------------------------------------------------------------------
    async def _create(self, scope: Scope, receive: Receive, send: Send, model, endpoint) -> None:
        if scope["query_string"] or not _is_json(scope):
            return await self.app(scope, receive, send)
        body = await _read_body(receive)
        if body is None:  # the client went away before sending its body: nothing to answer
            return

        async def replay() -> dict:
            nonlocal body
            if body is None:
                return await receive()
            message, body = {"type": "http.request", "body": body, "more_body": False}, None
            return message

        async def handler(request: Request):
            try:
                data = json.loads(body)
            except ValueError:
                return _HANDOVER
            citizen = await get_verified_citizen(request)
            key = await get_idempotency_key(request.headers.get("idempotency-key"))
            try:
                parsed = model.model_validate(data)
            except ValidationError:
                return _HANDOVER
            return await endpoint(body=parsed, citizen=citizen, key=key)

        await self._serve(scope, replay, send, handler)


def _is_json(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return value.split(b";", 1)[0].strip().lower() == b"application/json"
    return False


async def _read_body(receive: Receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)
