"""Shown while a kept session is resumed, so the app never sits blank on start."""
from __future__ import annotations

from typing import Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.widgets import LoadingIndicator, Static

from ..i18n import t
from ..widgets.brand_bar import BrandBar
from ..widgets.error_banner import ErrorBanner
from .base import AppScreen, error_message


class SplashScreen(AppScreen):
    def __init__(self) -> None:
        super().__init__()
        self._retry: Callable[[], object] | None = None

    def compose(self) -> ComposeResult:
        yield BrandBar(demo=self.zapp.demo is not None)
        with Middle():
            with Center():
                yield Static(t("app.subtitle"), id="splash-title")
            yield LoadingIndicator()
            with Center():
                yield ErrorBanner(id="splash-error")

    def show_failure(self, err, retry: Callable[[], object]) -> None:
        self._retry = retry
        self.query_one(LoadingIndicator).display = False
        self.query_one(ErrorBanner).show(error_message(err))

    @on(ErrorBanner.Retry)
    def _retry_pressed(self) -> None:
        self.query_one(LoadingIndicator).display = True
        if self._retry is not None:
            self._retry()
