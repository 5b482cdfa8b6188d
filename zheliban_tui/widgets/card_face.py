"""The face of an electronic social-security card: masked until revealed with the card PIN."""
from __future__ import annotations

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from ..i18n import t

STATUS_STYLE = {"normal": "bold white on green4", "lost": "bold white on red3", "cancelled": "bold white on grey42"}


def status_text(status: str) -> str:
    key = f"card.status.{status}"
    text = t(key)
    return status if text == key else text


class CardFace(Static):
    """Renders a card model (fields as the backend names them)."""

    def show(self, card) -> None:
        self.set_class(card.status != "normal", "-inactive")
        self.update(self._render_card(card))

    def _render_card(self, card) -> Panel:
        fields = Table.grid(padding=(0, 2))
        fields.add_column(style="dim", no_wrap=True)
        fields.add_column(no_wrap=True)
        fields.add_row(t("card.name"), Text(card.holder_name, style="bold"))
        fields.add_row(t("card.id_number"), card.social_security_number)
        fields.add_row(t("card.card_number"), card.card_number)
        fields.add_row(t("card.bank"), f"{card.bank_name} {card.bank_card_number}")
        fields.add_row(t("card.issued"), str(card.issue_date))
        fields.add_row(t("card.valid_until"), str(card.valid_until))
        badge = Text(f" {status_text(card.status)} ", style=STATUS_STYLE.get(card.status, "reverse"))
        head = Text.assemble((t("card.face_title"), "bold"), "  ", badge)
        foot = Text(f"{card.city_name} · {t('card.province')}", style="dim")
        return Panel(Group(head, Text(""), fields, Text(""), foot), border_style="blue", padding=(0, 1))
