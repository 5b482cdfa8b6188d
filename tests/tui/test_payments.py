"""The payment screens: bills overview, look-up by 户号 and by payment code, a bill, the PIN, the
receipt, the history; wrong input refused as typed; a lost answer retried with the same key."""
from __future__ import annotations

import httpx
import pytest
from textual.geometry import Region
from textual.widgets import Button, DataTable, Input, Select, Static

from mock_server.seed_data import DEMO_PAY_PIN
from tests.qr_reader import decode_text
from tests.tui.conftest import SIZE, log_in, screen_text, wait_for, widget_text
from zheliban_tui.api import new_idempotency_key
from zheliban_tui.i18n import CATALOGS
from zheliban_tui.receipt_payload import receipt_payload
from zheliban_tui.screens.bill_detail import BillScreen
from zheliban_tui.screens.bills import BillsScreen
from zheliban_tui.screens.home import HomeScreen
from zheliban_tui.screens.payments import PaymentsScreen
from zheliban_tui.screens.pin_dialog import PinDialog
from zheliban_tui.screens.receipt import ReceiptScreen
from zheliban_tui.widgets.error_banner import ErrorBanner
from zheliban_tui.widgets.qr_code import QrCode
from zheliban_tui.widgets.service_tile import ServiceTile

API = "/api/v1"
ELECTRICITY_ACCOUNT = "3385201711"   # 张伟's electricity account at 国网杭州供电公司 (P002): two bills
OVERDUE_ELECTRICITY = "BL00002"      # 266.64 owed + 5.60 late fee = 272.24, 21 days late
OVERDUE_WATER = "BL00004"            # water: exact amount only, 90.55
PASSPORT_FEE_CODE = "33SWMZACMX1B3VVXWFBV"  # 普通护照工本费, 120.00
EXPIRED_CODE = "33H3JEECFYMK23GF9B2C"       # 不动产登记费, expired 2026-05-31
WRONG_PIN = "000000"


def shown(app, selector: str) -> str:
    return widget_text(app.screen.query_one(selector, Static))


def painted(widget) -> str:
    """What a widget paints, padding included (an ErrorBanner's text has padding), lines joined."""
    strips = widget.render_lines(Region(0, 0, *widget.outer_size))
    return " ".join(" ".join(strip.text for strip in strips).split())


def table_rows(app, selector: str = "#bills-table") -> list[str]:
    table = app.screen.query_one(selector, DataTable)
    return [" ".join(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]


async def open_service(pilot, digit: str, screen_type=BillsScreen):
    await pilot.press(digit)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, screen_type))
    screen = pilot.app.screen
    if screen_type is BillsScreen:
        await wait_for(pilot, lambda: screen.totals is not None and not screen.loading_bills)
        if screen.lookup_by == "account":
            await wait_for(pilot, lambda: bool(screen.providers))
    await pilot.pause()
    return screen


async def open_bill(pilot, bills: BillsScreen, bill_id: str) -> BillScreen:
    table = bills.query_one("#bills-table", DataTable)
    table.focus()
    table.move_cursor(row=table.get_row_index(bill_id))
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, BillScreen))
    await pilot.pause()
    return pilot.app.screen


async def enter_pin(pilot, pin: str) -> None:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, PinDialog))
    await pilot.press(*pin, "enter")


async def pay_with_pin(pilot, pin: str = DEMO_PAY_PIN) -> ReceiptScreen:
    await pilot.press("ctrl+l")
    await enter_pin(pilot, pin)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReceiptScreen))
    screen = pilot.app.screen
    await wait_for(pilot, lambda: screen.payment is not None)
    await pilot.pause()
    return screen


class LoseAnswer(httpx.AsyncBaseTransport):
    """The in-process backend; `lose(n)` makes the next n payments fail: `"answer"` sends the request
    and then raises ReadTimeout instead of returning the answer, `"connect"` never sends it."""

    def __init__(self, backend) -> None:
        self.inner = httpx.ASGITransport(app=backend)
        self.left = 0
        self.how = "answer"
        self.keys: list[str] = []      # Idempotency-Key of every payment request that went out
        self.failed_loads = 0          # bill list requests still to fail
        self.failed_lookups = 0        # look-ups still to fail

    def lose(self, count: int = 1, how: str = "answer") -> None:
        self.left, self.how = count, how

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "GET" and path == API + "/bills" and self.failed_loads:
            self.failed_loads -= 1
            raise httpx.ConnectError("refused", request=request)
        if request.method == "POST" and path == API + "/bills/lookup" and self.failed_lookups:
            self.failed_lookups -= 1
            raise httpx.ReadTimeout("no answer", request=request)
        if request.method == "POST" and path == API + "/payments":
            self.keys.append(request.headers.get("Idempotency-Key", ""))
            if self.left:
                self.left -= 1
                if self.how == "connect":
                    raise httpx.ConnectError("refused", request=request)
                response = await self.inner.handle_async_request(request)
                await response.aread()
                await response.aclose()
                raise httpx.ReadTimeout("the answer was lost", request=request)
        return await self.inner.handle_async_request(request)


# ---- the overview ------------------------------------------------------------------------------
async def test_utilities_show_unpaid_first_with_overdue_marked_and_totals(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        screen = await open_service(pilot, "2")
        assert screen.family == "utility"
        assert app.focused is not None and app.focused.id == "lookup-account"
        rows = table_rows(app)
        assert len(rows) == 6
        assert rows[0].startswith("逾期 21 天 电费 国网杭州供电公司")
        assert "5.60" in rows[0] and "272.24" in rows[0]
        assert rows[-1].startswith("待缴")
        assert all("—" in row for row in rows[3:])  # no late fee before the due date
        expected = await app.api.bills("unpaid", family="utility")
        totals = shown(app, "#bills-totals")
        assert f"待缴 {expected.totals.count} 笔" in totals
        assert "滞纳金 9.83 元" in totals and "合计应缴 963.10 元" in totals


async def test_family_and_payer_filters_by_key_and_by_select(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        screen = await open_service(pilot, "4")
        assert screen.family == "insurance"
        assert len(table_rows(app)) == 4  # self and three family members
        await pilot.press("f7")  # the next payer: oneself
        await wait_for(pilot, lambda: screen.person == "C0001" and not screen.loading_bills)
        await pilot.pause()
        assert len(table_rows(app)) == 1 and "*伟" in table_rows(app)[0]
        await pilot.press("f7")
        await wait_for(pilot, lambda: screen.person == "C0006" and not screen.loading_bills)
        await pilot.pause()
        assert ["*婷" in row for row in table_rows(app)] == [True]
        screen.query_one("#filter-family", Select).value = "all"
        await wait_for(pilot, lambda: screen.family == "all" and not screen.loading_bills)
        await pilot.pause()
        assert len(table_rows(app)) == 1  # 婷 has only her insurance contribution
        screen.query_one("#filter-payer", Select).value = "all"
        await wait_for(pilot, lambda: screen.person == "all" and not screen.loading_bills)
        await pilot.pause()
        assert len(table_rows(app)) == 13
        assert "已过期" in " ".join(table_rows(app))


async def test_public_pay_shows_fees_and_fines_together(make_app):
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        screen = await open_service(pilot, "3")
        assert screen.family == "public"
        assert app.focused.id == "lookup-code"
        kinds = {b.kind for b in screen.bills}
        assert kinds == {"nontax", "fine"}
        text = " ".join(table_rows(app))
        assert "Expired" in text and "Traffic fine" in text


# ---- the look-up -------------------------------------------------------------------------------
async def test_an_account_number_with_letters_is_refused_as_typed(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        screen = await open_service(pilot, "2")
        await pilot.press(*"33a8")
        assert "户号只能包含数字" in shown(app, "#lookup-hint")
        assert screen.query_one("#lookup-hint").has_class("-bad")
        await pilot.press("enter")
        await pilot.pause()
        assert screen.found is None
        for _ in range(2):
            await pilot.press("backspace")
        await pilot.press("8")
        assert "还需 7 位" in shown(app, "#lookup-hint")
        await pilot.press(*"5201711")
        assert screen.query_one("#lookup-account", Input).value == ELECTRICITY_ACCOUNT
        assert "格式正确" in shown(app, "#lookup-hint")


async def test_look_up_by_account_number_then_escape_back_to_the_overview(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        screen = await open_service(pilot, "2")
        assert screen.query_one("#lookup-provider", Select).value == "P002"  # Hangzhou electricity first
        await pilot.press(*ELECTRICITY_ACCOUNT, "enter")
        await wait_for(pilot, lambda: screen.found is not None)
        await pilot.pause()
        assert [b.id for b in screen.found] == [OVERDUE_ELECTRICITY, "BL00001"]
        assert "找到 2 笔待缴账单" in shown(app, "#lookup-hint")
        info = shown(app, "#lookup-account-info")
        assert "户名 *伟" in info and "预存余额" in info and "居民用户" in info
        assert app.focused.id == "bills-table"
        assert "合计应缴 563.01 元" in shown(app, "#bills-totals")
        await pilot.press("escape")
        await pilot.pause()
        assert screen.found is None and len(table_rows(app)) == 6
        assert isinstance(app.screen, BillsScreen)


async def test_city_choice_changes_the_providers_and_an_unknown_account_is_said(make_app):
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        screen = await open_service(pilot, "2")
        screen.query_one("#lookup-city", Select).value = "330200"
        await wait_for(pilot, lambda: screen.provider_id == "P005")
        options = [str(label) for label, _ in screen._provider_options()]
        assert options == ["Electricity · 国网宁波供电公司", "Water · 宁波市自来水总公司", "Gas · 宁波兴光燃气集团"]
        screen.query_one("#lookup-account", Input).focus()
        await pilot.press(*ELECTRICITY_ACCOUNT, "enter")
        await wait_for(pilot, lambda: "no such account" in shown(app, "#lookup-hint"))
        assert screen.found is None
        assert screen.query_one("#lookup-account", Input).value == ELECTRICITY_ACCOUNT


async def test_a_settled_account_says_nothing_is_owed(make_app, registry):
    row = registry.get("demo").db.one(
        "SELECT account_number, provider_id FROM utility_accounts WHERE holder_id = 'C0001' AND address LIKE '%车库%'")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        screen = await open_service(pilot, "2")
        screen.query_one("#lookup-provider", Select).value = row["provider_id"]
        screen.query_one("#lookup-account", Input).focus()
        await pilot.press(*row["account_number"], "enter")
        await wait_for(pilot, lambda: screen.found == [])
        await pilot.pause()
        assert "该户号目前没有欠费" in shown(app, "#lookup-hint")
        assert row["account_number"] in shown(app, "#lookup-account-info")
        assert "没有待缴账单" in shown(app, "#bills-totals")


async def test_a_payment_code_in_lower_case_is_refused_and_the_right_one_opens_the_bill(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        screen = await open_service(pilot, "3")
        await pilot.press(*PASSPORT_FEE_CODE.lower()[:10])
        assert "只能用大写字母" in shown(app, "#lookup-hint")
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert screen.found is None and isinstance(app.screen, BillsScreen)
        screen.query_one("#lookup-code", Input).value = "33-SWM"
        await pilot.pause()
        assert "只能包含大写字母和数字" in shown(app, "#lookup-hint")
        screen.query_one("#lookup-code", Input).value = "33SWM"
        await pilot.pause()
        assert "还需 3 位" in shown(app, "#lookup-hint")
        screen.query_one("#lookup-code", Input).value = PASSPORT_FEE_CODE
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BillScreen))
        bill_screen = app.screen
        assert bill_screen.bill.pay_code == PASSPORT_FEE_CODE
        assert not bill_screen.query("#pay-amount")  # a non-tax fee is paid with the exact amount
        assert "全额缴纳" in shown(app, "#bill-rule")


async def test_an_expired_or_unknown_payment_code_is_said(make_app):
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        screen = await open_service(pilot, "3")
        await pilot.press(*EXPIRED_CODE, "enter")
        await wait_for(pilot, lambda: "expired" in shown(app, "#lookup-hint"))
        assert screen.query_one("#lookup-hint").has_class("-bad")
        screen.query_one("#lookup-code", Input).value = "ZZZZZZZZZZ"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "No bill has this payment code" in shown(app, "#lookup-hint"))
        assert isinstance(app.screen, BillsScreen)


async def test_a_failed_load_offers_retry_and_a_failed_look_up_keeps_what_was_typed(make_app, backend):
    transport = LoseAnswer(backend)
    transport.failed_loads = 1
    app = make_app(transport=transport)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.screen, BillsScreen))
        screen = app.screen
        banner = screen.query_one("#bills-error", ErrorBanner)
        await wait_for(pilot, lambda: banner.display and "无法连接服务器" in painted(banner.query_one(".error-text")))
        await pilot.click(".retry")
        await wait_for(pilot, lambda: screen.totals is not None)
        assert not banner.display and len(table_rows(app)) == 6
        assert app.focused.id == "lookup-account"
        transport.failed_lookups = 1
        await pilot.press(*ELECTRICITY_ACCOUNT, "enter")
        await wait_for(pilot, lambda: banner.display and "服务器响应超时" in painted(banner.query_one(".error-text")))
        assert screen.found is None
        assert screen.query_one("#lookup-account", Input).value == ELECTRICITY_ACCOUNT
        assert not screen.query_one("#lookup-submit", Button).disabled
        await pilot.click(".retry")
        await wait_for(pilot, lambda: screen.found is not None and len(screen.found) == 2)
        assert not banner.display


async def test_language_switch_keeps_the_typed_account_number_and_the_filters(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        screen = await open_service(pilot, "2")
        await pilot.press(*"33852")
        await pilot.press("f2")
        await pilot.pause()
        assert screen.query_one("#lookup-account", Input).value == "33852"
        assert "5 more" in shown(app, "#lookup-hint")
        assert screen.query_one("#filter-family", Select).value == "utility"
        assert "Overdue 21 d" in " ".join(table_rows(app))
        assert "Look up" in screen_text(app)


# ---- a bill and the amount ---------------------------------------------------------------------
async def test_water_is_paid_with_the_exact_amount_only(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        bills = await open_service(pilot, "2")
        screen = await open_bill(pilot, bills, OVERDUE_WATER)
        assert not screen.query("#pay-amount")
        assert "90.55" in shown(app, "#bill-rule") and "全额缴纳" in shown(app, "#bill-rule")
        assert "逾期 21 天" in shown(app, "#bill-fields")
        assert str(screen.query_one("#pay-button", Button).label) == "支付 90.55 元"
        assert app.focused.id == "pay-button"


async def test_an_amount_below_what_is_owed_or_with_fractions_of_a_fen_is_refused(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        bills = await open_service(pilot, "2")
        screen = await open_bill(pilot, bills, OVERDUE_ELECTRICITY)
        field = screen.query_one("#pay-amount", Input)
        assert app.focused is field and field.value == "272.24"
        assert "不少于应缴合计 272.24 元" in shown(app, "#bill-rule")
        button = screen.query_one("#pay-button", Button)
        field.value = ""
        await pilot.press(*"100")
        assert "不能少于应缴金额 272.24 元" in shown(app, "#amount-hint")
        assert button.disabled
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert not isinstance(app.screen, PinDialog)
        assert "不能少于应缴金额" in shown(app, "#pay-error")
        field.value = ""
        await pilot.press(*"300.005")
        assert "两位小数" in shown(app, "#amount-hint") and button.disabled
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, PinDialog)
        await pilot.press("backspace")
        assert "其中 27.76 元存入预存余额" in shown(app, "#amount-hint")
        assert not button.disabled and str(button.label) == "支付 300.00 元"


async def test_paying_more_than_is_owed_keeps_the_surplus_as_prepaid_balance(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        before = (await app.api.lookup_bills(provider_id="P002", account_number=ELECTRICITY_ACCOUNT)).account
        bills = await open_service(pilot, "2")
        screen = await open_bill(pilot, bills, OVERDUE_ELECTRICITY)
        screen.query_one("#pay-amount", Input).value = "300"
        receipt = await pay_with_pin(pilot)
        assert receipt.payment.amount_fen == 30_000 and receipt.payment.prepaid_fen == 2_776
        fields = shown(app, "#receipt-fields")
        assert "300.00 元" in fields and "预存 27.76" in fields and "人民币叁佰元整" in fields
        after = (await app.api.lookup_bills(provider_id="P002", account_number=ELECTRICITY_ACCOUNT)).account
        assert after.prepaid_fen == before.prepaid_fen + 2_776


# ---- the PIN -----------------------------------------------------------------------------------
async def test_a_wrong_pin_shows_tries_left_then_the_right_one_pays_and_shows_the_receipt(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        unread_before = await app.api.unread_count()
        bills = await open_service(pilot, "2")
        await open_bill(pilot, bills, OVERDUE_ELECTRICITY)
        await pilot.press("ctrl+l")
        await enter_pin(pilot, WRONG_PIN)
        await wait_for(pilot, lambda: "还可尝试 4 次" in shown(app, "#pin-error"))
        dialog = app.screen
        assert "向 国网杭州供电公司 支付 272.24 元" in shown(app, "#pay-summary")
        assert dialog.query_one("#pin", Input).password and dialog.query_one("#pin", Input).value == ""
        await pilot.press(*DEMO_PAY_PIN, "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceiptScreen))
        receipt_screen = app.screen
        await pilot.pause()
        receipt = receipt_screen.payment.receipt
        fields = shown(app, "#receipt-fields")
        for part in (receipt.bill_code, receipt.bill_number, receipt.check_code, "2026-06-15 09:00", "272.24 元",
                     "人民币贰佰柒拾贰元贰角肆分", "滞纳金 5.60"):
            assert part in fields
        assert len(receipt.bill_code) == 8 and receipt.bill_code.isdigit()
        assert "缴费成功" in shown(app, "#receipt-banner")
        assert decode_text(receipt_screen.query_one("#receipt-qr", QrCode).lines) == receipt_payload(receipt)
        messages = await app.api.messages()
        assert messages.items[0].title == "缴费成功" and receipt.bill_number in messages.items[0].body
        # back through the overview (the bill shows as paid) to home, whose unread count has gone up
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BillsScreen))
        await wait_for(pilot, lambda: any(b.id == OVERDUE_ELECTRICITY and b.status == "paid" for b in bills.bills))
        await pilot.pause()
        assert any(row.startswith("已缴清") for row in table_rows(app))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        tile = app.screen.query_one("#service-messages", ServiceTile)
        await wait_for(pilot, lambda: tile.unread == unread_before + 1)


async def test_five_wrong_pins_show_the_lock(make_app):
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        bills = await open_service(pilot, "2")
        await open_bill(pilot, bills, OVERDUE_WATER)
        await pilot.press("ctrl+l")
        for left in (4, 3, 2, 1):
            await enter_pin(pilot, WRONG_PIN)
            await wait_for(pilot, lambda left=left: f"{left} tries left" in shown(app, "#pin-error"))
        await pilot.press(*WRONG_PIN, "enter")
        await wait_for(pilot, lambda: "locked for 30 more minutes" in shown(app, "#pin-error"))
        await pilot.press(*DEMO_PAY_PIN, "enter")  # locked: even the right PIN is refused now
        await wait_for(pilot, lambda: "locked" in shown(app, "#pin-error")
                       and app.screen.query_one("#pin", Input).value == "")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BillScreen))
        assert (await app.api.bill(OVERDUE_WATER)).status == "unpaid"


# ---- a lost answer -----------------------------------------------------------------------------
@pytest.mark.parametrize("how", ["answer", "connect"])
async def test_a_payment_without_an_answer_is_retried_with_the_same_key_and_charged_once(make_app, backend, how):
    transport = LoseAnswer(backend)
    app = make_app(transport=transport)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        bills = await open_service(pilot, "2")
        screen = await open_bill(pilot, bills, OVERDUE_ELECTRICITY)
        transport.lose(1, how)
        await pilot.press("ctrl+l")
        await enter_pin(pilot, DEMO_PAY_PIN)
        banner = screen.query_one("#pay-unknown", ErrorBanner)
        await wait_for(pilot, lambda: isinstance(app.screen, BillScreen) and banner.display
                       and "不会重复扣款" in painted(banner.query_one(".error-text")))
        assert painted(banner.query_one(".error-text")).startswith("支付结果未知")
        assert screen.query_one("#pay-amount", Input).disabled  # the amount of this attempt is fixed
        assert screen.query_one("#pay-button", Button).disabled
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceiptScreen))
        assert len(transport.keys) == 2 and transport.keys[0] == transport.keys[1]
        payments = await app.api.payments()
        assert [p.bill_id for p in payments] == [OVERDUE_ELECTRICITY]
        bill = await app.api.bill(OVERDUE_ELECTRICITY)
        assert bill.status == "paid" and bill.paid_payment_id == payments[0].id
        assert app.screen.payment.id == payments[0].id


async def test_a_new_payment_after_a_definite_answer_gets_a_new_key(make_app, backend):
    transport = LoseAnswer(backend)
    app = make_app(transport=transport)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        bills = await open_service(pilot, "2")
        await open_bill(pilot, bills, OVERDUE_WATER)
        await pilot.press("ctrl+l")
        await enter_pin(pilot, WRONG_PIN)
        await wait_for(pilot, lambda: "还可尝试" in shown(app, "#pin-error"))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BillScreen))
        await pay_with_pin(pilot)
        assert len(transport.keys) == 2 and len(set(transport.keys)) == 1  # one attempt until it was answered
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BillsScreen))
        await open_bill(pilot, bills, "BL00003")
        await pay_with_pin(pilot)
        assert len(transport.keys) == 3 and transport.keys[2] != transport.keys[0]


# ---- receipts and history ----------------------------------------------------------------------
async def test_history_searches_filters_by_kind_and_day_and_opens_a_receipt(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        for bill_id, amount in ((OVERDUE_WATER, 9_055), ("BL00111", 15_000)):
            await app.api.pay(bill_id, DEMO_PAY_PIN, idempotency_key=new_idempotency_key(), amount_fen=amount)
        screen = await open_service(pilot, "7", PaymentsScreen)
        await wait_for(pilot, lambda: screen.loaded)
        await pilot.pause()
        assert len(table_rows(app, "#history-table")) == 2
        assert "共 2 笔，成功支付合计 240.55 元" in shown(app, "#history-summary")
        await pilot.press("f4")
        assert app.focused.id == "history-q"
        await pilot.press(*"水务", "enter")
        await wait_for(pilot, lambda: len(screen.payments) == 1)
        await pilot.pause()
        assert "杭州市水务集团" in table_rows(app, "#history-table")[0]
        screen.query_one("#history-q", Input).value = ""
        await pilot.press("f6", "f6", "f6")  # all -> utility -> nontax -> fine
        await wait_for(pilot, lambda: screen.family == "fine" and len(screen.payments) == 1)
        await pilot.pause()
        assert "交通罚款" in table_rows(app, "#history-table")[0]
        await pilot.press("f6")
        await wait_for(pilot, lambda: screen.family == "insurance" and screen.loaded and not screen.payments)
        await pilot.pause()
        assert "没有符合条件的缴费记录" in shown(app, "#history-summary")
        await pilot.press("f6")
        await wait_for(pilot, lambda: screen.family == "all" and len(screen.payments) == 2)
        screen.query_one("#history-from", Input).value = "2026-13-01"
        await pilot.pause()
        assert "没有这一天" in shown(app, "#history-hint")
        screen.query_one("#history-from", Input).value = "2026-06-16"
        screen.query_one("#history-to", Input).value = "2026-06-15"
        await pilot.pause()
        assert "起始日期不能晚于结束日期" in shown(app, "#history-hint")
        screen.query_one("#history-to", Input).value = ""
        await wait_for(pilot, lambda: screen.loaded and not screen.payments and not screen.fetching, timeout=5)
        screen.query_one("#history-from", Input).value = "2026-06-15"
        await wait_for(pilot, lambda: len(screen.payments) == 2 and not screen.fetching)
        await pilot.pause()
        screen.query_one("#history-table", DataTable).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceiptScreen))
        receipt_screen = app.screen
        await wait_for(pilot, lambda: receipt_screen.payment is not None)
        assert receipt_screen.payment.id == screen.payments[0].id
        assert not receipt_screen.query_one("#receipt-banner").display  # opened later: no success line
        await pilot.press("f8")
        await wait_for(pilot, lambda: app.screen is screen)


async def test_a_paid_bill_in_the_overview_opens_its_receipt(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        payment = await app.api.pay(OVERDUE_WATER, DEMO_PAY_PIN, idempotency_key=new_idempotency_key(),
                                    amount_fen=9_055)
        bills = await open_service(pilot, "2")
        table = bills.query_one("#bills-table", DataTable)
        table.focus()
        table.move_cursor(row=table.get_row_index(OVERDUE_WATER))
        assert table.get_row_index(OVERDUE_WATER) == len(bills.bills) - 1  # paid bills come last
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceiptScreen))
        assert app.screen.payment_id == payment.id


# ---- words -------------------------------------------------------------------------------------
def test_every_backend_code_of_bills_and_payments_has_words_in_both_languages():
    codes = ["BILL_NOT_FOUND", "ACCOUNT_NOT_FOUND", "PROVIDER_NOT_FOUND", "PAY_CODE_NOT_FOUND",
             "INVALID_ACCOUNT_NUMBER", "INVALID_PAY_CODE", "NOTHING_OWED", "BILL_ALREADY_PAID", "BILL_EXPIRED",
             "AMOUNT_TOO_LOW", "AMOUNT_MUST_BE_EXACT", "AMOUNT_INVALID", "PAYMENT_NOT_FOUND", "CHANNEL_TIMEOUT",
             "DUPLICATE_PAYMENT", "PIN_INVALID", "PIN_LOCKED", "PIN_FORMAT", "IDEMPOTENCY_KEY_REQUIRED",
             "IDEMPOTENCY_KEY_INVALID", "IDEMPOTENCY_KEY_REUSED", "IDEMPOTENCY_IN_PROGRESS", "PERSON_NOT_FOUND",
             "REALNAME_LEVEL_TOO_LOW", "VALIDATION_FAILED", "NETWORK_TIMEOUT", "NETWORK_UNREACHABLE", "SERVER_ERROR"]
    from mock_server.errors import CODES

    assert all(code in CODES or code.startswith(("NETWORK_", "SERVER_")) for code in codes)
    for lang in ("zh", "en"):
        assert [c for c in codes if f"error.{c}" not in CATALOGS[lang]] == [], lang


async def test_a_session_that_ended_while_paying_returns_to_login(make_app):
    from zheliban_tui.api import ApiError
    from zheliban_tui.screens.login import LoginScreen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        bills = await open_service(pilot, "2")
        await open_bill(pilot, bills, OVERDUE_WATER)

        async def revoked(*args, **kwargs):
            raise ApiError("SESSION_REVOKED", status=401)

        app.api.pay = revoked
        await pilot.press("ctrl+l")
        await enter_pin(pilot, DEMO_PAY_PIN)
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        await pilot.pause(0.3)
        assert isinstance(app.screen, LoginScreen) and len(app.screen_stack) == 2
        assert "登录已失效" in shown(app, "#login-message")
        assert [n.message for n in app._notifications if n.severity == "error"] == []


async def test_the_pin_dialog_says_the_amount_in_the_language_chosen_meanwhile(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        bills = await open_service(pilot, "2")
        await open_bill(pilot, bills, OVERDUE_WATER)
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: isinstance(app.screen, PinDialog))
        await pilot.pause()
        assert "支付 90.55 元" in shown(app, "#pay-summary")
        await pilot.press(*"12")
        await app.set_language("en")  # what F2 and the palette do: every screen of the stack is rebuilt
        await wait_for(pilot, lambda: "Pay ¥90.55 to 杭州市水务集团" in shown(app, "#pay-summary"))
        assert app.screen.query_one("#pin", Input).value == "12"
