"""A failure in words with a retry button, shown in place of content that could not be loaded."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Static

from ..i18n import t


class ErrorBanner(Horizontal):
    """Hidden until `show(text)`; pressing Retry posts `ErrorBanner.Retry` and hides it."""

    class Retry(Message):
        def __init__(self, banner: "ErrorBanner") -> None:
            super().__init__()
            self.banner = banner

        @property
        def control(self) -> "ErrorBanner":
            return self.banner

    def __init__(self, *children, **kwargs) -> None:
        super().__init__(*children, **kwargs)
        # Hidden from the start, not on mount: a failure reported before the mount stays shown.
        self.display = False

    def compose(self) -> ComposeResult:
        yield Static("", classes="error-text")
        yield Button(t("common.retry"), classes="retry", variant="warning")

    def show(self, text: str) -> None:
        self.query_one(".error-text", Static).update(text)
        self.display = True

    def hide(self) -> None:
        self.display = False

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.hide()
        self.post_message(self.Retry(self))
