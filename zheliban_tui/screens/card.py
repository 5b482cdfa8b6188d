"""The electronic social-security card: its face, the live QR code, family members' cards, insurance.

The QR code is valid for a minute. The countdown runs on the app's monotonic clock and is corrected
against the backend's clock every few seconds (the backend's clock may be virtual, frozen or moved),
so a code the backend considers expired is replaced at once. A card reported lost or cancelled shows
a banner and no code at all.
"""
from __future__ import annotations

import math

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static, Tab, Tabs

from ..i18n import t
from ..money import yuan
from ..widgets.brand_bar import BrandBar
from ..widgets.card_face import CardFace
from ..widgets.error_banner import ErrorBanner
from ..widgets.localized_footer import LocalizedFooter
from ..widgets.qr_code import QrCode
from .base import AppScreen, error_message
from .pin_dialog import PinDialog

CLOCK_SYNC_SECONDS = 5.0
RELATIONS = {"本人": "self", "配偶": "spouse", "子女": "child", "父母": "parent"}


def relation_text(relation: str) -> str:
    key = RELATIONS.get(relation)
    return t(f"card.relation.{key}") if key else relation


def group_digits(code: str, size: int = 6) -> str:
    return " ".join(code[i:i + size] for i in range(0, len(code), size))


class CardScreen(AppScreen):
    BINDINGS = [
        Binding("escape", "back", "key.back", id="back"),
        Binding("r", "refresh_qr", "key.refresh", id="refresh"),
        Binding("v", "reveal", "key.reveal", id="reveal"),
        Binding("s", "next_card", "key.switch_card", id="switch-card"),
    ]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (96, "-wide")]

    def __init__(self) -> None:
        super().__init__()
        self.cards: list = []
        self.index = 0
        self.revealed: dict[str, object] = {}
        self.qr = None
        self.qr_deadline: float | None = None   # on the app's monotonic clock
        self.insurance = None
        self.insurance_error: str | None = None

    # ---- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield BrandBar("card.title", demo=self.zapp.demo is not None)
        yield Tabs(*self._tabs(), id="card-tabs")
        yield ErrorBanner(id="card-error")
        with VerticalScroll(id="card-page"):
            with Horizontal(id="card-body"):
                with Vertical(id="card-left"):
                    yield CardFace(id="card-face")
                    yield Static("", id="card-banner", classes="banner-error")
                    yield Static("", id="insurance", classes="panel")
                with Vertical(id="qr-panel"):
                    yield QrCode(id="qr")
                    yield Static("", id="numeric-code")
                    yield Static("", id="qr-countdown", classes="hint")
                    yield Static(t("card.qr_caption"), id="qr-caption", classes="hint")
        yield LocalizedFooter()

    def _tabs(self) -> list[Tab]:
        return [Tab(f"{relation_text(card.relation)} {card.holder_name}", id=f"card-{i}")
                for i, card in enumerate(self.cards)]

    def on_mount(self) -> None:
        self.query_one("#card-page").loading = True
        self.load_cards()
        if self.zapp.animate_countdowns:
            self.set_interval(1.0, self._tick)
            self.set_interval(CLOCK_SYNC_SECONDS, self.sync_clock)

    def after_recompose(self) -> None:
        if self.cards:
            self.query_one("#card-tabs", Tabs).active = f"card-{self.index}"
            self._show_card()

    def on_unmount(self) -> None:
        self.revealed.clear()

    @property
    def card(self):
        return self.cards[self.index] if self.cards else None

    # ---- loading -----------------------------------------------------------------------------
    @work(exclusive=True, group="cards", exit_on_error=False)
    async def load_cards(self) -> None:
        from ..api import ApiError

        try:
            cards = await self.zapp.api.cards()
        except ApiError as err:
            self.query_one("#card-page").loading = False
            if not self.session_ended(err):
                self.query_one("#card-error", ErrorBanner).show(error_message(err))
            return
        self.cards = list(cards)
        self.index = 0
        tabs = self.query_one("#card-tabs", Tabs)
        await tabs.clear()
        for tab in self._tabs():
            await tabs.add_tab(tab)
        self.query_one("#card-page").loading = False
        if self.cards:
            tabs.active = "card-0"
            self._card_changed()
        tabs.focus()

    @on(ErrorBanner.Retry, "#card-error")
    def _retry(self) -> None:
        if not self.cards:
            self.query_one("#card-page").loading = True
            self.load_cards()
        else:
            self._card_changed()

    @on(Tabs.TabActivated, "#card-tabs")
    def _tab_activated(self, event: Tabs.TabActivated) -> None:
        if event.tab is None or event.tab.id is None:
            return
        index = int(event.tab.id.removeprefix("card-"))
        if index != self.index:
            self.index = index
            self._card_changed()

    def _card_changed(self) -> None:
        self.qr = None
        self.qr_deadline = None
        self.insurance = None
        self.insurance_error = None
        self._show_card()
        if self.card is not None:
            if self.card.status == "normal":
                self.issue_qr()
            self.load_insurance()

    # ---- painting ----------------------------------------------------------------------------
    def _show_card(self) -> None:
        card = self.card
        if card is None:
            return
        shown = self.revealed.get(card.id, card)
        self.query_one("#card-face", CardFace).show(shown)
        banner = self.query_one("#card-banner", Static)
        active = card.status == "normal"
        banner.display = not active
        banner.update("" if active else t("card.lost_banner" if card.status == "lost" else "card.cancelled_banner"))
        self.query_one("#qr-panel").display = active
        self._show_qr()
        self._show_insurance()

    def _show_qr(self) -> None:
        qr = self.qr
        self.query_one("#qr", QrCode).payload = qr.payload if qr else None
        self.query_one("#numeric-code", Static).update(
            f"{t('card.numeric_code')}  {group_digits(qr.numeric_code)}" if qr else "")
        self._show_countdown()

    def _seconds_left(self) -> int | None:
        if self.qr_deadline is None:
            return None
        return max(0, math.ceil(self.qr_deadline - self.zapp.monotonic()))

    def _show_countdown(self) -> None:
        left = self._seconds_left()
        text = t("card.refreshing") if left is None or left == 0 else t("card.countdown", seconds=left)
        self.query_one("#qr-countdown", Static).update(text)

    def _show_insurance(self) -> None:
        panel = self.query_one("#insurance", Static)
        account = self.insurance
        if account is None:
            panel.update(self.insurance_error or t("common.loading"))
            return
        table = Table.grid(padding=(0, 1), expand=True)
        table.add_column(no_wrap=True, min_width=10)
        table.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        table.add_column(no_wrap=True)
        table.add_column(justify="right", no_wrap=True)
        table.add_column(justify="right", no_wrap=True)
        head = Text.assemble((t("card.insurance"), "bold"), f"  {account.insurance_type} · {account.insured_place}\n",
                             (t("card.balance"), "dim"), "  ", (t("common.yuan", amount=yuan(account.balance_fen)), "bold"),
                             f"\n\n{t('card.settlements')}")
        if not account.settlements:
            panel.update(Text.assemble(head, "\n", (t("card.no_settlements"), "dim")))
            return
        table.add_row(*(Text(t(key), style="dim") for key in (
            "card.settled_on", "card.institution", "card.kind", "card.total", "card.account_paid")))
        for s in account.settlements[:5]:
            table.add_row(s.settled_at.date().isoformat(), s.institution, s.kind, yuan(s.total_fen), yuan(s.account_paid_fen))
        from rich.console import Group

        panel.update(Group(head, table))

    # ---- the QR code -------------------------------------------------------------------------
    @work(exclusive=True, group="qr", exit_on_error=False)
    async def issue_qr(self) -> None:
        from ..api import ApiError

        card = self.card
        if card is None or card.status != "normal":
            return
        self.qr_deadline = None
        self._show_countdown()
        try:
            qr = await self.zapp.api.issue_qr(card.id)
        except ApiError as err:
            if self.session_ended(err):
                return
            if err.code in ("CARD_LOST", "CARD_CANCELLED"):
                self.load_cards()  # the card changed status meanwhile: show it as it is now
                return
            self.query_one("#card-error", ErrorBanner).show(error_message(err))
            return
        if self.card is not card:
            return  # the citizen switched cards while this was on its way
        self.query_one("#card-error", ErrorBanner).hide()
        self.qr = qr
        self.qr_deadline = self.zapp.monotonic() + qr.expires_in
        self._show_qr()

    @work(exclusive=True, group="clock", exit_on_error=False)
    async def sync_clock(self) -> None:
        """Correct the countdown with the backend's clock; a code the backend has expired is replaced."""
        from ..api import ApiError

        qr = self.qr
        if qr is None or self.is_current is False:
            return
        try:
            clock = await self.zapp.api.server_clock()
        except ApiError:
            return  # the next tick or the next sync tries again
        if self.qr is not qr:
            return
        left = (qr.expires_at - clock.now).total_seconds()
        self.qr_deadline = self.zapp.monotonic() + max(0.0, left)
        if left <= 0:
            self.issue_qr()
        else:
            self._show_countdown()

    def _tick(self) -> None:
        if not self.is_current or self.qr is None:
            return
        left = self._seconds_left()
        if left == 0:
            self.qr = None
            self.issue_qr()
        self._show_countdown()

    # ---- insurance ---------------------------------------------------------------------------
    @work(exclusive=True, group="insurance", exit_on_error=False)
    async def load_insurance(self) -> None:
        from ..api import ApiError

        card = self.card
        if card is None:
            return
        try:
            account = await self.zapp.api.insurance(person_id=card.holder_id)
        except ApiError as err:
            if self.session_ended(err):
                return
            self.insurance_error = t("card.no_insurance") if err.code == "INSURANCE_NOT_FOUND" else error_message(err)
            if self.card is card:
                self._show_insurance()
            return
        if self.card is card:
            self.insurance = account
            self._show_insurance()

    # ---- actions -----------------------------------------------------------------------------
    def action_back(self) -> None:
        self.dismiss()

    def action_refresh_qr(self) -> None:
        if self.card is not None and self.card.status == "normal":
            self.issue_qr()

    def action_next_card(self) -> None:
        if len(self.cards) > 1:
            self.query_one("#card-tabs", Tabs).active = f"card-{(self.index + 1) % len(self.cards)}"

    def action_reveal(self) -> None:
        card = self.card
        if card is None or card.id in self.revealed:
            return

        async def submit(pin: str) -> str | None:
            from ..api import ApiError

            try:
                full = await self.zapp.api.reveal_card(card.id, pin)
            except ApiError as err:
                if self.session_ended(err):
                    return None
                return error_message(err)
            self.revealed[card.id] = full
            return None

        def done(ok: bool | None) -> None:
            if ok and card.id in self.revealed:
                self._show_card()
                self.notify(t("card.revealed"))

        self.app.push_screen(PinDialog("pin.card_title", submit), done)
