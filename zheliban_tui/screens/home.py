"""Home: a greeting with the masked name and real-name level, and the grid of services."""
from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.widgets import Static

from ..i18n import t
from ..services import SERVICES
from ..widgets.brand_bar import BrandBar
from ..widgets.localized_footer import LocalizedFooter
from ..widgets.service_tile import ServiceTile
from .base import AppScreen, error_message


class HomeScreen(AppScreen):
    BINDINGS = [
        *(Binding(s.key, f"open('{s.id}')", s.title_key, show=False) for s in SERVICES),
        Binding("ctrl+o", "logout", "key.logout", id="logout"),
        Binding("f3", "cycle_theme", "key.theme", id="theme"),
    ]

    def compose(self) -> ComposeResult:
        me = self.zapp.me
        elder = self.zapp.has_class("-elder")
        yield BrandBar(demo=self.zapp.demo is not None)
        with VerticalScroll(id="home-page"):
            yield Static(t("home.greeting", name=me.name if me else ""), id="greeting")
            level = me.realname_level if me else 0
            yield Static(t("home.level_1") if level <= 1 else t("home.level", level=level),
                         id="realname-level", classes=f"level-{level}")
            yield Static(t("home.services"), classes="section-title")
            with Grid(id="services"):
                for service in SERVICES:
                    if elder and not service.main:
                        continue
                    yield ServiceTile(service, unread=me.unread_messages if me and service.id == "messages" else 0)
        yield LocalizedFooter()

    def on_mount(self) -> None:
        tiles = self.query(ServiceTile)
        if tiles:  # none while the app closes during the switch to this screen
            tiles.first().focus()

    def theme_changed(self) -> None:
        self.call_later(self.recompose)
        self.call_later(self.on_mount)

    def on_screen_resume(self) -> None:
        self.refresh_unread()

    @on(ServiceTile.Pressed)
    def _tile_pressed(self, event: ServiceTile.Pressed) -> None:
        self.zapp.open_service(event.button.service.id)

    def action_open(self, service_id: str) -> None:
        if any(tile.service.id == service_id for tile in self.query(ServiceTile)):
            self.zapp.open_service(service_id)

    def action_logout(self) -> None:
        self.zapp.logout()

    def action_cycle_theme(self) -> None:
        names = ["light", "dark", "elder"]
        current = self.zapp.theme_choice
        self.zapp.apply_theme(names[(names.index(current) + 1) % len(names)])

    @work(exclusive=True, group="unread", exit_on_error=False)
    async def refresh_unread(self) -> None:
        from ..api import ApiError

        try:
            count = await self.zapp.api.unread_count()
        except ApiError as err:
            if not self.session_ended(err):  # say it: the unread count shown may be out of date
                self.notify(error_message(err), severity="warning")
            return
        for tile in self.query(ServiceTile):
            if tile.service.id == "messages":
                tile.set_unread(count)
