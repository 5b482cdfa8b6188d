"""Snapshots of the payment screens in both languages: the bills overview, a bill, the receipt, the history
(frozen backend clock; the receipt's check code, an HMAC under a random sandbox secret, is fixed).

The SVGs in `__snapshots__/` were reviewed as images; `pytest --snapshot-update` rewrites them, and a
changed SVG is looked at as a picture before it is committed.
"""
from __future__ import annotations

import asyncio
from dataclasses import replace

import httpx
import pytest
from textual.widgets import DataTable, Input

from mock_server.app import create_app
from mock_server.sandbox import SandboxRegistry
from mock_server.seed_data import DEMO_PAY_PIN
from mock_server.settings import DEFAULT_SETTINGS
from tests.tui.conftest import ADMIN_KEY, BASE, START, MemoryKeyring, log_in, wait_for
from zheliban_tui.api import ApiClient, make_http_client, new_idempotency_key
from zheliban_tui.app import ZhelibanApp
from zheliban_tui.credentials import CredentialStore

SIZE = (110, 36)
FIXED_CHECK_CODE = "5C3A9E"
OVERDUE_ELECTRICITY = "BL00002"


def _fixed(payment):
    if payment.receipt is None:
        return payment
    return replace(payment, receipt=replace(payment.receipt, check_code=FIXED_CHECK_CODE))


@pytest.fixture
def snapshot_app(tmp_path):
    """make(language) -> an app on a frozen backend clock whose receipts carry a fixed check code."""
    registry = SandboxRegistry(tmp_path / "mock.sqlite", DEFAULT_SETTINGS)
    registry.ensure("demo", seed=DEFAULT_SETTINGS.default_seed, start=START)
    registry.get("demo").clock.set(registry.get("demo").clock.now(), frozen=True)
    backend = create_app(registry, DEFAULT_SETTINGS, admin_key=ADMIN_KEY)
    clients = []

    def make(language: str) -> ZhelibanApp:
        http = make_http_client(BASE, transport=httpx.ASGITransport(app=backend))
        clients.append(http)
        api = ApiClient(http)
        real_pay, real_payment = api.pay, api.payment

        async def pay(*args, **kwargs):
            return _fixed(await real_pay(*args, **kwargs))

        async def payment(payment_id):
            return _fixed(await real_payment(payment_id))

        api.pay, api.payment = pay, payment
        credentials = CredentialStore(BASE, keyring_backend=MemoryKeyring(), env={}, state_dir=tmp_path / "state")
        return ZhelibanApp(api, credentials, language=language, monotonic=lambda: 1000.0, animate_countdowns=False)

    yield make
    for http in clients:
        asyncio.run(http.aclose())
    registry.close()


async def _steady_cursor(pilot) -> None:
    """A typing cursor that does not blink, at the end of what was typed: the same picture every run."""
    field = pilot.app.focused
    if isinstance(field, Input):
        field.cursor_blink = False
        field.action_end()
    await pilot.pause()


async def _on_utilities(pilot) -> None:
    from zheliban_tui.screens.bills import BillsScreen

    await log_in(pilot)
    await pilot.press("2")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, BillsScreen))
    screen = pilot.app.screen
    await wait_for(pilot, lambda: screen.totals is not None and bool(screen.providers) and not screen.loading_bills)
    await pilot.press(*"33852")  # half a 户号: the check as typed shows
    await _steady_cursor(pilot)


async def _on_all_bills(pilot) -> None:
    from zheliban_tui.screens.bills import BillsScreen

    await log_in(pilot)
    await pilot.press("4")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, BillsScreen))
    screen = pilot.app.screen
    await wait_for(pilot, lambda: screen.totals is not None)
    screen.query_one("#bills-table", DataTable).focus()
    await pilot.press("f6")  # the family filter: from insurance on to every bill
    await wait_for(pilot, lambda: screen.family == "all" and not screen.loading_bills and len(screen.bills) > 4)
    await pilot.pause()


async def _on_bill(pilot) -> None:
    from zheliban_tui.screens.bill_detail import BillScreen

    await _on_utilities(pilot)
    table = pilot.app.screen.query_one("#bills-table", DataTable)
    table.focus()
    table.move_cursor(row=table.get_row_index(OVERDUE_ELECTRICITY))
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, BillScreen))
    field = pilot.app.screen.query_one("#pay-amount")
    field.value = "300"
    await _steady_cursor(pilot)


async def _on_receipt(pilot) -> None:
    from zheliban_tui.screens.pin_dialog import PinDialog
    from zheliban_tui.screens.receipt import ReceiptScreen

    await _on_bill(pilot)
    pilot.app.screen.query_one("#pay-amount").value = "272.24"
    await pilot.press("ctrl+l")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, PinDialog))
    await pilot.press(*DEMO_PAY_PIN, "enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReceiptScreen))
    await wait_for(pilot, lambda: pilot.app.screen.payment is not None)
    pilot.app.clear_notifications()
    await pilot.pause()


async def _on_history(pilot) -> None:
    from zheliban_tui.screens.payments import PaymentsScreen

    await log_in(pilot)
    api = pilot.app.api
    for bill_id, amount in (("BL00004", 9_055), ("BL00111", 15_000), ("BL00132", 46_500)):
        await api.pay(bill_id, DEMO_PAY_PIN, idempotency_key=new_idempotency_key(), amount_fen=amount)
    await pilot.press("7")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, PaymentsScreen))
    screen = pilot.app.screen
    await wait_for(pilot, lambda: screen.loaded and not screen.fetching)
    await pilot.pause()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_utilities_overview(snap_compare, snapshot_app, language):
    assert snap_compare(snapshot_app(language), terminal_size=SIZE, run_before=_on_utilities)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_all_bills(snap_compare, snapshot_app, language):
    assert snap_compare(snapshot_app(language), terminal_size=SIZE, run_before=_on_all_bills)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_bill_with_an_amount(snap_compare, snapshot_app, language):
    assert snap_compare(snapshot_app(language), terminal_size=SIZE, run_before=_on_bill)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_receipt(snap_compare, snapshot_app, language):
    assert snap_compare(snapshot_app(language), terminal_size=SIZE, run_before=_on_receipt)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_payment_history(snap_compare, snapshot_app, language):
    assert snap_compare(snapshot_app(language), terminal_size=SIZE, run_before=_on_history)
