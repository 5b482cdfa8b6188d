"""`zheliban demo`: the mock backend in-process on a free loopback port, with a fresh temporary database.

This is the one place where the client imports `mock_server`. The backend runs its own event loop in
a thread; the TUI talks to it over real HTTP like to any other server. On exit the backend stops and
its temporary database is removed.
"""
from __future__ import annotations

import logging
import re
import secrets
import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .app import DemoAccount, DemoHooks

SMS_CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
DEMO_SANDBOX = "demo"


def code_in_sms(text: str) -> str | None:
    """The six-digit code of a 【浙里办】 SMS text."""
    found = SMS_CODE.search(text)
    return found.group(1) if found else None


@dataclass
class EmbeddedBackend:
    """The mock backend serving on 127.0.0.1:<free port> until `stop()`."""

    seed: int | None = None
    start: str = "now"
    admin_key: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    url: str = ""
    _server: object = None
    _thread: threading.Thread | None = None
    _registry: object = None
    _tmp: tempfile.TemporaryDirectory | None = None

    def __enter__(self) -> "EmbeddedBackend":
        self.start_serving()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start_serving(self, timeout: float = 20.0) -> None:
        import uvicorn

        from mock_server.app import create_app
        from mock_server.sandbox import SandboxRegistry
        from mock_server.settings import DEFAULT_SETTINGS

        # The TUI owns the terminal: the backend must not print there.
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "mock_server"):
            logging.getLogger(name).handlers.clear()
            logging.getLogger(name).propagate = False
        self._tmp = tempfile.TemporaryDirectory(prefix="zheliban-demo-")
        db = Path(self._tmp.name) / "demo.sqlite"
        settings = DEFAULT_SETTINGS
        self._registry = registry = SandboxRegistry(db, settings)
        registry.ensure(settings.default_sandbox, seed=self.seed if self.seed is not None else settings.default_seed,
                        start=self.start)
        app = create_app(registry, settings, admin_key=self.admin_key)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="critical", access_log=False, lifespan="off", log_config=None)
        server = uvicorn.Server(config)
        server.install_signal_handlers = lambda: None  # the TUI's thread owns the signals
        self._server = server
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="mock-backend",
                                        daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the embedded mock backend did not start")
            time.sleep(0.01)
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._registry is not None:
            self._registry.close()
        if self._tmp is not None:
            self._tmp.cleanup()
        self._server = self._thread = self._registry = self._tmp = None


def demo_accounts() -> list[DemoAccount]:
    """The seeded demo citizens, as the login screen lists them."""
    from mock_server.domain.masking import mask_phone
    from mock_server.seed_data import DEMO_PASSWORD, PERSONAS

    return [DemoAccount(f"{p.name} · {mask_phone(p.phone)} · {p.note}", p.phone, DEMO_PASSWORD) for p in PERSONAS]


def demo_hooks(admin) -> DemoHooks:
    """Demo accounts and the SMS reader, which reads the embedded backend's outbox like a phone would."""

    async def read_sms(phone: str) -> str | None:
        from .api import ApiError

        try:
            messages = await admin.outbox(DEMO_SANDBOX, phone=phone, limit=1)
        except ApiError:
            return None
        return code_in_sms(messages[0].text) if messages else None

    return DemoHooks(accounts=demo_accounts(), read_sms=read_sms)
