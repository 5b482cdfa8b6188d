"""Server fixtures: an app over httpx's ASGI transport, a registry in a temporary folder, logins."""
from __future__ import annotations

import httpx
import pytest

from mock_server.app import create_app
from mock_server.routes.auth import start_session
from mock_server.sandbox import SandboxRegistry
from mock_server.settings import DEFAULT_SETTINGS

from tests.server.helpers import ADMIN_KEY, START, ZHANG


@pytest.fixture
def settings():
    return DEFAULT_SETTINGS


@pytest.fixture
def registry(tmp_path, settings):
    reg = SandboxRegistry(tmp_path / "mock.sqlite", settings)
    reg.ensure("demo", seed=settings.default_seed, start=START)
    yield reg
    reg.close()


@pytest.fixture
def sandbox(registry):
    return registry.get("demo")


@pytest.fixture
def app(registry, settings):
    return create_app(registry, settings, admin_key=ADMIN_KEY)


@pytest.fixture
async def client(app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mock") as c:
        yield c


@pytest.fixture
def admin_headers():
    return {"X-Admin-Key": ADMIN_KEY}


@pytest.fixture
def auth(sandbox):
    """auth(citizen_id) -> headers with a fresh access token for that citizen (no login round trip)."""

    def make(citizen_id: str = ZHANG, sandbox_=None) -> dict[str, str]:
        pair = start_session(sandbox_ or sandbox, citizen_id)
        headers = {"Authorization": f"Bearer {pair['access_token']}"}
        if sandbox_ is not None:
            headers["X-Sandbox-Id"] = sandbox_.id
        return headers

    return make
