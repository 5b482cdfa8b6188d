"""Fixtures of the end-to-end tests that drive the client against the live server."""
from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass

import pytest

from tests.conftest import ADMIN_KEY
from zheliban_tui.api import AdminClient, ApiError, make_http_client


@dataclass
class Sandbox:
    id: str
    admin: AdminClient


@pytest.fixture
async def sandbox(live_server):
    """A fresh sandbox of the live server (clock at 2026-06-15 09:00 +08:00), deleted after the test."""
    http = make_http_client(live_server.url)
    admin = AdminClient(http, ADMIN_KEY)
    name = "e2e-" + uuid.uuid4().hex[:16]
    await admin.create_sandbox(name)
    yield Sandbox(name, admin)
    with contextlib.suppress(ApiError):
        await admin.delete_sandbox(name)
    await http.aclose()
