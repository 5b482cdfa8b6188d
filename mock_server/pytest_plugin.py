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
(``mock_server`` and ``zheliban_tui`` modules are imported inside the fixtures; the helper classes are in
``mock_server.qa_support``, just as light) and has no side effects until a test asks for one of its
fixtures.
"""
from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any

import pytest

# The helper classes live in qa_support (as light to import as this module); re-exported from here.
from mock_server.qa_support import (
    CALL_TIMEOUT_S,
    DEFAULT_START,
    SANDBOX_HEADER,
    START_TIMEOUT_S,
    Sandbox,
    SandboxAdmin,
    SyncApiClient,
    ZhelibanServer,
    _Runtime,
    _wait_healthy,
)

if TYPE_CHECKING:
    from datetime import datetime

__all__ = [
    "ADMIN_KEY_ENV", "CALL_TIMEOUT_S", "DEFAULT_PASSWORD", "DEFAULT_PHONE", "DEFAULT_START", "MARKER",
    "SANDBOX_HEADER", "START_TIMEOUT_S", "Sandbox", "SandboxAdmin", "SyncApiClient", "ZhelibanServer",
    "admin", "citizen", "citizen_async", "citizen_async_factory", "citizen_factory", "pytest_addoption",
    "pytest_configure", "sandbox", "sandbox_factory", "zheliban_server",
]

MARKER = "zheliban_sandbox"
DEFAULT_PHONE = "13705719050"  # 张伟, the same in every seed
DEFAULT_PASSWORD = "Zlb@2025"  # every demo account's password
ADMIN_KEY_ENV = "ZHELIBAN_ADMIN_KEY"
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


# --- sandboxes ---------------------------------------------------------------------------------------
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
