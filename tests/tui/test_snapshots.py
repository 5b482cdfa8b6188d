"""Snapshots of login, home and card in both languages (fixed QR payload, frozen clock).

The SVGs in `__snapshots__/` were reviewed as images; `pytest --snapshot-update` rewrites them, and a
changed SVG is looked at as a picture before it is committed.
"""
from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest

from mock_server.app import create_app
from mock_server.sandbox import SandboxRegistry
from mock_server.settings import DEFAULT_SETTINGS
from tests.tui.conftest import ADMIN_KEY, BASE, START, MemoryKeyring, log_in, wait_for
from zheliban_tui.api import ApiClient, make_http_client
from zheliban_tui.app import ZhelibanApp
from zheliban_tui.credentials import CredentialStore

SIZE = (110, 36)
FIXED_PAYLOAD = "ZLB1.EUNIGKX9QS.K0001.TGNETO.VLSQ6J3ZQY8C2M4P7T1W5R9BXD0"
FIXED_NUMERIC = "965638938161829121"


@pytest.fixture
def snapshot_app(tmp_path):
    """make(language) -> an app on a frozen backend clock whose QR code is always the same."""
    registry = SandboxRegistry(tmp_path / "mock.sqlite", DEFAULT_SETTINGS)
    registry.ensure("demo", seed=DEFAULT_SETTINGS.default_seed, start=START)
    registry.get("demo").clock.set(registry.get("demo").clock.now(), frozen=True)
    backend = create_app(registry, DEFAULT_SETTINGS, admin_key=ADMIN_KEY)
    clients = []

    def make(language: str, theme: str = "light") -> ZhelibanApp:
        http = make_http_client(BASE, transport=httpx.ASGITransport(app=backend))
        clients.append(http)
        api = ApiClient(http)
        real_issue_qr = api.issue_qr

        async def fixed_issue_qr(card_id: str):
            qr = await real_issue_qr(card_id)
            return replace(qr, payload=FIXED_PAYLOAD, numeric_code=FIXED_NUMERIC,
                           expires_at=qr.issued_at + timedelta(seconds=60), expires_in=60)

        api.issue_qr = fixed_issue_qr
        credentials = CredentialStore(BASE, keyring_backend=MemoryKeyring(), env={}, state_dir=tmp_path / "state")
        return ZhelibanApp(api, credentials, language=language, theme=theme, monotonic=lambda: 1000.0,
                           animate_countdowns=False)

    yield make
    for http in clients:
        asyncio.run(http.aclose())
    registry.close()


async def _on_login(pilot) -> None:
    from zheliban_tui.screens.login import LoginScreen

    await wait_for(pilot, lambda: isinstance(pilot.app.screen, LoginScreen))
    await pilot.pause()


async def _on_home(pilot) -> None:
    await log_in(pilot)
    await pilot.pause()


async def _on_card(pilot) -> None:
    from zheliban_tui.screens.card import CardScreen

    await log_in(pilot)
    await pilot.press("1")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, CardScreen))
    screen = pilot.app.screen
    await wait_for(pilot, lambda: screen.qr is not None and screen.insurance is not None)
    await pilot.pause()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_login(snap_compare, snapshot_app, language):
    assert snap_compare(snapshot_app(language), terminal_size=SIZE, run_before=_on_login)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_home(snap_compare, snapshot_app, language):
    assert snap_compare(snapshot_app(language), terminal_size=SIZE, run_before=_on_home)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_card(snap_compare, snapshot_app, language):
    assert snap_compare(snapshot_app(language), terminal_size=SIZE, run_before=_on_card)


def test_home_in_elder_mode(snap_compare, snapshot_app):
    assert snap_compare(snapshot_app("zh", theme="elder"), terminal_size=SIZE, run_before=_on_home)
