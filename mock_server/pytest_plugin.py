"""The ``zheliban`` pytest plugin: fixtures for testing against a real mock 浙里办 backend.

Installing this distribution registers the plugin (entry point ``pytest11``), so every test suite in the
environment can use these fixtures without a conftest:

==========================  ========  ==================================================================
fixture                     scope     what it is
==========================  ========  ==================================================================
``zheliban_server``         session   a real ``zheliban-mock`` process on a free loopback port, with its
                                      own temporary database and admin key: ``.url``, ``.admin_key``,
                                      ``.stop()``. One per pytest-xdist worker.
``sandbox``                 function  a fresh sandbox for the test, deleted after it: ``.id``, ``.seed``,
                                      ``.start`` (where its clock started), ``.headers``
``sandbox_factory``         function  ``sandbox_factory(seed=None, start=None)``: more sandboxes in one
                                      test, each deleted after it
``admin``                   function  a synchronous admin helper bound to the test's sandbox: clock
                                      (``now``, ``set_clock``, ``advance``, ``freeze``), SMS outbox
                                      (``outbox``, ``latest_sms_code``), ``reset``, ``attend``
``citizen``                 function  SYNC: 张伟 (13705719050) logged in by password in the test's
                                      sandbox; every ``ApiClient`` method, called without ``await``
``citizen_factory``         function  SYNC: ``citizen_factory(phone=..., password=..., login=True)``
``citizen_async``           function  ASYNC: the same citizen as a plain ``ApiClient``, for
                                      ``async def`` tests (``await citizen_async.cards()``)
``citizen_async_factory``   function  ASYNC: ``citizen_async_factory(phone=..., login=True)``
==========================  ========  ==================================================================

Choose the sandbox's seed and clock start with a marker, or with an indirect parameter::

    @pytest.mark.zheliban_sandbox(seed=7, start="2026-06-15T06:59:00+08:00")
    def test_day_opens_at_seven(admin, citizen): ...

    @pytest.mark.parametrize("sandbox", [{"seed": 1}, {"seed": 2}], indirect=True)
    def test_every_seed(sandbox, citizen): ...

Without either, a sandbox has the backend's defaults: seed 2025, clock at 2026-06-15 09:00 +08:00.

How the synchronous helpers work: ``admin`` and ``citizen`` send their requests on a private event loop
that runs in a background thread (one per test session), and wait for the answer. So they work the same
in plain ``def`` tests and inside ``async def`` tests (where they block the test's loop for the length
of the call: the backend is another process, so nothing waits on that loop). ``citizen_async`` is made
for the test's own loop: use it only in ``async def`` tests (pytest-asyncio, or anyio's asyncio
backend). Failures are ``zheliban_tui.api.ApiError`` with the backend's stable ``code`` either way.

Options: ``--zheliban-server URL`` tests a backend that is already running instead of starting one (its
admin key from ``--zheliban-admin-key`` or ``$ZHELIBAN_ADMIN_KEY``).

This module is imported by every pytest run in the environment: it imports nothing heavy at import time
(``mock_server`` and ``zheliban_tui`` modules are imported inside the fixtures) and has no side effects
until a test asks for one of its fixtures.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import subprocess
    from collections.abc import Coroutine
    from datetime import datetime, timedelta
    from pathlib import Path

    from zheliban_tui.api import AdminClient, ApiClient, Appointment, OutboxSms, SandboxClock, SandboxInfo

MARKER = "zheliban_sandbox"
DEFAULT_PHONE = "13705719050"  # 张伟, the same in every seed
DEFAULT_PASSWORD = "Zlb@2025"  # every demo account's password
DEFAULT_START = "2026-06-15T09:00:00+08:00"  # where a new sandbox's clock starts (a Monday)
ADMIN_KEY_ENV = "ZHELIBAN_ADMIN_KEY"
SANDBOX_HEADER = "X-Sandbox-Id"
START_TIMEOUT_S = 60.0
CALL_TIMEOUT_S = 60.0
_SANDBOX_OPTIONS = frozenset({"seed", "start"})


# --- pytest hooks ------------------------------------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("zheliban", "zheliban mock backend")
    group.addoption("--zheliban-server", metavar="URL", default=None,
                    help="test a running zheliban-mock at URL instead of starting one per session (or worker)")
    group.addoption("--zheliban-admin-key", metavar="KEY", default=None,
                    help=f"the admin key of --zheliban-server (default ${ADMIN_KEY_ENV})")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(seed=None, start=None): the seed and clock start (ISO instant or 'now') of the test's "
        "sandbox (zheliban plugin)")
    if config.getoption("zheliban_server", None) and not _admin_key_option(config):
        raise pytest.UsageError(f"--zheliban-server needs --zheliban-admin-key or ${ADMIN_KEY_ENV}")


def _admin_key_option(config: pytest.Config) -> str | None:
    return config.getoption("zheliban_admin_key", None) or os.environ.get(ADMIN_KEY_ENV) or None


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


def _sandbox_id(test_name: str) -> str:
    """``<test name as a-z0-9->-<12 hex>``: unique, readable in the admin API's list, at most 53 chars."""
    import uuid

    slug = re.sub(r"[^a-z0-9]+", "-", test_name.lower()).strip("-")[:40].rstrip("-") or "test"
    return f"{slug}-{uuid.uuid4().hex[:12]}"


def _sandbox_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    options: dict[str, Any] = {}
    marker = request.node.get_closest_marker(MARKER)
    if marker is not None:
        if marker.args:
            pytest.fail(f"@pytest.mark.{MARKER} takes keywords only: seed=..., start=...", pytrace=False)
        options.update(marker.kwargs)
    param = getattr(request, "param", None)
    if param is not None:
        if not isinstance(param, dict):
            pytest.fail("an indirect 'sandbox' parameter is a dict: {'seed': ..., 'start': ...}", pytrace=False)
        options.update(param)
    unknown = set(options) - _SANDBOX_OPTIONS
    if unknown:
        pytest.fail(f"unknown sandbox option(s) {sorted(unknown)}: use seed and start", pytrace=False)
    return options


# --- the admin helper --------------------------------------------------------------------------------
class SandboxAdmin:
    """The admin API for one sandbox, called synchronously (see the module's notes on the loop)."""

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


# --- fixtures ----------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def zheliban_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A real ``zheliban-mock`` on a free loopback port with its own database and admin key (one per
    session, so one per pytest-xdist worker), or the backend named by ``--zheliban-server``."""
    url = request.config.getoption("zheliban_server", None)
    if url:
        import time

        server = ZhelibanServer(url, _admin_key_option(request.config) or "")
        _wait_healthy(server.url, time.monotonic() + 10)
        yield server
        return
    server = ZhelibanServer.start(tmp_path_factory.mktemp("zheliban-mock"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def _zheliban_runtime(zheliban_server: ZhelibanServer):
    runtime = _Runtime(zheliban_server)
    try:
        yield runtime
    finally:
        runtime.close()


@pytest.fixture
def sandbox_factory(request: pytest.FixtureRequest, _zheliban_runtime: _Runtime):
    """``sandbox_factory(seed=None, start=None, id=None) -> Sandbox``: a new sandbox, deleted after the
    test. ``start``: an ISO instant or ``"now"``; omitted, the backend's fixed default."""
    from zheliban_tui.api import ApiError

    runtime = _zheliban_runtime
    made: list[str] = []

    def make(*, seed: int | None = None, start: datetime | str | None = None, id: str | None = None) -> Sandbox:
        info = runtime.run(runtime.admin.create_sandbox(id or _sandbox_id(request.node.name), seed=seed, start=start))
        made.append(info.id)
        return Sandbox(id=info.id, seed=info.seed, start=info.start, server_url=runtime.url)

    yield make
    for sandbox_id in reversed(made):
        try:
            runtime.run(runtime.admin.delete_sandbox(sandbox_id))
        except ApiError as err:
            if err.code != "SANDBOX_NOT_FOUND":  # the test may have deleted it itself
                raise


@pytest.fixture
def sandbox(request: pytest.FixtureRequest, sandbox_factory) -> Sandbox:
    """A fresh sandbox for this test (seed and start from ``@pytest.mark.zheliban_sandbox`` or an
    indirect parameter), deleted after it."""
    return sandbox_factory(**_sandbox_options(request))


@pytest.fixture
def admin(sandbox: Sandbox, _zheliban_runtime: _Runtime) -> SandboxAdmin:
    """The admin API bound to the test's sandbox, synchronous (works in sync and async tests)."""
    return SandboxAdmin(_zheliban_runtime, sandbox.id)


@pytest.fixture
def citizen_factory(sandbox: Sandbox, _zheliban_runtime: _Runtime):
    """SYNC. ``citizen_factory(phone=..., password=..., login=True, sandbox_id=None) -> SyncApiClient``:
    a citizen logged in by password in the test's sandbox (``login=False``: not logged in yet)."""
    from zheliban_tui.api import ApiClient

    runtime = _zheliban_runtime

    def make(phone: str = DEFAULT_PHONE, password: str = DEFAULT_PASSWORD, *, login: bool = True,
             sandbox_id: str | None = None) -> SyncApiClient:
        api = ApiClient(runtime.http, sandbox=sandbox_id or sandbox.id)
        if login:
            runtime.run(api.login_password(phone, password))
        return SyncApiClient(runtime, api, phone)

    return make


@pytest.fixture
def citizen(citizen_factory) -> SyncApiClient:
    """SYNC. 张伟 (13705719050) logged in in the test's sandbox: ``citizen.cards()``, no ``await``."""
    return citizen_factory()


@pytest.fixture
def citizen_async_factory(sandbox: Sandbox, _zheliban_runtime: _Runtime):
    """ASYNC. ``citizen_async_factory(phone=..., password=..., login=True, sandbox_id=None) -> ApiClient``
    for ``async def`` tests: ``await client.cards()`` runs on the test's own event loop."""
    import httpx

    from zheliban_tui.api import ApiClient, make_http_client

    runtime = _zheliban_runtime
    clients: list[httpx.AsyncClient] = []

    def make(phone: str = DEFAULT_PHONE, password: str = DEFAULT_PASSWORD, *, login: bool = True,
             sandbox_id: str | None = None) -> ApiClient:
        where = sandbox_id or sandbox.id
        tokens = None
        if login:  # logged in on the helper's loop; the session's tokens are handed over
            tokens = runtime.run(ApiClient(runtime.http, sandbox=where).login_password(phone, password))
        # No kept-alive connections: each closes on the test's loop when its answer is read, so nothing
        # bound to that loop is left open when the fixture ends, whatever became of the loop by then.
        transport = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_keepalive_connections=0))
        http = make_http_client(runtime.url, transport=transport)
        clients.append(http)
        return ApiClient(http, sandbox=where, tokens=tokens)

    yield make
    for http in clients:
        runtime.run(http.aclose())


@pytest.fixture
def citizen_async(citizen_async_factory):
    """ASYNC. 张伟 (13705719050) logged in in the test's sandbox, as a plain ``ApiClient``: use it in
    ``async def`` tests (``await citizen_async.cards()``)."""
    return citizen_async_factory()
