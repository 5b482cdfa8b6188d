"""One bill: what it is, what is due today and by which rule, and paying it with the payment PIN.

Only electricity and gas bills (`payment_rule == "at_least"`) show an amount field: they take more
than is due and keep the surplus as prepaid balance. Every other bill is paid with exactly what is due.

One payment attempt has one `Idempotency-Key`. It is made when the citizen first confirms an amount
and kept until the attempt has a definite answer. When the answer is lost (a timeout, the server
unreachable, a 5xx), nobody knows whether money moved: the screen says so and offers Retry, which
sends the same request with the same key, so the backend replays the first result instead of
charging again. The amount cannot be changed meanwhile (the same key with another amount would be
refused), and the PIN of the unanswered attempt is kept in memory only until the answer comes or the
screen closes.
"""
from __future__ import annotations

from dataclasses import dataclass

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from ..bill_labels import (bill_state, city_text, kind_text, payable, state_style, state_text, table_time,
                           what_text)
from ..i18n import t
from ..money import yuan
from ..payment_checks import AMOUNT_MAX_CHARS, check_amount, yuan_input
from ..widgets.brand_bar import BrandBar
from ..widgets.error_banner import ErrorBanner
from ..widgets.localized_footer import LocalizedFooter
from .base import AppScreen, error_message
from .pin_dialog import PinDialog

AT_LEAST = "at_least"
PIN_CODES = frozenset({"PIN_INVALID", "PIN_FORMAT", "PIN_LOCKED"})
# No answer, or an answer that does not say what happened: the payment may or may not have been made.
UNKNOWN_OUTCOME_CODES = frozenset({"NETWORK_TIMEOUT", "NETWORK_UNREACHABLE", "SERVER_ERROR", "BAD_RESPONSE",
                                   "INTERNAL_ERROR", "IDEMPOTENCY_IN_PROGRESS"})
# The bill changed under the citizen's eyes: show it as it is now.
RELOAD_CODES = frozenset({"BILL_ALREADY_PAID", "DUPLICATE_PAYMENT", "BILL_EXPIRED", "AMOUNT_MUST_BE_EXACT",
                          "AMOUNT_TOO_LOW"})
AMOUNT_CODES = frozenset({"AMOUNT_TOO_LOW", "AMOUNT_MUST_BE_EXACT", "AMOUNT_INVALID"})


def outcome_unknown(err) -> bool:
    return err.code in UNKNOWN_OUTCOME_CODES or (err.status is not None and err.status >= 500
                                                 and err.code != "CHANNEL_TIMEOUT")


@dataclass
class PayAttempt:
    """One payment as the citizen confirmed it: its key, its amount, and (only while its outcome is
    unknown) the PIN it was sent with, for the retry."""

    key: str
    amount_fen: int
    pin: str | None = None


class PayPinDialog(PinDialog):
    """The PIN dialog with what is about to be paid under its title."""

    def __init__(self, amount_fen: int, agency: str, submit) -> None:
        super().__init__("pin.pay_title", submit)
        self.amount_fen = amount_fen
        self.agency = agency

    def on_mount(self) -> None:
        super().on_mount()
        self.after_recompose()

    def after_recompose(self) -> None:
        """Under the title (again after a change of language): the amount and whom it goes to."""
        dialog = self.query_one("#pin-dialog", Vertical)
        dialog.mount(Static(t("pay.pin_summary", amount=yuan(self.amount_fen), agency=self.agency), id="pay-summary"),
                     after=dialog.children[0])


class BillScreen(AppScreen):
    BINDINGS = [
        Binding("escape", "back", "key.back", id="back"),
        Binding("ctrl+l", "pay", "pay.key.pay", id="pay"),
        Binding("ctrl+r", "retry", "pay.key.retry", id="retry"),
        Binding("f4", "receipt", "pay.key.receipt", id="receipt"),
        Binding("f5", "refresh", "key.refresh", id="refresh"),
    ]

    def __init__(self, bill) -> None:
        super().__init__()
        self.bill = bill
        self.attempt: PayAttempt | None = None
        self.unknown_error = None       # the ApiError that left the last attempt without an answer
        self.error = ""                 # the last definite refusal, in words
        self.paid = None                # the Payment, once made
        self.busy = False

    # ---- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        bill = self.bill
        yield BrandBar("bill.title", demo=self.zapp.demo is not None)
        yield ErrorBanner(id="pay-unknown")
        with VerticalScroll(id="bill-page"):
            with Vertical(id="bill-panel", classes="panel"):
                yield Static("", id="bill-heading", classes="panel-title")
                yield Static("", id="bill-fields")
                yield Static("", id="bill-rule", classes="notice")
                if bill.payment_rule == AT_LEAST and payable(bill):
                    yield Label(t("bill.amount_label"), classes="field-label")
                    yield Input(value=yuan_input(bill.total_due_fen), max_length=AMOUNT_MAX_CHARS,
                                restrict=r"[0-9.]*", id="pay-amount")
                    yield Static("", id="amount-hint", classes="hint")
                yield Static(self.error, id="pay-error", classes="error-text")
                yield Static("", id="pay-status", classes="hint")
                with Horizontal(classes="buttons"):
                    yield Button(t("key.back"), id="bill-back")
                    yield Button(t("bill.pay"), id="pay-button", variant="primary")
        yield LocalizedFooter()

    def on_mount(self) -> None:
        self.after_recompose()
        amount = self.query("#pay-amount")
        if amount:
            amount.first().focus()
        else:
            self.query_one("#pay-button" if payable(self.bill) else "#bill-back", Button).focus()

    def after_recompose(self) -> None:
        self._show_bill()
        self._show_amount_check()
        self._show_outcome()

    def on_unmount(self) -> None:
        self.attempt = None  # never keep a PIN beyond the screen

    # ---- painting ----------------------------------------------------------------------------
    def _show_bill(self) -> None:
        bill = self.bill
        heading = f"{kind_text(bill.kind, bill.kind_label)} · {what_text(bill)}"
        if bill.period:
            heading += f" {bill.period}"
        self.query_one("#bill-heading", Static).update(heading)
        self.query_one("#bill-fields", Static).update(self._fields())
        self.query_one("#bill-rule", Static).update(self._rule())

    def _fields(self) -> Table:
        bill = self.bill
        state = bill_state(bill)
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column()
        grid.add_row(t("bill.state"), Text(state_text(bill), style=state_style(self.app, state) or "bold"))
        grid.add_row(t("bill.agency"), bill.agency)
        if bill.provider is not None:
            grid.add_row(t("bill.city"), city_text(bill.provider.city_code, bill.provider.city_name))
        if bill.account_number:
            grid.add_row(t("bill.account_number"), bill.account_number)
        if bill.pay_code:
            grid.add_row(t("bill.pay_code"), bill.pay_code)
        grid.add_row(t("bill.payer"), bill.payer_name)
        if bill.period:
            grid.add_row(t("bill.period"), bill.period)
        grid.add_row(t("bill.due_date"), bill.due_date.isoformat())
        if bill.expires_on is not None:
            grid.add_row(t("bill.expires_on"), bill.expires_on.isoformat())
        grid.add_row(t("bill.amount"), t("common.yuan", amount=yuan(bill.amount_fen)))
        if bill.late_fee_fen:
            grid.add_row(t("bill.late_fee"), Text(t("bill.late_fee_value", amount=yuan(bill.late_fee_fen),
                                                     days=bill.overdue_days),
                                                   style=state_style(self.app, "overdue")))
        if bill.status == "unpaid":
            grid.add_row(t("bill.total_due"), Text(t("common.yuan", amount=yuan(bill.total_due_fen)), style="bold"))
        if bill.paid_at is not None:
            grid.add_row(t("bill.paid_at"), table_time(bill.paid_at))
        return grid

    def _rule(self) -> str:
        bill = self.bill
        if bill.status == "paid":
            return t("bill.rule_paid_mine") if bill.paid_payment_id else t("bill.rule_paid")
        if bill.expired:
            return t("bill.rule_expired", day=bill.expires_on.isoformat() if bill.expires_on else "")
        if bill.payment_rule == AT_LEAST:
            return t("bill.rule_at_least", due=yuan(bill.total_due_fen))
        return t("bill.rule_exact", due=yuan(bill.total_due_fen))

    def _amount(self) -> tuple[int | None, str | None, dict]:
        """The amount to pay in fen, or None with the message key (and values) saying why not."""
        bill = self.bill
        fields = self.query("#pay-amount")
        if not fields:
            return bill.total_due_fen, None, {}
        check, fen = check_amount(fields.first(Input).value, bill.total_due_fen)
        return fen, check.message_key, check.values

    def _show_amount_check(self) -> None:
        fen, key, values = self._amount()
        hints = self.query("#amount-hint")
        if hints:
            hint = hints.first(Static)
            if fen is None:
                hint.update(t(key or "validate.amount_format", **values))
            elif fen > self.bill.total_due_fen:
                hint.update(t("bill.amount_prepaid", prepaid=yuan(fen - self.bill.total_due_fen)))
            else:
                hint.update(t("bill.amount_exact"))
            hint.set_class(fen is None, "-bad")
            hint.set_class(fen is not None, "-ok")
        button = self.query_one("#pay-button", Button)
        button.label = t("bill.pay_amount", amount=yuan(fen)) if fen is not None else t("bill.pay")
        button.disabled = self.busy or fen is None or not payable(self.bill) or self.unknown_error is not None
        button.display = payable(self.bill)

    def _show_outcome(self) -> None:
        banner = self.query_one("#pay-unknown", ErrorBanner)
        if self.unknown_error is not None and not self.busy:
            banner.show(t("pay.unknown", reason=error_message(self.unknown_error)))
        else:
            banner.hide()
        self._set_line("#pay-error", self.error)
        self._set_line("#pay-status", t("pay.confirming") if self.busy else "")
        for field in self.query("#pay-amount"):
            field.disabled = self.unknown_error is not None or self.busy
        self._show_amount_check()
        self.refresh_bindings()

    def _set_line(self, selector: str, text: str) -> None:
        line = self.query_one(selector, Static)
        line.update(text)
        line.display = bool(text)

    @on(Input.Changed, "#pay-amount")
    def _amount_typed(self) -> None:
        self.error = ""
        self._set_line("#pay-error", "")
        self._show_amount_check()

    # ---- paying ------------------------------------------------------------------------------
    @on(Input.Submitted, "#pay-amount")
    @on(Button.Pressed, "#pay-button")
    def _pay_pressed(self) -> None:
        self.action_pay()

    def action_pay(self) -> None:
        if not payable(self.bill) or self.busy:
            return
        if self.unknown_error is not None:
            self.action_retry()  # the earlier attempt first: its answer decides
            return
        fen, key, values = self._amount()
        if fen is None:
            self.error = t(key or "validate.amount_format", **values)
            self._show_outcome()
            return
        if self.attempt is None or self.attempt.amount_fen != fen:
            from ..api import new_idempotency_key

            self.attempt = PayAttempt(new_idempotency_key(), fen)
        self._ask_pin()

    def _ask_pin(self) -> None:
        attempt = self.attempt
        if attempt is None:
            return
        async def submit(pin: str) -> str | None:
            return await self._send(attempt, pin)

        self.app.push_screen(PayPinDialog(attempt.amount_fen, self.bill.agency, submit), self._pin_closed)

    def _pin_closed(self, ok: bool | None) -> None:
        if not self.is_attached:
            return
        if self.paid is not None:
            self._show_receipt()
            return
        self._show_outcome()
        self._focus_retry()

    def _focus_retry(self) -> None:
        """With the outcome unknown, Enter retries: the banner's button takes the focus."""
        if self.unknown_error is not None:
            self.query_one("#pay-unknown", ErrorBanner).query_one(Button).focus()

    async def _send(self, attempt: PayAttempt, pin: str) -> str | None:
        """Send one payment; answers a message for the PIN dialog to show, or None when it may close."""
        from ..api import ApiError

        self.error = ""
        try:
            payment = await self.zapp.api.pay(self.bill.id, pin, idempotency_key=attempt.key,
                                              amount_fen=attempt.amount_fen)
        except ApiError as err:
            if self.session_ended(err):
                # The app is back at the login screen: the dialog is gone already, it must not close
                # whatever is on top now, so it is answered with words instead of "done".
                self.attempt = None
                return error_message(err)
            if err.code in PIN_CODES:
                attempt.pin = None
                self.unknown_error = None
                return error_message(err)
            if outcome_unknown(err):
                attempt.pin = pin
                self.unknown_error = err
                return None
            # A definite refusal: nothing was charged. The next try is a new attempt.
            self.attempt = None
            self.unknown_error = None
            self.error = self._refusal_text(err)
            if err.code in RELOAD_CODES:
                self.reload_bill()
            return None
        self.attempt = None
        self.unknown_error = None
        self.paid = payment
        return None

    def _refusal_text(self, err) -> str:
        text = error_message(err)
        due = err.extra.get("due_fen")
        if err.code in AMOUNT_CODES and isinstance(due, int):
            text += t("pay.due_is", due=yuan(due))
        return text

    def action_retry(self) -> None:
        if self.unknown_error is None or self.attempt is None or self.busy:
            return
        if self.attempt.pin is None:
            self._ask_pin()
            return
        self.retry_payment()

    @on(ErrorBanner.Retry, "#pay-unknown")
    def _retry_pressed(self) -> None:
        self.action_retry()

    @work(exclusive=True, group="pay", exit_on_error=False)
    async def retry_payment(self) -> None:
        """The unanswered attempt again: the same key, amount and PIN, so it is charged at most once."""
        attempt = self.attempt
        if attempt is None or attempt.pin is None:
            return
        self.busy = True
        self._show_outcome()
        try:
            problem = await self._send(attempt, attempt.pin)
        finally:
            self.busy = False
        if self.paid is not None:
            self._show_receipt()
            return
        self._show_outcome()
        if problem is not None:  # the PIN was refused after all (the first try never arrived)
            self.error = problem
            self._show_outcome()
            self._ask_pin()
        else:
            self._focus_retry()

    def _show_receipt(self) -> None:
        from .receipt import ReceiptScreen

        payment = self.paid
        self.notify(t("pay.paid", amount=yuan(payment.amount_fen)), title=t("pay.paid_title"))
        self.app.switch_screen(ReceiptScreen(payment.id, payment=payment, just_paid=True))

    # ---- reloading ---------------------------------------------------------------------------
    @work(exclusive=True, group="bill", exit_on_error=False)
    async def reload_bill(self) -> None:
        from ..api import ApiError

        try:
            bill = await self.zapp.api.bill(self.bill.id)
        except ApiError as err:
            if not self.session_ended(err):
                self.notify(error_message(err), severity="error")
            return
        changed_form = (payable(bill) and bill.payment_rule == AT_LEAST) != bool(self.query("#pay-amount"))
        self.bill = bill
        if changed_form:
            from ..app import recompose_keeping_input

            await recompose_keeping_input(self)
        else:
            self.after_recompose()

    # ---- other actions -----------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "pay":
            return payable(self.bill) and not self.busy
        if action == "retry":
            return self.unknown_error is not None
        if action == "receipt":
            return self.bill.status == "paid" and self.bill.paid_payment_id is not None
        return True

    @on(Button.Pressed, "#bill-back")
    def action_back(self) -> None:
        if self.unknown_error is not None:
            self.notify(t("pay.left_unknown"), severity="warning", timeout=10)
        self.dismiss()

    def action_refresh(self) -> None:
        if not self.busy:
            self.error = ""
            self.reload_bill()

    def action_receipt(self) -> None:
        if self.bill.paid_payment_id:
            from .receipt import ReceiptScreen

            self.app.push_screen(ReceiptScreen(self.bill.paid_payment_id))
