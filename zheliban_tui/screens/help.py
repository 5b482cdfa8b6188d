"""Help (F1 or ?): keys and how to use the app."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ..i18n import t

HELP_KEYS = ("help.key_tab", "help.key_enter", "help.key_escape", "help.key_palette", "help.key_language",
             "help.key_quit")


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape", "dismiss", "key.back"), Binding("f1", "dismiss", show=False),
                Binding("question_mark", "dismiss", show=False)]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog", classes="dialog"):
            yield Static(t("help.title"), classes="panel-title")
            yield Static(t("help.intro"))
            yield Static(t("help.keys"), classes="section-title")
            for key in HELP_KEYS:
                yield Static(f"• {t(key)}")
            yield Static(t("help.privacy"), classes="hint")
            yield Button(t("common.close"), id="help-close", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#help-close").focus()

    def on_button_pressed(self) -> None:
        self.dismiss()
