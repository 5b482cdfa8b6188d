"""One service on the home grid: its icon and name, and for messages the unread count."""
from __future__ import annotations

from rich.text import Text
from textual.widgets import Button

from ..i18n import t
from ..services import Service


class ServiceTile(Button):
    def __init__(self, service: Service, *, unread: int = 0) -> None:
        self.service = service
        self.unread = unread
        super().__init__(self._label(), id=f"service-{service.id}", classes="service-tile")
        self.tooltip = t(service.help_key)

    def _label(self) -> Text:
        label = Text(justify="center")
        label.append(self.service.icon, style="bold")
        label.append("\n")
        label.append(t(self.service.title_key))
        label.append(f"\n[{self.service.key}]", style="dim")
        if self.unread:
            label.append("  ")
            label.append(f" {t('home.unread', count=self.unread)} ", style="bold white on red")
        return label

    def set_unread(self, count: int) -> None:
        self.unread = count
        self.label = self._label()
