"""The blue bar at the top of every screen: the app's name, the screen's title, the demo badge."""
from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ..i18n import t


class BrandBar(Static):
    def __init__(self, title_key: str | None = None, *, demo: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title_key = title_key
        self.demo = demo

    def on_mount(self) -> None:
        self.update(self.render_text())

    def render_text(self) -> Text:
        text = Text()
        text.append(t("app.title"), style="bold")
        text.append("  ")
        text.append(f"› {t(self.title_key)}" if self.title_key else t("app.subtitle"))
        if self.demo:
            text.append("  ")
            text.append(f" {t('app.demo_badge')} ", style="bold reverse")
        return text
