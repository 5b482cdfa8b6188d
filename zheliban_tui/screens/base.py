"""What every screen of the app shares: the brand bar, the localized footer, and API failure handling."""
from __future__ import annotations

from typing import TYPE_CHECKING

from textual.screen import Screen
from textual.worker import Worker

from ..i18n import error_text

if TYPE_CHECKING:
    from ..api import ApiError
    from ..app import ZhelibanApp


def error_message(err: "ApiError") -> str:
    """A refusal or failure in the current language, with its numbers (tries left, minutes, seconds)."""
    values = {}
    if err.tries_left is not None:
        values["tries_left"] = err.tries_left
    if err.retry_after is not None:
        values["seconds"] = int(err.retry_after)
        values["minutes"] = max(1, (int(err.retry_after) + 59) // 60)
    return error_text(err.code, err.detail, **values)


class AppScreen(Screen):
    """A full screen of the app (not a dialog)."""

    @property
    def zapp(self) -> "ZhelibanApp":
        return self.app  # type: ignore[return-value]

    def session_ended(self, err: "ApiError") -> bool:
        """Return to the login screen if `err` means the session is gone; True if it did."""
        return self.zapp.handle_session_error(err)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Worker messages do not bubble: hand every failure that a screen did not catch to the app.
        self.zapp.worker_failed(event)
