"""A six-digit PIN in a modal: masked as typed, tries left after a wrong PIN, the lock with minutes left.

The dialog is handed `submit(pin)`, an async callable that answers None when the PIN was taken
(the dialog closes with True) or a message to show (the dialog stays, the field is cleared).
Escape or Cancel closes it with False. The PIN never leaves this dialog except through `submit`.
"""
from __future__ import annotations

from typing import Awaitable, Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from ..i18n import t
from ..validation import PIN_LENGTH, check_pin

PinSubmit = Callable[[str], Awaitable[str | None]]


class PinDialog(ModalScreen[bool]):
    BINDINGS = [Binding("escape", "cancel", "common.cancel")]

    def __init__(self, title_key: str, submit: PinSubmit) -> None:
        super().__init__()
        self.title_key = title_key
        self.submit = submit

    def compose(self) -> ComposeResult:
        with Vertical(id="pin-dialog", classes="dialog"):
            yield Static(t(self.title_key), classes="panel-title")
            yield Static(t("pin.hint"), classes="hint")
            yield Input(id="pin", password=True, max_length=PIN_LENGTH, restrict=r"[0-9]*",
                        placeholder="• " * PIN_LENGTH)
            yield Static("", id="pin-error", classes="error-text")
            with Horizontal(classes="buttons"):
                yield Button(t("common.cancel"), id="pin-cancel")
                yield Button(t("common.confirm"), id="pin-ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#pin", Input).focus()

    @on(Input.Submitted, "#pin")
    @on(Button.Pressed, "#pin-ok")
    def _confirm(self) -> None:
        pin = self.query_one("#pin", Input).value
        check = check_pin(pin)
        if not check.ok:
            self._show(t(check.message_key or "validate.pin_format"))
            return
        self._send(pin)

    @on(Button.Pressed, "#pin-cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)

    def _show(self, text: str) -> None:
        self.query_one("#pin-error", Static).update(text)
        field = self.query_one("#pin", Input)
        field.value = ""
        field.focus()

    @work(exclusive=True, group="pin", exit_on_error=False)
    async def _send(self, pin: str) -> None:
        ok_button = self.query_one("#pin-ok", Button)
        ok_button.disabled = True
        try:
            problem = await self.submit(pin)
        finally:
            ok_button.disabled = False
        if problem is None:
            self.dismiss(True)
        else:
            self._show(problem)
