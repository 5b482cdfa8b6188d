"""TUI fixtures: the app against the real mock backend in-process (ASGI), a memory keyring, a frozen clock."""
from __future__ import annotations

import httpx
import keyring.backend
import pytest

from mock_server.app import create_app
from mock_server.sandbox import SandboxRegistry
from mock_server.settings import DEFAULT_SETTINGS
from zheliban_tui.api import AdminClient, ApiClient, make_http_client
from zheliban_tui.app import ZhelibanApp
from zheliban_tui.credentials import CredentialStore

ADMIN_KEY = "tui-admin-key"
START = "2026-06-15T09:00:00+08:00"  # a Monday morning
BASE = "http://mock.test"
ZHANG_PHONE = "13705719050"   # 张伟: three family members
WANG_PHONE = "13905710003"    # 王芳: card reported lost
PASSWORD = "Zlb@2025"
CARD_PIN = "369147"
SIZE = (110, 40)


class MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.entries.get((service, username))

    def set_password(self, service, username, password):
        self.entries[(service, username)] = password

    def delete_password(self, service, username):
        self.entries.pop((service, username), None)


@pytest.fixture
def registry(tmp_path):
    reg = SandboxRegistry(tmp_path / "mock.sqlite", DEFAULT_SETTINGS)
    reg.ensure("demo", seed=DEFAULT_SETTINGS.default_seed, start=START)
    yield reg
    reg.close()


@pytest.fixture
def backend(registry):
    return create_app(registry, DEFAULT_SETTINGS, admin_key=ADMIN_KEY)


@pytest.fixture
def memory_keyring():
    return MemoryKeyring()


@pytest.fixture
async def make_app(backend, memory_keyring, tmp_path):
    """make_app(**options) -> a ZhelibanApp talking to the in-process backend; closed after the test."""
    clients: list[httpx.AsyncClient] = []

    def make(*, language: str = "zh", theme: str = "light", transport=None, **options) -> ZhelibanApp:
        http = make_http_client(BASE, transport=transport or httpx.ASGITransport(app=backend))
        clients.append(http)
        credentials = CredentialStore(BASE, keyring_backend=memory_keyring, state_dir=tmp_path / "state", env={})
        return ZhelibanApp(ApiClient(http), credentials, language=language, theme=theme, **options)

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
async def admin(backend):
    http = make_http_client(BASE, transport=httpx.ASGITransport(app=backend))
    yield AdminClient(http, ADMIN_KEY)
    await http.aclose()


async def wait_for(pilot, condition, *, timeout: float = 5.0) -> None:
    """Let the app run until `condition()` holds; fail with what the screen shows otherwise."""
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    app = pilot.app
    errors = [str(w.render()) for w in app.screen.query(".error-text")]
    raise AssertionError(f"condition not met in time on {app.screen!r}: errors {errors}")


async def log_in(pilot, phone: str = ZHANG_PHONE) -> None:
    """Log in through the API (the login screen has its own tests) and land on the home screen."""
    from zheliban_tui.screens.home import HomeScreen
    from zheliban_tui.screens.login import LoginScreen

    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
    await app.api.login_password(phone, PASSWORD)
    app.logged_in(await app.api.me())
    await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen) and bool(app.screen.query("#greeting")))
    await pilot.pause()


def widget_text(widget) -> str:
    """The characters a widget paints, its lines joined and runs of spaces collapsed, so that a
    sentence wrapped across lines still reads as one (what a person sees in its place)."""
    return " ".join(" ".join(strip.text for strip in widget.render_lines(widget.size.region)).split())


def screen_text(app) -> str:
    """The whole screen as it goes to the terminal."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())
