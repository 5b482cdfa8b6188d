"""The bills overview (缴费): unpaid first, overdue ones marked with their late fee, totals; filters by
family and by payer; look-up by 户号 (with the city and provider) or by payment code.

One screen serves three services of the home grid through its `preset`:
- `utilities` (生活缴费): utility bills, look-up by 户号;
- `public_pay` (公共支付): non-tax fees and fines, look-up by payment code;
- `insurance_pay` (社保缴费): insurance contributions for oneself and the family.
A look-up's results replace the overview in the table until Escape; Enter opens a bill (or the
receipt of a paid one). The screen reloads whenever it comes back to the top, so a bill paid on the
detail screen shows as paid.
"""
from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Select, Static

from ..bill_labels import (FAMILY_FILTERS, bill_state, families_of, family_text, kind_text, state_style, state_text,
                           what_text)
from ..i18n import t
from ..money import yuan
from ..widgets.brand_bar import BrandBar
from ..widgets.error_banner import ErrorBanner
from ..widgets.localized_footer import LocalizedFooter
from .base import error_message
from .bill_lookup import BillLookupScreen, _sort_key
from .card import relation_text

# preset -> (family filter, look-up by)
PRESETS: dict[str, tuple[str, str | None]] = {
    "utilities": ("utility", "account"),
    "public_pay": ("public", "code"),
    "insurance_pay": ("insurance", None),
    "all": ("all", None),
}
ALL_PEOPLE = "all"
WHAT_WIDTH = 26  # the payee / item column: the others keep their width, a long item ends in an ellipsis
# the family filter -> the title of the screen
TITLES = {"utility": "service.utilities", "public": "service.public_pay", "insurance": "service.insurance_pay"}


class BillsScreen(BillLookupScreen):
    BINDINGS = [
        Binding("escape", "back", "key.back", id="back"),
        Binding("enter", "open", "pay.key.open", id="open"),
        Binding("ctrl+l", "lookup", "pay.key.lookup", id="lookup"),
        Binding("f5", "refresh", "key.refresh", id="refresh"),
        Binding("f6", "next_family", "pay.key.family", id="family"),
        Binding("f7", "next_payer", "pay.key.payer", id="payer"),
        Binding("f8", "history", "pay.key.history", id="history"),
    ]

    def __init__(self, preset: str = "all") -> None:
        super().__init__()
        self.family, self.lookup_by = PRESETS[preset]
        self.person = ALL_PEOPLE
        self.bills: list = []            # the overview as last loaded
        self.totals: tuple[int, int, int, int] | None = None  # count, arrears, late fees, total due
        self.loading_bills = False
        self.providers: list = []
        self.city: str | None = None
        self.provider_id: str | None = None
        self.found: list | None = None   # look-up results shown instead of the overview
        self.found_account = None        # the utility account of a look-up by 户号
        self.found_query: dict | None = None
        self.lookup_message: tuple[str, bool] | None = None  # (text, is_error) of the last look-up
        self._retry = self.load_bills

    # ---- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield BrandBar(self.title_key, demo=self.zapp.demo is not None, id="bills-brand")
        yield ErrorBanner(id="bills-error")
        with Vertical(id="bills-page"):
            if self.lookup_by is not None:
                yield from self._compose_lookup()
            with Horizontal(id="bills-filters"):
                yield Static(t("bills.filter_family"), classes="filter-label")
                yield Select([(family_text(f), f) for f in FAMILY_FILTERS], value=self.family, allow_blank=False,
                             type_to_search=False, compact=True, id="filter-family")
                yield Static(t("bills.filter_payer"), classes="filter-label")
                yield Select(self._payer_options(), value=self.person, allow_blank=False, type_to_search=False,
                             compact=True, id="filter-payer")
            yield Static("", id="bills-heading", classes="section-title")
            yield Static("", id="lookup-account-info")
            yield DataTable(id="bills-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="bills-totals")
        yield LocalizedFooter()

    @property
    def title_key(self) -> str:
        return TITLES.get(self.family, "bills.title")

    def _payer_options(self) -> list[tuple[str, str]]:
        me = self.zapp.me
        options = [(t("bills.payer_all"), ALL_PEOPLE)]
        if me is not None:
            options.append((f"{relation_text('本人')} {me.name}", me.id))
            options += [(f"{relation_text(m.relation)} {m.name}", m.id) for m in me.family]
        return options

    def on_mount(self) -> None:
        if self.lookup_by == "account":
            self.load_providers()
        self.after_recompose()
        if self.lookup_by == "account":
            self.query_one("#lookup-account", Input).focus()
        elif self.lookup_by == "code":
            self.query_one("#lookup-code", Input).focus()
        else:
            self.query_one("#bills-table", DataTable).focus()

    def after_recompose(self) -> None:
        self._show_lookup_check()
        self._show_table()

    def on_screen_resume(self) -> None:
        self.load_bills()
        if self.found is not None:
            self.refresh_found()

    # ---- the table ---------------------------------------------------------------------------
    @property
    def shown_bills(self) -> list:
        return self.found if self.found is not None else self.bills

    def _show_table(self) -> None:
        table = self.query_one("#bills-table", DataTable)
        table.loading = self.loading_bills and self.found is None
        cursor = table.cursor_row
        table.clear(columns=True)
        for key in ("bills.col_state", "bills.col_kind", "bills.col_what", "bills.col_payer", "bills.col_due_date",
                    "bills.col_amount", "bills.col_late_fee", "bills.col_total"):
            table.add_column(t(key), key=key, width=WHAT_WIDTH if key == "bills.col_what" else None)
        for bill in self.shown_bills:
            state = bill_state(bill)
            style = state_style(self.app, state)
            fee = (Text(yuan(bill.late_fee_fen), style=state_style(self.app, "overdue"), justify="right")
                   if bill.late_fee_fen else Text("—", justify="right"))
            total = (Text(yuan(bill.total_due_fen), style="bold", justify="right") if bill.status == "unpaid"
                     else Text("—", justify="right"))
            what = what_text(bill)
            if bill.period and bill.period not in what:
                what += f" {bill.period}"
            table.add_row(Text(state_text(bill), style=style), kind_text(bill.kind, bill.kind_label),
                          Text(what, overflow="ellipsis", no_wrap=True), bill.payer_name, bill.due_date.isoformat(),
                          Text(yuan(bill.amount_fen), justify="right"), fee, total, key=bill.id)
        if self.shown_bills:
            table.move_cursor(row=min(max(cursor, 0), len(self.shown_bills) - 1))
        self._show_heading()
        self._show_totals()

    def _show_heading(self) -> None:
        heading = self.query_one("#bills-heading", Static)
        info = self.query_one("#lookup-account-info", Static)
        if self.found is None:
            heading.update(t("bills.heading", family=family_text(self.family)))
            info.display = False
            return
        query = self.found_query or {}
        what = query.get("account_number") or query.get("pay_code") or ""
        heading.update(t("lookup.heading", query=what))
        account = self.found_account
        info.display = account is not None
        if account is not None:
            info.update(t("lookup.account_info", number=account.number, provider=account.provider.name,
                          holder=account.holder_name, address=account.address,
                          type=t(f"lookup.customer.{account.customer_type}")
                          if account.customer_type in ("resident", "business") else account.customer_type,
                          prepaid=yuan(account.prepaid_fen)))

    def _show_totals(self) -> None:
        totals = self.query_one("#bills-totals", Static)
        if self.found is not None:
            unpaid = [b for b in self.found if b.status == "unpaid"]
            numbers = (len(unpaid), sum(b.amount_fen for b in unpaid), sum(b.late_fee_fen for b in unpaid),
                       sum(b.total_due_fen for b in unpaid))
        elif self.totals is not None:
            numbers = self.totals
        else:
            totals.update("")
            return
        count, amount, fee, total = numbers
        if count == 0:
            totals.update(t("bills.nothing_due"))
            return
        text = Text.assemble(t("bills.totals", count=count, amount=yuan(amount)), "  ")
        if fee:
            text.append(t("bills.totals_late_fee", fee=yuan(fee)), style=state_style(self.app, "overdue"))
            text.append("  ")
        text.append(t("bills.totals_due", total=yuan(total)), style="bold")
        expired = [b for b in self.shown_bills if b.status == "unpaid" and b.expired]
        if expired:  # counted by the backend's totals, yet they cannot be paid: say so
            text.append("  ")
            text.append(t("bills.totals_expired", count=len(expired),
                          amount=yuan(sum(b.total_due_fen for b in expired))), style="dim")
        totals.update(text)

    # ---- loading -----------------------------------------------------------------------------
    @work(exclusive=True, group="bills", exit_on_error=False)
    async def load_bills(self) -> None:
        from ..api import ApiError

        family, person = self.family, self.person
        self.loading_bills = True
        if self.found is None:
            self.query_one("#bills-table", DataTable).loading = True
        try:
            lists = [await self.zapp.api.bills("all", family=f, person_id=None if person == ALL_PEOPLE else person)
                     for f in families_of(family)]
        except ApiError as err:
            self.loading_bills = False
            self.query_one("#bills-table", DataTable).loading = False
            if not self.session_ended(err):
                self._retry = self.load_bills
                self.query_one("#bills-error", ErrorBanner).show(error_message(err))
            return
        if (family, person) != (self.family, self.person):
            return  # the filters changed while this was on its way: their own load follows
        self.loading_bills = False
        self.query_one("#bills-error", ErrorBanner).hide()
        self.bills = sorted((b for bills in lists for b in bills.items), key=_sort_key)
        self.totals = tuple(sum(getattr(bills.totals, name) for bills in lists)
                            for name in ("count", "amount_fen", "late_fee_fen", "total_due_fen"))  # type: ignore[assignment]
        self._show_table()

    @on(ErrorBanner.Retry, "#bills-error")
    def _retry_pressed(self) -> None:
        self._retry()
        field = self._lookup_input()
        (field or self.query_one("#bills-table", DataTable)).focus()  # the Retry button is gone

    # ---- filters -----------------------------------------------------------------------------
    @on(Select.Changed, "#filter-family")
    def _family_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.family:
            self.family = event.value
            self._filters_changed()

    @on(Select.Changed, "#filter-payer")
    def _payer_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.person:
            self.person = event.value
            self._filters_changed()

    def _filters_changed(self) -> None:
        brand = self.query_one("#bills-brand", BrandBar)
        brand.title_key = self.title_key
        brand.update(brand.render_text())
        self.found = None
        self.found_account = None
        self.bills = []
        self.totals = None
        self._show_table()
        self.load_bills()

    def action_next_family(self) -> None:
        self.family = FAMILY_FILTERS[(FAMILY_FILTERS.index(self.family) + 1) % len(FAMILY_FILTERS)]
        self._set_select("#filter-family", self.family)
        self._filters_changed()

    def action_next_payer(self) -> None:
        people = [value for _, value in self._payer_options()]
        index = people.index(self.person) if self.person in people else 0
        self.person = people[(index + 1) % len(people)]
        self._set_select("#filter-payer", self.person)
        self._filters_changed()

    def _set_select(self, selector: str, value: str) -> None:
        """Show a value chosen by key (the state holds it already: the Changed event it sends is a no-op)."""
        self.query_one(selector, Select).value = value

    # ---- opening a bill ----------------------------------------------------------------------
    @on(DataTable.RowSelected, "#bills-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        bill = self._bill_of(event.row_key.value)
        if bill is not None:
            self._open(bill)

    def _bill_of(self, bill_id: str | None):
        return next((b for b in self.shown_bills if b.id == bill_id), None)

    def action_open(self) -> None:
        table = self.query_one("#bills-table", DataTable)
        if not self.shown_bills or table.row_count == 0:
            return
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        bill = self._bill_of(row_key.value)
        if bill is not None:
            self._open(bill)

    def _open(self, bill) -> None:
        if bill.status == "paid" and bill.paid_payment_id:
            from .receipt import ReceiptScreen

            self.app.push_screen(ReceiptScreen(bill.paid_payment_id))
            return
        from .bill_detail import BillScreen

        self.app.push_screen(BillScreen(bill))

    # ---- other actions -----------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "lookup":
            return self.lookup_by is not None
        return True

    def action_back(self) -> None:
        if self.found is not None:
            self.found = None
            self.found_account = None
            self.found_query = None
            self._show_table()
            self.query_one("#bills-table", DataTable).focus()
            return
        self.dismiss()

    def action_refresh(self) -> None:
        self.load_bills()
        if self.found_query is not None and self.found is not None:
            self.run_lookup(self.found_query)
        if self.lookup_by == "account" and not self.providers:
            self.load_providers()

    def action_history(self) -> None:
        from .payments import PaymentsScreen

        self.app.push_screen(PaymentsScreen())
