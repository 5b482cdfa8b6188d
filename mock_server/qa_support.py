"""The helpers behind the ``zheliban`` pytest plugin (``mock_server.pytest_plugin``): the backend
process (``ZhelibanServer``), the private event loop the synchronous helpers run on (``_LoopThread``,
``_Runtime``), a sandbox's handle (``Sandbox``), and the synchronous facades of the admin API
(``SandboxAdmin``) and of a citizen's ``ApiClient`` (``SyncApiClient``).

The plugin imports this module whenever pytest starts, so it stays as light as the plugin: nothing heavy
at import time (asyncio, httpx, ``zheliban_tui`` ... are imported inside the methods that need them) and
no side effects. The plugin re-exports every public name here.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import subprocess
    from collections.abc import Coroutine
    from datetime import datetime, timedelta
    from pathlib import Path

    from zheliban_tui.api import AdminClient, ApiClient, Appointment, OutboxSms, SandboxClock, SandboxInfo
    from zheliban_tui.api.models import FaultsInfo, JournalEntry

DEFAULT_START = "2026-06-15T09:00:00+08:00"  # where a new sandbox's clock starts (a Monday)
SANDBOX_HEADER = "X-Sandbox-Id"
START_TIMEOUT_S = 60.0
CALL_TIMEOUT_S = 60.0


# --- the backend process -----------------------------------------------------------------------------
class ZhelibanServer:
    """A ``zheliban-mock`` backend: started here (``ZhelibanServer.start``), or one that was running
    already (``--zheliban-server``; then ``stop()`` leaves it alone)."""

    def __init__(self, url: str, admin_key: str, *, process: subprocess.Popen | None = None,
                 log_path: Path | None = None, db: Path | None = None) -> None:
        self.url = url.rstrip("/")
        self.admin_key = admin_key
        self.process = process
        self.log_path = log_path
        self.db = db

    def __repr__(self) -> str:  # the key stays out of reports
        return f"ZhelibanServer(url={self.url!r}, started_here={self.process is not None})"

    @classmethod
    def start(cls, folder: Path, *, admin_key: str | None = None, timeout: float = START_TIMEOUT_S) -> ZhelibanServer:
        """Start ``zheliban-mock`` on a free loopback port with a database in ``folder``; return once it
        answers ``/healthz``."""
        import secrets
        import subprocess
        import sys
        import time

        key = admin_key or secrets.token_urlsafe(18)
        db = folder / "mock.sqlite"
        log_path = folder / "zheliban-mock.log"
        # `python -m mock_server` is `zheliban-mock`, without depending on PATH. The demo sandbox starts
        # where QA sandboxes start, so both share one seeded template and a test's sandbox is quick to make.
        cmd = [sys.executable, "-m", "mock_server", "--host", "127.0.0.1", "--port", "0", "--db", str(db),
               "--admin-key", key, "--start", DEFAULT_START]
        with open(log_path, "wb") as log:
            process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                       env={**os.environ, "PYTHONUNBUFFERED": "1"})
        server = cls("", key, process=process, log_path=log_path, db=db)
        deadline = time.monotonic() + timeout
        try:
            while not server.url:
                found = re.search(r"(http://127\.0\.0\.1:\d+)", server.log())
                if found:
                    server.url = found.group(1)
                elif process.poll() is not None:
                    raise RuntimeError(f"zheliban-mock exited with {process.returncode}:\n{server.log()}")
                elif time.monotonic() > deadline:
                    raise RuntimeError(f"zheliban-mock did not start in {timeout:.0f} s:\n{server.log()}")
                else:
                    time.sleep(0.05)
            _wait_healthy(server.url, deadline, process)
        except BaseException:
            server.stop()
            raise
        return server

    def log(self) -> str:
        """What the process printed (its URL, the admin key, warnings)."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    @property
    def running(self) -> bool:
        return self.process is None or self.process.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the process started here (SIGTERM, then SIGKILL); a server given by URL is left running."""
        import subprocess

        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_healthy(url: str, deadline: float, process: subprocess.Popen | None = None) -> None:
    import time
    import urllib.error
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never via a proxy
    while True:
        try:
            with opener.open(url + "/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"zheliban-mock exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the backend at {url} does not answer /healthz")
        time.sleep(0.05)


# --- a private event loop for the synchronous helpers ------------------------------------------------
class _LoopThread:
    """An asyncio loop running in a daemon thread: ``run(coro)`` runs a coroutine there and waits. It
    works whether or not the calling thread runs a loop of its own (sync and async tests alike), and
    the connections of the httpx client used on it stay on one loop."""

    def __init__(self) -> None:
        import asyncio
        import threading

        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="zheliban-pytest-loop", daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float = CALL_TIMEOUT_S) -> Any:
        import asyncio
        import concurrent.futures
        import threading

        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("a zheliban sync helper was called from its own event loop")
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError(f"no answer from the backend in {timeout:.0f} s") from None

    def close(self) -> None:
        if self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        if not self._thread.is_alive():
            self._loop.close()


class _Runtime:
    """Per session: the loop thread, one http client on it (shared by the admin helper and every sync
    citizen: each ``ApiClient`` keeps its own tokens), and the ``AdminClient``."""

    def __init__(self, server: ZhelibanServer) -> None:
        from zheliban_tui.api import AdminClient, make_http_client

        self.url = server.url
        self.loop = _LoopThread()
        self.http = make_http_client(server.url)
        self.admin: AdminClient = AdminClient(self.http, server.admin_key)

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return self.loop.run(coro)

    def close(self) -> None:
        try:
            self.run(self.http.aclose())
        finally:
            self.loop.close()


# --- sandboxes ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sandbox:
    """A sandbox of the backend: its own data, clock and SMS outbox."""

    id: str
    seed: int
    start: datetime  # where its clock started
    server_url: str = field(repr=False)

    @property
    def headers(self) -> dict[str, str]:
        """The header that puts a raw request (httpx, requests ...) in this sandbox."""
        return {SANDBOX_HEADER: self.id}


# --- the admin helper --------------------------------------------------------------------------------
class SandboxAdmin:
    """The admin API for one sandbox, called synchronously (see the plugin's notes on the loop)."""

    def __init__(self, runtime: _Runtime, sandbox_id: str) -> None:
        self._runtime = runtime
        self.sandbox_id = sandbox_id

    def __repr__(self) -> str:
        return f"SandboxAdmin(sandbox_id={self.sandbox_id!r})"

    @property
    def client(self) -> AdminClient:
        """The underlying async ``AdminClient``; it lives on the helper's loop: ``admin.run(coro)``."""
        return self._runtime.admin

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        """Run a coroutine of ``client`` (or any other) on the helper's loop and return its result."""
        return self._runtime.run(coro)

    def for_sandbox(self, sandbox_id: str) -> SandboxAdmin:
        """The same helper for another sandbox (one made with ``sandbox_factory``, say)."""
        return SandboxAdmin(self._runtime, sandbox_id)

    # the sandbox
    def info(self) -> SandboxInfo:
        return self.run(self.client.sandbox(self.sandbox_id))

    def reset(self, *, seed: int | None = None) -> SandboxInfo:
        """Back to the seeded state (the same seed unless another is given) and the clock to its start."""
        return self.run(self.client.reset_sandbox(self.sandbox_id, seed=seed))

    # the clock
    def clock(self) -> SandboxClock:
        return self.run(self.client.clock(self.sandbox_id))

    def now(self) -> datetime:
        """The sandbox's time (timezone-aware, +08:00)."""
        return self.clock().now

    def set_clock(self, now: datetime | str, *, frozen: bool | None = None) -> SandboxClock:
        """Set the clock to an instant (an aware ``datetime`` or ISO 8601 text); optionally (un)freeze it."""
        return self.run(self.client.set_clock(self.sandbox_id, now, frozen=frozen))

    def advance(self, seconds: float | timedelta = 0, *, minutes: float = 0, hours: float = 0,
                days: float = 0) -> SandboxClock:
        """Move the clock forward (negative: back): ``advance(61)``, ``advance(hours=2)``,
        ``advance(timedelta(days=1))``."""
        total = seconds.total_seconds() if hasattr(seconds, "total_seconds") else float(seconds)
        total += minutes * 60 + hours * 3600 + days * 86400
        return self.run(self.client.advance_clock(self.sandbox_id, total))

    def freeze(self, frozen: bool = True) -> SandboxClock:
        """Stop the clock (it moves only when set or advanced) or, with ``False``, let it run again."""
        return self.run(self.client.freeze_clock(self.sandbox_id, frozen))

    def unfreeze(self) -> SandboxClock:
        return self.freeze(False)

    # the SMS outbox and the counters
    def outbox(self, phone: str | None = None, *, limit: int | None = None) -> list[OutboxSms]:
        """The texts the sandbox 'sent', newest first (``.text``, ``.code``, ``.sent_at``)."""
        return self.run(self.client.outbox(self.sandbox_id, phone=phone, limit=limit))

    def latest_sms_code(self, phone: str) -> str:
        """The code of the newest login text sent to ``phone``; ``LookupError`` if none was sent."""
        for sms in self.outbox(phone):
            if sms.code:
                return sms.code
        raise LookupError(f"no login code was sent to {phone} in sandbox {self.sandbox_id!r}")

    def attend(self, appointment_id: str) -> Appointment:
        """Mark a booked appointment attended, as a counter's check-in does."""
        return self.run(self.client.attend(self.sandbox_id, appointment_id))

    # faults and the journal
    def faults(self) -> FaultsInfo:
        """The profile in force (``.source``: sandbox, server or none; ``.spec``; ``.fired`` per rule)."""
        return self.run(self.client.faults(self.sandbox_id))

    def set_faults(self, spec: str | None = None, *, seed: int | None = None,
                   rules: list[dict[str, Any]] | None = None) -> FaultsInfo:
        """Inject faults into this sandbox's API traffic: ``set_faults("status=503,rate=0.2,route=/api/v1/payments")``
        or ``set_faults(seed=7, rules=[{"kind": "drop", "method": "POST", "times": 1}])``. See docs/qa.md."""
        return self.run(self.client.set_faults(self.sandbox_id, spec, seed=seed, rules=rules))

    def clear_faults(self) -> None:
        self.run(self.client.clear_faults(self.sandbox_id))

    def journal(self, *, route: str | None = None, method: str | None = None, status: str | int | None = None,
                since: datetime | str | None = None, until: datetime | str | None = None,
                after: int | None = None, limit: int | None = None) -> list[JournalEntry]:
        """The latest requests that match, oldest first (secrets redacted): ``journal(route="/api/v1/payments")``."""
        found = self.run(self.client.journal(self.sandbox_id, route=route, method=method, status=status,
                                             since=since, until=until, after=after, limit=limit))
        return list(found.entries)

    def clear_journal(self) -> None:
        self.run(self.client.clear_journal(self.sandbox_id))


# --- the citizen -------------------------------------------------------------------------------------
class SyncApiClient:
    """Every method of ``zheliban_tui.api.ApiClient``, called without ``await``: ``citizen.cards()``.
    Properties (``tokens``, ``logged_in``, ``citizen_id``, ``sandbox``) read through; ``ApiError``
    is raised as it is. ``.phone`` is the number the client was made for."""

    def __init__(self, runtime: _Runtime, api: ApiClient, phone: str) -> None:
        object.__setattr__(self, "_runtime", runtime)
        object.__setattr__(self, "_api", api)
        object.__setattr__(self, "phone", phone)

    def __getattr__(self, name: str) -> Any:
        import functools
        import inspect

        attr = getattr(self._api, name)
        if not inspect.iscoroutinefunction(attr):
            return attr

        @functools.wraps(attr)
        def call(*args: Any, **kwargs: Any) -> Any:
            return self._runtime.run(attr(*args, **kwargs))

        return call

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._api, name, value)

    def __dir__(self) -> list[str]:
        return sorted(set(object.__dir__(self)) | {n for n in dir(self._api) if not n.startswith("_")})

    def __repr__(self) -> str:
        return f"SyncApiClient(phone={self.phone!r}, sandbox={self._api.sandbox!r}, logged_in={self._api.logged_in})"
