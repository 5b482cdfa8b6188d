"""The fiscal e-bill (财政电子票据) of a payment: bill code, bill number, check code, time, the amount in
figures and in capital characters, and a QR code of the receipt's verification text.

Opened right after paying (with the payment in hand and a success line) or from the bills overview
and the payment history (loaded by the payment's id).
"""
from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from ..bill_labels import table_time
from ..i18n import t
from ..money import yuan
from ..receipt_payload import receipt_payload
from ..widgets.brand_bar import BrandBar
from ..widgets.error_banner import ErrorBanner
from ..widgets.localized_footer import LocalizedFooter
from ..widgets.qr_code import QrCode
from .base import AppScreen, error_message


class ReceiptScreen(AppScreen):
    BINDINGS = [
        Binding("escape", "back", "key.back", id="back"),
        Binding("f5", "refresh", "key.refresh", id="refresh"),
        Binding("f8", "history", "pay.key.history", id="history"),
    ]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (96, "-wide")]

    def __init__(self, payment_id: str, *, payment=None, just_paid: bool = False) -> None:
        super().__init__()
        self.payment_id = payment_id
        self.payment = payment
        self.just_paid = just_paid

    def compose(self) -> ComposeResult:
        yield BrandBar("receipt.title", demo=self.zapp.demo is not None)
        yield ErrorBanner(id="receipt-error")
        with VerticalScroll(id="receipt-page"):
            yield Static("", id="receipt-banner")
            with Horizontal(id="receipt-body"):
                yield Static("", id="receipt-fields", classes="panel")
                with Vertical(id="receipt-qr-panel"):
                    yield QrCode(id="receipt-qr", placeholder=t("common.loading"))
                    yield Static(t("receipt.qr_caption"), id="receipt-qr-caption", classes="hint")
        yield LocalizedFooter()

    def on_mount(self) -> None:
        self.after_recompose()
        if self.payment is None or self.payment.receipt is None:
            self.load()

    def after_recompose(self) -> None:
        self._show()

    @work(exclusive=True, group="receipt", exit_on_error=False)
    async def load(self) -> None:
        from ..api import ApiError

        page = self.query_one("#receipt-page")
        page.loading = True
        try:
            payment = await self.zapp.api.payment(self.payment_id)
        except ApiError as err:
            page.loading = False
            if not self.session_ended(err):
                self.query_one("#receipt-error", ErrorBanner).show(error_message(err))
            return
        page.loading = False
        self.query_one("#receipt-error", ErrorBanner).hide()
        self.payment = payment
        self._show()

    @on(ErrorBanner.Retry, "#receipt-error")
    def _retry(self) -> None:
        self.load()

    def _show(self) -> None:
        payment = self.payment
        banner = self.query_one("#receipt-banner", Static)
        banner.display = self.just_paid and payment is not None
        if payment is not None:
            banner.update(t("receipt.paid_banner", amount=yuan(payment.amount_fen)))
        fields = self.query_one("#receipt-fields", Static)
        qr = self.query_one("#receipt-qr", QrCode)
        receipt = payment.receipt if payment is not None else None
        if payment is None:
            fields.update(t("common.loading"))
            qr.payload = None
            return
        if receipt is None:
            fields.update(t("receipt.none", status=t(f"history.status.{payment.status}")
                            if payment.status in ("succeeded", "pending", "failed") else payment.status))
            qr.payload = None
            self.query_one("#receipt-qr-panel").display = False
            return
        self.query_one("#receipt-qr-panel").display = True
        qr.payload = receipt_payload(receipt)
        fields.update(self._fields(payment, receipt))

    def _fields(self, payment, receipt) -> Group:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column()
        grid.add_row(t("receipt.bill_code"), Text(receipt.bill_code, style="bold"))
        grid.add_row(t("receipt.bill_number"), Text(receipt.bill_number, style="bold"))
        grid.add_row(t("receipt.check_code"), Text(receipt.check_code, style="bold"))
        grid.add_row(t("receipt.issued_at"), table_time(receipt.issued_at))
        grid.add_row(t("receipt.payer"), receipt.payer_name)
        grid.add_row(t("receipt.agency"), receipt.agency)
        item = receipt.item
        if payment.bill.period:
            item += f" {payment.bill.period}"
        grid.add_row(t("receipt.item"), item)
        grid.add_row(t("receipt.amount"), Text(t("common.yuan", amount=yuan(receipt.amount_fen)), style="bold"))
        grid.add_row(t("receipt.amount_in_words"), receipt.amount_in_words)
        parts = [t("receipt.owed", amount=yuan(payment.owed_fen))]
        if payment.late_fee_fen:
            parts.append(t("receipt.late_fee", amount=yuan(payment.late_fee_fen)))
        if payment.prepaid_fen:
            parts.append(t("receipt.prepaid", amount=yuan(payment.prepaid_fen)))
        grid.add_row(t("receipt.breakdown"), " + ".join(parts))
        reference = payment.bill.account_number or payment.bill.pay_code or payment.bill.id
        foot = Text(t("receipt.payment_ref", payment=payment.id, bill=reference), style="dim")
        return Group(Text(t("receipt.heading"), style="bold"), Text(""), grid, Text(""), foot)

    def action_back(self) -> None:
        self.dismiss()

    def action_refresh(self) -> None:
        self.load()

    def action_history(self) -> None:
        from .payments import PaymentsScreen

        stack = self.app.screen_stack
        if len(stack) > 1 and isinstance(stack[-2], PaymentsScreen):
            self.dismiss()  # the history is what this receipt was opened from
            return
        self.app.push_screen(PaymentsScreen())
