"""The payment history (缴费记录): my payments, newest first, searched by item or agency and filtered
by family and by day; Enter opens a payment's receipt.

The search runs a moment after typing stops (or at once on Enter); the days are checked as typed and
sent only when they are real days in order.
"""
from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Input, Select, Static

from ..bill_labels import HISTORY_FAMILIES, family_text, kind_text, state_style, table_time
from ..i18n import t
from ..money import yuan
from ..payment_checks import DAY_LENGTH, check_day
from ..widgets.brand_bar import BrandBar
from ..widgets.error_banner import ErrorBanner
from ..widgets.localized_footer import LocalizedFooter
from .base import AppScreen, error_message

SEARCH_DELAY_S = 0.4
SEARCH_MAX_CHARS = 50
HISTORY_LIMIT = 100
STATUSES = ("succeeded", "pending", "failed")
# the columns of names: the others keep their width, a long name ends in an ellipsis
COLUMN_WIDTHS = {"history.col_item": 24, "history.col_agency": 20}


class PaymentsScreen(AppScreen):
    BINDINGS = [
        Binding("escape", "back", "key.back", id="back"),
        Binding("enter", "open", "pay.key.receipt", id="open"),
        Binding("f4", "search", "pay.key.search", id="search"),
        Binding("f5", "refresh", "key.refresh", id="refresh"),
        Binding("f6", "next_family", "pay.key.family", id="family"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.family = "all"
        self.payments: list = []
        self.loaded = False
        self.fetching = False
        self.hint = ""
        self._search_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield BrandBar("service.payments", demo=self.zapp.demo is not None)
        yield ErrorBanner(id="history-error")
        with Vertical(id="history-page"):
            with Horizontal(id="history-filters"):
                yield Input(placeholder=t("history.search_placeholder"), max_length=SEARCH_MAX_CHARS, compact=True,
                            id="history-q")
                yield Select([(family_text(f, history=True), f) for f in HISTORY_FAMILIES], value=self.family, allow_blank=False,
                             type_to_search=False, compact=True, id="history-family")
                yield Input(placeholder=t("history.from_placeholder"), max_length=DAY_LENGTH, restrict=r"[0-9-]*",
                            compact=True, id="history-from")
                yield Input(placeholder=t("history.to_placeholder"), max_length=DAY_LENGTH, restrict=r"[0-9-]*",
                            compact=True, id="history-to")
            yield Static(self.hint, id="history-hint", classes="hint -bad")
            yield DataTable(id="history-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="history-summary")
        yield LocalizedFooter()

    def on_mount(self) -> None:
        self.after_recompose()
        self.query_one("#history-table", DataTable).focus()

    def after_recompose(self) -> None:
        self._set_hint(self.hint)
        self._show_table()

    def on_screen_resume(self) -> None:
        self.load()

    # ---- the query ---------------------------------------------------------------------------
    def _query(self) -> dict | None:
        """The search as typed, or None (with the reason shown) while a day is not a real day."""
        q = self.query_one("#history-q", Input).value.strip()
        first, day_from = check_day(self.query_one("#history-from", Input).value)
        last, day_to = check_day(self.query_one("#history-to", Input).value)
        for check in (first, last):
            if not check.ok:
                self._set_hint(t(check.message_key or "validate.day_format"))
                return None
        if day_from and day_to and day_from > day_to:
            self._set_hint(t("validate.day_order"))
            return None
        self._set_hint("")
        return {"q": q or None, "family": None if self.family == "all" else self.family,
                "date_from": day_from, "date_to": day_to}

    def _set_hint(self, text: str) -> None:
        self.hint = text
        hint = self.query_one("#history-hint", Static)
        hint.update(text)
        hint.display = bool(text)

    @on(Input.Changed, "#history-q, #history-from, #history-to")
    def _typed(self) -> None:
        self._query()  # the days are checked as typed; the search waits for a pause in typing
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DELAY_S, self.load)

    @on(Input.Submitted, "#history-q, #history-from, #history-to")
    def _submitted(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self.load()
        self.query_one("#history-table", DataTable).focus()

    @on(Select.Changed, "#history-family")
    def _family_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.family:
            self.family = event.value
            self.load()

    # ---- loading -----------------------------------------------------------------------------
    @work(exclusive=True, group="history", exit_on_error=False)
    async def load(self) -> None:
        from ..api import ApiError

        query = self._query()
        if query is None:
            return
        table = self.query_one("#history-table", DataTable)
        self.fetching = True
        table.loading = True
        try:
            payments = await self.zapp.api.payments(limit=HISTORY_LIMIT, **query)
        except ApiError as err:
            self.fetching = False
            table.loading = False
            if not self.session_ended(err):
                self.query_one("#history-error", ErrorBanner).show(error_message(err))
            return
        if query != self._query():
            return  # typed on meanwhile: the newer search follows
        self.fetching = False
        table.loading = False
        self.query_one("#history-error", ErrorBanner).hide()
        self.payments = list(payments)
        self.loaded = True
        self._show_table()

    @on(ErrorBanner.Retry, "#history-error")
    def _retry(self) -> None:
        self.load()
        self.query_one("#history-table", DataTable).focus()  # the Retry button is gone

    def _show_table(self) -> None:
        table = self.query_one("#history-table", DataTable)
        table.loading = self.fetching
        cursor = table.cursor_row
        table.clear(columns=True)
        for key in ("history.col_time", "history.col_kind", "history.col_item", "history.col_agency",
                    "history.col_payer", "history.col_amount", "history.col_status"):
            table.add_column(t(key), key=key, width=COLUMN_WIDTHS.get(key))
        for p in self.payments:
            status = t(f"history.status.{p.status}") if p.status in STATUSES else p.status
            tone = {"succeeded": "paid", "failed": "expired"}.get(p.status, "")
            table.add_row(table_time(p.completed_at or p.created_at), kind_text(p.bill.kind, p.bill.kind_label),
                          Text(p.bill.item, overflow="ellipsis", no_wrap=True),
                          Text(p.bill.agency, overflow="ellipsis", no_wrap=True), p.bill.payer_name,
                          Text(yuan(p.amount_fen), justify="right"), Text(status, style=state_style(self.app, tone)),
                          key=p.id)
        if self.payments:
            table.move_cursor(row=min(max(cursor, 0), len(self.payments) - 1))
        summary = self.query_one("#history-summary", Static)
        if not self.loaded:
            summary.update("")
        elif not self.payments:
            summary.update(t("history.none"))
        else:
            paid = [p for p in self.payments if p.status == "succeeded"]
            summary.update(t("history.summary", count=len(self.payments),
                             total=yuan(sum(p.amount_fen for p in paid))))

    # ---- actions -----------------------------------------------------------------------------
    @on(DataTable.RowSelected, "#history-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self._open(event.row_key.value)

    def action_open(self) -> None:
        table = self.query_one("#history-table", DataTable)
        if table.row_count:
            row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
            self._open(row_key.value)

    def _open(self, payment_id: str | None) -> None:
        payment = next((p for p in self.payments if p.id == payment_id), None)
        if payment is None:
            return
        if payment.status != "succeeded":
            self.notify(t("history.no_receipt"), severity="warning")
            return
        from .receipt import ReceiptScreen

        self.app.push_screen(ReceiptScreen(payment.id))

    def action_back(self) -> None:
        self.dismiss()

    def action_search(self) -> None:
        self.query_one("#history-q", Input).focus()

    def action_refresh(self) -> None:
        self.load()

    def action_next_family(self) -> None:
        self.family = HISTORY_FAMILIES[(HISTORY_FAMILIES.index(self.family) + 1) % len(HISTORY_FAMILIES)]
        self.query_one("#history-family", Select).value = self.family  # its Changed event is a no-op now
        self.load()
