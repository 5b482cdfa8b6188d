"""Paying through the TUI against a real `zheliban-mock` process over a loopback socket.

Each test has its own sandbox (created here, deleted after). The app runs under Pilot with the same
`ApiClient` and `httpx.AsyncClient` it has in a terminal; one test puts a transport in between that
lets a payment reach the server and then loses its answer, the way a dropped connection does.
"""
from __future__ import annotations


import httpx
import pytest
from textual.geometry import Region
from textual.widgets import DataTable, Input, Static

from mock_server.seed_data import DEMO_PAY_PIN
from tests.qr_reader import decode_text
from tests.tui.conftest import SIZE, ZHANG_PHONE, wait_for, widget_text
from zheliban_tui.api import ApiClient, make_http_client
from zheliban_tui.app import ZhelibanApp
from zheliban_tui.credentials import CredentialStore
from zheliban_tui.receipt_payload import receipt_payload
from zheliban_tui.screens.bill_detail import BillScreen
from zheliban_tui.screens.bills import BillsScreen
from zheliban_tui.screens.home import HomeScreen
from zheliban_tui.screens.pin_dialog import PinDialog
from zheliban_tui.screens.receipt import ReceiptScreen
from zheliban_tui.widgets.error_banner import ErrorBanner
from zheliban_tui.widgets.qr_code import QrCode

pytestmark = pytest.mark.e2e

PASSWORD = "Zlb@2025"
ELECTRICITY_ACCOUNT = "3385201711"
OVERDUE_ELECTRICITY = "BL00002"  # 272.24 due (266.64 + 5.60 late fee)
WRONG_PIN = "000000"
PAYMENTS_PATH = "/api/v1/payments"


class LoseOneAnswer(httpx.AsyncBaseTransport):
    """The real network transport; the first payment request reaches the server, and then its answer
    is dropped and ReadTimeout raised instead, once. Every payment's Idempotency-Key is recorded."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.armed = True
        self.keys: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == "POST" and request.url.path == PAYMENTS_PATH:
            self.keys.append(request.headers["Idempotency-Key"])
            if self.armed:
                self.armed = False
                await response.aread()  # the server has answered: the payment is made
                await response.aclose()
                raise httpx.ReadTimeout("the answer was lost on the way back", request=request)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()



@pytest.fixture
async def make_app(live_server, sandbox):
    """make_app(transport=None, language="zh") -> a ZhelibanApp talking to the live server over TCP."""
    clients = []

    def make(transport: httpx.AsyncBaseTransport | None = None, *, language: str = "zh") -> ZhelibanApp:
        http = make_http_client(live_server.url, transport=transport)
        clients.append(http)
        store = CredentialStore.in_memory(live_server.url, sandbox.id)
        return ZhelibanApp(ApiClient(http, sandbox=sandbox.id), store, language=language)

    yield make
    for http in clients:
        await http.aclose()


def painted(widget) -> str:
    strips = widget.render_lines(Region(0, 0, *widget.outer_size))
    return " ".join(" ".join(strip.text for strip in strips).split())


async def log_in(pilot) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.screen is not None and app.screen.__class__.__name__ == "LoginScreen",
                   timeout=10)
    await app.api.login_password(ZHANG_PHONE, PASSWORD)
    app.logged_in(await app.api.me())
    await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen) and bool(app.screen.query("#greeting")),
                   timeout=10)
    await pilot.pause()


async def look_up_and_open_the_overdue_bill(pilot) -> BillScreen:
    """生活缴费 -> the 户号 typed -> the look-up's results -> the overdue electricity bill."""
    app = pilot.app
    await pilot.press("2")
    await wait_for(pilot, lambda: isinstance(app.screen, BillsScreen), timeout=10)
    bills = app.screen
    await wait_for(pilot, lambda: bool(bills.providers) and bills.provider_id == "P002", timeout=10)
    assert app.focused.id == "lookup-account"
    await pilot.press(*ELECTRICITY_ACCOUNT, "enter")
    await wait_for(pilot, lambda: bills.found is not None, timeout=10)
    table = bills.query_one("#bills-table", DataTable)
    assert app.focused is table and [b.id for b in bills.found][0] == OVERDUE_ELECTRICITY
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, BillScreen), timeout=10)
    screen = app.screen
    assert screen.query_one("#pay-amount", Input).value == "272.24"
    return screen


async def test_pay_a_utility_bill_and_see_the_receipt_and_the_message(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        unread = await app.api.unread_count()
        await look_up_and_open_the_overdue_bill(pilot)
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: isinstance(app.screen, PinDialog), timeout=10)
        await pilot.press(*DEMO_PAY_PIN, "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceiptScreen), timeout=10)
        screen = app.screen
        await pilot.pause()
        receipt = screen.payment.receipt
        fields = widget_text(screen.query_one("#receipt-fields", Static))
        for part in (receipt.bill_code, receipt.bill_number, receipt.check_code, "272.24 元", "人民币贰佰柒拾贰元贰角肆分"):
            assert part in fields
        assert decode_text(screen.query_one("#receipt-qr", QrCode).lines) == receipt_payload(receipt)

        messages = await app.api.messages()
        assert messages.unread == unread + 1
        newest = messages.items[0]
        assert newest.title == "缴费成功" and newest.ref_id == screen.payment.id
        assert "272.24元" in newest.body and receipt.bill_number in newest.body

        bill = await app.api.bill(OVERDUE_ELECTRICITY)
        assert bill.status == "paid" and bill.paid_payment_id == screen.payment.id
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BillsScreen), timeout=10)
        await pilot.press("escape", "escape")  # the look-up's results, then the overview
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), timeout=10)
        tile = app.screen.query_one("#service-messages")
        await wait_for(pilot, lambda: tile.unread == unread + 1, timeout=10)


async def test_a_payment_whose_answer_is_lost_is_retried_and_charged_once(make_app):
    transport = LoseOneAnswer()
    app = make_app(transport)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        screen = await look_up_and_open_the_overdue_bill(pilot)
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: isinstance(app.screen, PinDialog), timeout=10)
        await pilot.press(*DEMO_PAY_PIN, "enter")
        banner = screen.query_one("#pay-unknown", ErrorBanner)
        await wait_for(pilot, lambda: isinstance(app.screen, BillScreen) and banner.display
                       and "不会重复扣款" in painted(banner.query_one(".error-text")), timeout=10)
        assert "支付结果未知" in painted(banner.query_one(".error-text"))
        # the server made the payment although the app never heard of it
        assert (await app.api.bill(OVERDUE_ELECTRICITY)).status == "paid"

        await pilot.press("enter")  # the focus is on Retry
        await wait_for(pilot, lambda: isinstance(app.screen, ReceiptScreen), timeout=10)
        receipt_screen = app.screen
        assert len(transport.keys) == 2 and transport.keys[0] == transport.keys[1]

        payments = await app.api.payments()
        assert len(payments) == 1 and payments[0].bill_id == OVERDUE_ELECTRICITY
        assert payments[0].amount_fen == 27_224
        assert receipt_screen.payment.id == payments[0].id
        bill = await app.api.bill(OVERDUE_ELECTRICITY)
        assert bill.status == "paid" and bill.paid_payment_id == payments[0].id
        messages = await app.api.messages()
        assert sum(1 for m in messages.items if m.ref_id == payments[0].id) == 1


async def test_five_wrong_pins_show_the_lock(make_app):
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        await look_up_and_open_the_overdue_bill(pilot)
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: isinstance(app.screen, PinDialog), timeout=10)
        error = app.screen.query_one("#pin-error", Static)
        for left in (4, 3, 2, 1):
            await pilot.press(*WRONG_PIN, "enter")
            await wait_for(pilot, lambda left=left: f"{left} tries left" in widget_text(error), timeout=10)
        await pilot.press(*WRONG_PIN, "enter")
        await wait_for(pilot, lambda: "locked for 30 more minutes" in widget_text(error), timeout=10)
        await pilot.press(*DEMO_PAY_PIN, "enter")
        await wait_for(pilot, lambda: app.screen.query_one("#pin", Input).value == "", timeout=10)
        await pilot.pause()
        assert "locked" in widget_text(error)
        assert (await app.api.bill(OVERDUE_ELECTRICITY)).status == "unpaid"
        assert await app.api.payments() == []
