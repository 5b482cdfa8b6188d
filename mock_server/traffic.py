"""Every API request passes here first: the sandbox's faults are applied and the request journaled.

``SandboxTraffic`` is the outermost ASGI middleware of the app, so it sees the requests that
``HotRoutes`` serves as well as FastAPI's. It resolves the request's sandbox once (the dependencies
of ``deps`` reuse it), asks the sandbox's fault profile what to do with the request (``faults``) and
writes a journal entry when the answer is sent (``journal``). Admin routes, ``/healthz`` and the API
documentation are neither faulted nor journaled.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .deps import SANDBOX_SCOPE_KEY
from .errors import PROBLEM_JSON, ProblemError, problem_response
from .faults import Decision
from .journal import BODY_KEPT
from .sandbox import SandboxRegistry

log = logging.getLogger("mock_server")

API_PREFIX = "/api/"
BODILESS = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})
FAULT_HEADER = b"x-fault-injected"


class SandboxTraffic:
    def __init__(self, app: ASGIApp, registry: SandboxRegistry) -> None:
        self.app = app
        self.registry = registry
        self.default_id = registry.settings.default_sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            return await self.app(scope, receive, send)
        sandbox_id = self.default_id
        for name, value in scope["headers"]:
            if name == b"x-sandbox-id":
                sandbox_id = value.decode("latin-1")
                break
        try:
            sandbox = self.registry.get(sandbox_id)
        except ProblemError:  # no such sandbox: the app answers that
            return await self.app(scope, receive, send)
        scope[SANDBOX_SCOPE_KEY] = sandbox
        profile = sandbox.faults
        decision = profile.decide(scope["method"], scope["path"]) if profile is not None else None
        journal = sandbox.journal
        if not journal.enabled:
            if decision is None:
                return await self.app(scope, receive, send)
            return await self._faulted(scope, receive, send, decision, _new_record())
        record = _new_record()
        started = time.perf_counter()
        epoch = sandbox.clock.epoch()
        if scope["method"] in BODILESS:
            receive_ = receive
        else:
            receive_ = self._recording_receive(receive, scope, record)
        try:
            if decision is None:
                await self.app(scope, receive_, self._recording_send(send, record))
            else:
                await self._faulted(scope, receive_, send, decision, record)
        finally:
            # kept raw: rendering and redaction happen when the journal is read (journal.view)
            journal.add({
                "epoch": epoch, "method": scope["method"], "path": scope["path"], "query": scope["query_string"],
                "status": record["status"], "code": record["code"],
                "ms": (time.perf_counter() - started) * 1000,
                "fault": decision.label if decision is not None else None,
                "body": record["body"], "truncated": record["truncated"], "json": record["json"],
            })

    # --- faults -----------------------------------------------------------------------------------
    async def _faulted(self, scope: Scope, receive: Receive, send: Send, decision: Decision, record: dict) -> None:
        if decision.delay_ms:
            await asyncio.sleep(decision.delay_ms / 1000)
        action = decision.action
        if action is None:
            return await self.app(scope, receive, self._recording_send(send, record))
        if action == "status":
            err = ProblemError("FAULT_INJECTED", f"An injected fault answered {decision.status}",
                               status=decision.status, headers={FAULT_HEADER.decode(): "status"})
            response = problem_response(err)
            return await response(scope, receive, self._recording_send(send, record))
        if action == "drop":
            return await _drop(send)
        if action == "commit-drop":
            await self.app(scope, receive, self._recording_send(_swallow, record))
            return await _drop(send)
        if action == "malformed":
            return await self.app(scope, receive, _malforming(self._recording_send(send, record)))
        raise AssertionError(action)

    # --- journal ----------------------------------------------------------------------------------
    @staticmethod
    def _recording_receive(receive: Receive, scope: Scope, record: dict) -> Receive:
        for name, value in scope["headers"]:
            if name == b"content-type":
                record["json"] = value.split(b";", 1)[0].strip().lower() in (b"application/json", b"text/json")
                break

        async def recording_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request" and not record["truncated"]:
                chunk = message.get("body", b"")
                if len(record["body"]) + len(chunk) > BODY_KEPT:
                    record["truncated"] = True
                else:
                    record["body"] += chunk
            return message

        return recording_receive

    @staticmethod
    def _recording_send(send: Send, record: dict) -> Send:
        problem = False

        async def recording_send(message: Message) -> None:
            nonlocal problem
            if message["type"] == "http.response.start":
                record["status"] = message["status"]
                if message["status"] >= 400:
                    for name, value in message.get("headers", ()):
                        if name == b"content-type" and value.startswith(PROBLEM_JSON.encode()):
                            problem = True
            elif problem and message["type"] == "http.response.body" and record["code"] is None:
                try:
                    record["code"] = json.loads(message.get("body", b"")).get("code")
                except (ValueError, AttributeError):
                    pass
            await send(message)

        return recording_send


def _new_record() -> dict:
    return {"status": None, "code": None, "body": b"", "truncated": False, "json": False}


async def _swallow(message: Message) -> None:
    """The send of a commit-then-drop request: the answer is made, and lost."""


async def _drop(send: Send) -> None:
    """Close the client's connection without an answer. Under uvicorn the connection's transport is
    reached through ``send``'s request cycle; it is aborted (the client sees the connection closed),
    and the cycle marked disconnected so that uvicorn does not answer 500 in our place."""
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise ConnectionAbortedError("a dropped-connection fault needs a real HTTP server")
    cycle.disconnected = True
    transport.abort()
    await asyncio.sleep(0)


def _malforming(send: Send) -> Send:
    """A send that delivers the answer with its body cut in half (and the length to match)."""
    start: Message | None = None
    chunks: list[bytes] = []

    async def malforming_send(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
            return
        if message["type"] != "http.response.body" or start is None:
            return await send(message)
        chunks.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        body = b"".join(chunks)
        body = body[: len(body) // 2]
        headers = [(k, v) for k, v in start.get("headers", ()) if k != b"content-length"]
        headers += [(b"content-length", str(len(body)).encode()), (FAULT_HEADER, b"malformed")]
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})

    return malforming_send
