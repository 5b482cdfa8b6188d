"""A yes/no question in a modal: the title, what will happen, and two buttons.

Enter (on the focused "yes" button) or Y answers yes (True); Escape or N answers no (False). The focus
starts on "yes": the dialog is itself the confirmation step, reached by a deliberate key.
"""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ..i18n import t


class ConfirmDialog(ModalScreen[bool]):
    BINDINGS = [
        Binding("escape", "answer(False)", "common.cancel", id="no"),
        Binding("n", "answer(False)", "common.cancel", show=False),
        Binding("y", "answer(True)", "common.confirm", id="yes"),
    ]

    def __init__(self, title: str, body: str, *, yes: str | None = None, no: str | None = None,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.title_text = title
        self.body = body
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog confirm-dialog"):
            yield Static(self.title_text, classes="panel-title")
            yield Static(self.body, classes="confirm-body")
            with Horizontal(classes="buttons"):
                yield Button(self.no or t("common.cancel"), id="confirm-no")
                yield Button(self.yes or t("common.confirm"), id="confirm-yes", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#confirm-yes", Button).focus()

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def _no(self) -> None:
        self.dismiss(False)

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
