"""The look-up half of the bills screen (缴费): the panel to find bills by 户号 (with the city and
provider) or by payment code, its live check and hint, the search itself and the refresh of its results.

`BillLookupScreen` is the base of `BillsScreen` (screens/bills.py), which holds the state, the table and
the filters; a look-up fills `found` / `found_account` / `found_query` and asks the screen to redraw its
table. It is a base screen rather than a widget so that the widget tree, ids and CSS stay as they were.
"""
from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Input, Select, Static

from ..bill_labels import UTILITY_KINDS, city_text, kind_text
from ..i18n import t
from ..payment_checks import (ACCOUNT_NUMBER_LENGTH, PAY_CODE_MAX_LENGTH, PAY_CODE_MIN_LENGTH, check_account_number,
                              check_pay_code)
from ..widgets.error_banner import ErrorBanner
from .base import AppScreen, error_message

DEFAULT_CITY = "330100"
NOTHING_OWED = "NOTHING_OWED"
RETRYABLE_CODES = frozenset({"SERVER_ERROR", "BAD_RESPONSE", "INTERNAL_ERROR"})


def _sort_key(bill) -> tuple:
    """The backend's order across merged lists: unpaid first by due date, then paid, latest due first."""
    if bill.status == "unpaid":
        return (0, bill.due_date.toordinal(), bill.id)
    return (1, -bill.due_date.toordinal(), bill.id)


class BillLookupScreen(AppScreen):
    """The look-up panel and its workers; the subclass sets the state below and draws the table."""

    lookup_by: str | None            # "account" (户号), "code" (payment code) or None (no panel)
    providers: list
    city: str | None
    provider_id: str | None
    found: list | None
    found_account: object
    found_query: dict | None
    lookup_message: tuple[str, bool] | None

    def _show_table(self) -> None:
        raise NotImplementedError

    def _open(self, bill) -> None:
        raise NotImplementedError

    # ---- the panel ---------------------------------------------------------------------------

    def _compose_lookup(self) -> ComposeResult:
        with Vertical(id="lookup-panel", classes="panel"):
            if self.lookup_by == "account":
                yield Static(t("lookup.account_title"), classes="panel-title")
                with Horizontal(classes="lookup-row"):
                    yield Select(self._city_options(), value=self.city or Select.NULL, prompt=t("common.loading"),
                                 type_to_search=False, compact=True, id="lookup-city")
                    yield Select(self._provider_options(), value=self.provider_id or Select.NULL,
                                 prompt=t("common.loading"), type_to_search=False, compact=True,
                                 id="lookup-provider")
                    yield Input(placeholder=t("lookup.account_placeholder"), max_length=ACCOUNT_NUMBER_LENGTH,
                                compact=True, id="lookup-account")
                    yield Button(t("lookup.submit"), id="lookup-submit", variant="primary", compact=True)
            else:
                yield Static(t("lookup.code_title"), classes="panel-title")
                with Horizontal(classes="lookup-row"):
                    yield Input(placeholder=t("lookup.code_placeholder"), max_length=PAY_CODE_MAX_LENGTH,
                                compact=True, id="lookup-code")
                    yield Button(t("lookup.submit"), id="lookup-submit", variant="primary", compact=True)
            yield Static("", id="lookup-hint", classes="hint")

    def _city_options(self) -> list[tuple[str, str]]:
        seen: dict[str, str] = {}
        for p in self.providers:
            seen.setdefault(p.city_code, city_text(p.city_code, p.city_name))
        return [(name, code) for code, name in seen.items()]

    def _provider_options(self) -> list[tuple[str, str]]:
        mine = [p for p in self.providers if p.city_code == self.city]
        mine.sort(key=lambda p: UTILITY_KINDS.index(p.kind) if p.kind in UTILITY_KINDS else 9)
        return [(f"{kind_text(p.kind)} · {p.name}", p.id) for p in mine]

    # ---- providers ---------------------------------------------------------------------------
    @work(exclusive=True, group="providers", exit_on_error=False)
    async def load_providers(self) -> None:
        from ..api import ApiError

        try:
            providers = await self.zapp.api.utility_providers()
        except ApiError as err:
            if not self.session_ended(err):
                self._retry = self.load_providers
                self.query_one("#bills-error", ErrorBanner).show(error_message(err))
            return
        self.providers = list(providers)
        cities = [p.city_code for p in self.providers]
        if self.city not in cities:
            self.city = DEFAULT_CITY if DEFAULT_CITY in cities else (cities[0] if cities else None)
        self._fill_provider_selects()

    def _fill_provider_selects(self) -> None:
        city = self.query_one("#lookup-city", Select)
        city.set_options(self._city_options())
        if self.city is not None:
            city.value = self.city
        self._fill_providers()

    def _fill_providers(self) -> None:
        options = self._provider_options()
        ids = [pid for _, pid in options]
        if self.provider_id not in ids:
            self.provider_id = ids[0] if ids else None
        select = self.query_one("#lookup-provider", Select)
        select.set_options(options)
        if self.provider_id is not None:
            select.value = self.provider_id

    # ---- look-up -----------------------------------------------------------------------------
    @on(Select.Changed, "#lookup-city")
    def _city_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.city:
            self.city = event.value
            self._fill_providers()

    @on(Select.Changed, "#lookup-provider")
    def _provider_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.provider_id = event.value

    def _lookup_input(self) -> Input | None:
        found = self.query("#lookup-account, #lookup-code")
        return found.first(Input) if found else None

    def _lookup_check(self):
        field = self._lookup_input()
        if field is None:
            return None
        return check_account_number(field.value) if self.lookup_by == "account" else check_pay_code(field.value)

    @on(Input.Changed, "#lookup-account, #lookup-code")
    def _lookup_typed(self) -> None:
        self.lookup_message = None
        self._show_lookup_check()

    def _show_lookup_check(self) -> None:
        check = self._lookup_check()
        if check is None:
            return
        hint = self.query_one("#lookup-hint", Static)
        if self.lookup_message is not None:
            text, bad = self.lookup_message
            hint.update(text)
            hint.set_class(not bad, "-ok")
            hint.set_class(bad, "-bad")
            return
        hint.update(t(check.message_key, **check.values) if check.message_key else t(f"lookup.{self.lookup_by}_hint"))
        hint.set_class(check.ok, "-ok")
        hint.set_class(not check.ok and check.message_key is not None, "-bad")

    @on(Input.Submitted, "#lookup-account, #lookup-code")
    @on(Button.Pressed, "#lookup-submit")
    def _lookup_submitted(self) -> None:
        self.action_lookup()

    def action_lookup(self) -> None:
        field = self._lookup_input()
        check = self._lookup_check()
        if field is None or check is None:
            return
        if not check.ok:
            key = check.message_key or ("validate.account_number_incomplete" if self.lookup_by == "account"
                                        else "validate.pay_code_short")
            values = check.values or {"left": ACCOUNT_NUMBER_LENGTH if self.lookup_by == "account"
                                      else PAY_CODE_MIN_LENGTH}
            self.lookup_message = (t(key, **values), True)
            self._show_lookup_check()
            field.focus()
            return
        if self.lookup_by == "account":
            if self.provider_id is None:
                return
            query = {"provider_id": self.provider_id, "account_number": field.value.strip()}
        else:
            query = {"pay_code": field.value.strip()}
        self.run_lookup(query)

    def _set_looking(self, busy: bool) -> None:
        button = self.query_one("#lookup-submit", Button)
        button.disabled = busy
        button.label = t("lookup.searching") if busy else t("lookup.submit")

    @work(exclusive=True, group="lookup", exit_on_error=False)
    async def run_lookup(self, query: dict) -> None:
        from ..api import ApiError, UtilityAccount

        self.lookup_message = None
        self.query_one("#bills-error", ErrorBanner).hide()
        self._set_looking(True)
        try:
            result = await self.zapp.api.lookup_bills(**query)
        except ApiError as err:
            self._set_looking(False)
            if self.session_ended(err):
                return
            if err.is_network or err.code in RETRYABLE_CODES or (err.status or 0) >= 500:
                self._retry = lambda: self.run_lookup(query)
                self.query_one("#bills-error", ErrorBanner).show(error_message(err))
                return
            if err.code == NOTHING_OWED:
                try:
                    account = UtilityAccount.from_json(err.extra.get("account"))
                except ApiError:
                    account = None
                self.found, self.found_account, self.found_query = [], account, query
                self.lookup_message = (t("lookup.nothing_owed"), False)
                self._show_lookup_check()
                self._show_table()
                return
            self.lookup_message = (error_message(err), True)
            self._show_lookup_check()
            field = self._lookup_input()
            if field is not None:
                field.focus()
            return
        self._set_looking(False)
        self.found, self.found_account, self.found_query = list(result.bills), result.account, query
        self.lookup_message = (t("lookup.found", count=len(result.bills)), False)
        self._show_lookup_check()
        self._show_table()
        table = self.query_one("#bills-table", DataTable)
        table.move_cursor(row=0)
        table.focus()
        if "pay_code" in query and len(result.bills) == 1:
            self._open(result.bills[0])

    @work(exclusive=True, group="lookup", exit_on_error=False)
    async def refresh_found(self) -> None:
        """After coming back from a bill: the look-up's bills as they are now (paid ones show as paid)."""
        import asyncio

        from ..api import ApiError

        found = self.found
        if not found:
            return
        try:
            fresh = await asyncio.gather(*(self.zapp.api.bill(b.id) for b in found))
        except ApiError as err:
            self.session_ended(err)
            return
        if self.found is found:
            self.found = sorted(fresh, key=_sort_key)
            self._show_table()
