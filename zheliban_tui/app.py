"""The Textual application: screens, themes, language, the session, and what every screen shares.

The app is handed its `ApiClient` and `CredentialStore` (tests hand it fakes or an in-process backend);
it never creates a network client itself. Screens live in `screens/`, one per file.
"""
from __future__ import annotations

import asyncio
import importlib
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Awaitable, Callable, Iterable

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from . import i18n
from .i18n import t
from .services import SERVICE_BY_ID, SERVICES
from .themes import THEMES

if TYPE_CHECKING:
    from .api import ApiClient, ApiError, Tokens
    from .credentials import CredentialStore

log = logging.getLogger("zheliban_tui")


@dataclass(frozen=True)
class DemoAccount:
    label: str
    phone: str
    password: str


@dataclass
class DemoHooks:
    """What `zheliban demo` adds: the demo accounts and the SMS a phone would receive."""

    accounts: list[DemoAccount] = field(default_factory=list)
    read_sms: Callable[[str], Awaitable[str | None]] | None = None


# service id -> (module in screens/, screen class, keyword arguments)
SERVICE_SCREENS: dict[str, tuple[str, str, dict]] = {
    "card": ("card", "CardScreen", {}),
    "utilities": ("bills", "BillsScreen", {"preset": "utilities"}),
    "public_pay": ("bills", "BillsScreen", {"preset": "public_pay"}),
    "insurance_pay": ("bills", "BillsScreen", {"preset": "insurance_pay"}),
    "payments": ("payments", "PaymentsScreen", {}),
    "booking": ("booking", "BookingScreen", {}),
    "appointments": ("appointments", "AppointmentsScreen", {}),
    "messages": ("messages", "MessagesScreen", {}),
}

SESSION_ENDED_CODES = frozenset({
    "SESSION_ENDED", "SESSION_REVOKED", "REFRESH_TOKEN_REUSED", "TOKEN_INVALID", "AUTH_REQUIRED",
})


class ZhelibanApp(App[None]):
    CSS_PATH = "styles/app.tcss"
    TITLE = "浙里办"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("f1", "help", "key.help", id="help"),
        Binding("question_mark", "help", "key.help", show=False),
        # priority: a modal dialog (the PIN dialog ...) cuts the app's other bindings off
        Binding("f2", "toggle_language", "key.language", id="language", priority=True),
        Binding("ctrl+q", "quit", "key.quit", id="quit", priority=True),
        Binding("ctrl+p", "command_palette", "key.palette", show=False, priority=True),
    ]

    def __init__(
        self,
        api: "ApiClient",
        credentials: "CredentialStore",
        *,
        language: str = i18n.DEFAULT_LANGUAGE,
        theme: str = "light",
        remember: bool = False,
        demo: DemoHooks | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        animate_countdowns: bool = True,
    ) -> None:
        super().__init__()
        i18n.set_language(language)
        self.api = api
        self.credentials = credentials
        self.remember = remember
        self.demo = demo
        self.monotonic = monotonic
        self.animate_countdowns = animate_countdowns
        self.me = None
        self._theme_choice = theme if theme in THEMES else "light"
        self._keeper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="credentials")
        credentials.remember = remember
        api.on_tokens = self._tokens_changed

    # ---- start -------------------------------------------------------------------------------
    def on_mount(self) -> None:
        self._ui_loop = asyncio.get_running_loop()
        for theme in THEMES.values():
            self.register_theme(theme)
        self.apply_theme(self._theme_choice)
        self.show_login()
        self.load_kept_session()

    @work(thread=True, exclusive=True, group="session-load", exit_on_error=False)
    def load_kept_session(self) -> None:
        """Look for a kept session off the UI thread (a keyring can take a while to answer)."""
        stored = self.credentials.load()
        self.call_from_thread(self._report_store_warnings)
        if stored is not None:
            self.call_from_thread(self._resume_kept, stored)

    def _resume_kept(self, stored) -> None:
        from .screens.splash import SplashScreen

        if self.me is None:
            self.push_screen(SplashScreen())
            self.resume(stored)

    @work(exclusive=True, group="session", exit_on_error=False)
    async def resume(self, stored) -> None:
        """Resume silently with the kept refresh token; back to login if it no longer works."""
        from .api import BAD_RESPONSE, SERVER_ERROR, ApiError
        from .screens.splash import SplashScreen

        try:
            if not self.api.logged_in:  # a retry after `me` failed goes on with the session refreshed already
                await self.api.refresh(stored.refresh_token)
            me = await self.api.me()
        except ApiError as err:
            transient = err.is_network or err.code in (SERVER_ERROR, BAD_RESPONSE) or (err.status or 0) >= 500
            if transient and isinstance(self.screen, SplashScreen):  # the session may well be fine: retry
                self.screen.show_failure(err, lambda: self.resume(stored))
                return
            self._keep(self.credentials.clear)
            self.show_login(t("login.session_ended"))
            return
        self.logged_in(me)

    # ---- session -----------------------------------------------------------------------------
    def _keep(self, job: Callable[[], object]) -> None:
        """Run a credential-store job off the UI thread, in order, then report its warnings once."""
        def run() -> None:
            try:
                job()
            except Exception as exc:  # a broken keyring must not end the app
                log.warning("credential store: %s", type(exc).__name__)
            try:
                self._ui_loop.call_soon_threadsafe(self._report_store_warnings)
            except RuntimeError:
                pass  # the app has ended meanwhile
        self._keeper.submit(run)

    def _report_store_warnings(self) -> None:
        for warning in self.credentials.take_warnings():
            if warning.code in ("NO_KEYRING", "KEYRING_FAILED"):
                key = "login.keyring_file" if self.credentials.where == "file" else "login.keyring_missing"
                self.notify(t(key), severity="warning", timeout=8)
            else:
                self.notify(warning.message, severity="warning", timeout=8)

    def _tokens_changed(self, tokens: "Tokens | None") -> None:
        from .credentials import StoredSession

        if tokens is None:
            self._keep(self.credentials.clear)
            return
        session = StoredSession(server=self.credentials.server, sandbox=self.credentials.sandbox,
                                citizen_id=tokens.citizen_id, refresh_token=tokens.refresh_token)
        self._keep(lambda: self.credentials.save(session))

    def logged_in(self, me) -> None:
        from .screens.home import HomeScreen

        self.me = me
        self.clear_notifications()  # the login's toasts (an SMS code among them) end with the login
        self._reset_to(HomeScreen())

    def show_login(self, message: str | None = None) -> None:
        from .screens.login import LoginScreen

        self.me = None
        self._reset_to(LoginScreen(message=message))

    def _reset_to(self, screen: Screen) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if len(self.screen_stack) > 1:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def handle_session_error(self, err: "ApiError") -> bool:
        if err.code in SESSION_ENDED_CODES:
            self._keep(self.credentials.clear)
            self.show_login(t("login.session_ended"))
            return True
        return False

    @work(exclusive=True, group="session", exit_on_error=False)
    async def logout(self) -> None:
        from .api import ApiError

        try:
            await self.api.logout()
        except ApiError:
            pass  # the session is forgotten here whatever the server answers
        self._keep(self.credentials.clear)
        self.show_login(t("login.logged_out"))

    # ---- services ----------------------------------------------------------------------------
    def open_service(self, service_id: str) -> None:
        """Open a service of the home grid or the palette (its screen is imported when first opened)."""
        service = SERVICE_BY_ID[service_id]
        if self.me is None:
            return
        target = SERVICE_SCREENS.get(service_id)
        if target is None:
            self.notify(t("common.coming_soon", service=t(service.title_key)))
            return
        module_name, class_name, options = target
        module = importlib.import_module(f".screens.{module_name}", __package__)
        self.push_screen(getattr(module, class_name)(**options))

    # ---- actions -----------------------------------------------------------------------------
    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    async def action_toggle_language(self) -> None:
        await self.set_language("en" if i18n.language() == "zh" else "zh")

    async def set_language(self, lang: str) -> None:
        i18n.set_language(lang)
        for screen in list(self.screen_stack)[1:]:
            await recompose_keeping_input(screen)
        self.refresh_bindings()

    @property
    def theme_choice(self) -> str:
        return self._theme_choice

    def apply_theme(self, name: str) -> None:
        self._theme_choice = name
        self.theme = THEMES[name].name
        self.set_class(name == "elder", "-elder")
        for screen in list(self.screen_stack)[1:]:
            if hasattr(screen, "theme_changed"):
                screen.theme_changed()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        if self.me is not None:
            for service in SERVICES:
                yield SystemCommand(t("palette.open", service=t(service.title_key)), t(service.help_key),
                                    lambda sid=service.id: self.open_service(sid))
        yield SystemCommand(t("palette.language"), t("palette.language.help"), self.action_toggle_language)
        for name in THEMES:
            yield SystemCommand(t(f"palette.theme_{name}"), t("palette.theme.help"),
                                lambda n=name: self.apply_theme(n))
        yield SystemCommand(t("palette.help"), t("palette.help.help"), self.action_help)
        if self.me is not None:
            yield SystemCommand(t("palette.logout"), t("palette.logout.help"), self.logout)
        yield from (cmd for cmd in super().get_system_commands(screen)
                    if cmd.title in ("Quit", "Keys", "Screenshot"))

    async def on_unmount(self) -> None:
        # Let a pending save or clear finish, without blocking the loop it reports to.
        await asyncio.get_running_loop().run_in_executor(None, self._keeper.shutdown, True)

    # ---- failures that no screen caught ------------------------------------------------------
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.worker_failed(event)

    def worker_failed(self, event: Worker.StateChanged) -> None:
        """A worker ended with an exception nobody caught: say so in words, keep the app usable."""
        if event.state != WorkerState.ERROR:
            return
        from .api import ApiError

        err = event.worker.error
        if isinstance(err, ApiError):
            if self.handle_session_error(err):
                return
            from .screens.base import error_message

            self.notify(error_message(err), severity="error")
            return
        log.error("worker %s failed: %s", event.worker.name, type(err).__name__)
        self.notify(t("error.UNKNOWN", code=type(err).__name__), severity="error", timeout=8)


async def recompose_keeping_input(screen: Screen) -> None:
    """Rebuild a screen in the current language, keeping what was typed and where the focus was."""
    values = {w.id: w.value for w in screen.query(Input) if w.id}
    focused = screen.focused.id if screen.focused is not None else None
    await screen.recompose()
    for widget in screen.query(Input):
        if widget.id in values:
            widget.value = values[widget.id]
    if hasattr(screen, "after_recompose"):
        screen.after_recompose()
    if focused:
        try:
            widget = screen.query_one(f"#{focused}")
        except Exception:  # the focused widget may not exist in the rebuilt screen
            return
        screen.set_focus(widget)
        if isinstance(widget, Input):
            widget.call_after_refresh(widget.action_end)  # go on typing where one stopped
