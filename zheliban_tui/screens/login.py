"""Log in with an SMS code or a password; the phone number is checked as it is typed."""
from __future__ import annotations

import math
from typing import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TabbedContent, TabPane

from ..i18n import t
from ..validation import (CODE_LENGTH, PHONE_LENGTH, Check, check_account, check_code, check_password,
                          check_phone, normalize_phone)
from ..widgets.brand_bar import BrandBar
from ..widgets.localized_footer import LocalizedFooter
from .base import AppScreen, error_message

TAB_SMS = "tab-sms"
TAB_PASSWORD = "tab-password"


class LoginScreen(AppScreen):
    BINDINGS = [
        Binding("f5", "get_code", "login.get_code", id="get-code"),
        Binding("ctrl+l", "submit", "login.submit", id="submit"),
    ]

    def __init__(self, message: str | None = None) -> None:
        super().__init__()
        self.message = message
        self.active_tab = TAB_SMS
        self.resend_deadline: float | None = None
        self.busy = False
        self.error: Callable[[], str] | None = None  # the error shown, re-worded after a language switch

    # ---- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield BrandBar(demo=self.zapp.demo is not None)
        with VerticalScroll(id="login-page"):
            with Vertical(id="login-panel", classes="panel"):
                yield Static(t("login.title"), id="login-title", classes="panel-title")
                if self.message:
                    yield Static(self.message, id="login-message", classes="notice")
                if self.zapp.demo is not None and self.zapp.demo.accounts:
                    yield Select(
                        [(a.label, i) for i, a in enumerate(self.zapp.demo.accounts)],
                        prompt=t("login.demo_pick"), id="demo-accounts",
                    )
                with TabbedContent(initial=self.active_tab, id="login-tabs"):
                    with TabPane(t("login.tab_sms"), id=TAB_SMS):
                        yield Label(t("login.phone"), classes="field-label")
                        yield Input(placeholder=t("login.phone_placeholder"), id="sms-phone",
                                    max_length=PHONE_LENGTH + 4, restrict=r"[0-9+\- ]*")
                        yield Static("", id="phone-hint", classes="hint")
                        yield Label(t("login.code"), classes="field-label")
                        with Horizontal(classes="code-row"):
                            yield Input(placeholder=t("login.code_placeholder"), id="sms-code",
                                        max_length=CODE_LENGTH, restrict=r"[0-9]*")
                            yield Button(self._code_button_label(), id="get-code", disabled=True)
                    with TabPane(t("login.tab_password"), id=TAB_PASSWORD):
                        yield Label(t("login.account"), classes="field-label")
                        yield Input(placeholder=t("login.account_placeholder"), id="account", max_length=32)
                        yield Label(t("login.password"), classes="field-label")
                        yield Input(placeholder=t("login.password_placeholder"), id="password",
                                    password=True, max_length=64)
                if self.zapp.demo is None:
                    yield Checkbox(t("login.remember"), value=self.zapp.remember, id="remember")
                yield Button(t("login.logging_in") if self.busy else t("login.submit"), id="login",
                             variant="primary", disabled=self.busy)
                yield Static(self.error() if self.error else "", id="login-error", classes="error-text")
        yield LocalizedFooter()

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick)
        self.after_recompose()
        self.query_one("#sms-phone", Input).focus()

    def after_recompose(self) -> None:
        self._show_phone_check()
        self._update_code_button()

    # ---- the phone number, checked as typed ----------------------------------------------------
    @on(Input.Changed, "#sms-phone")
    def _phone_changed(self) -> None:
        self._show_phone_check()
        self._update_code_button()

    def _show_phone_check(self) -> None:
        check = check_phone(self.query_one("#sms-phone", Input).value)
        hint = self.query_one("#phone-hint", Static)
        hint.update(t(check.message_key, **check.values) if check.message_key else "")
        hint.set_class(check.ok, "-ok")
        hint.set_class(not check.ok and check.message_key is not None, "-bad")

    def _seconds_to_resend(self) -> int:
        if self.resend_deadline is None:
            return 0
        return max(0, math.ceil(self.resend_deadline - self.zapp.monotonic()))

    def _code_button_label(self) -> str:
        left = self._seconds_to_resend()
        return t("login.resend_in", seconds=left) if left else t("login.get_code")

    def _update_code_button(self) -> None:
        button = self.query_one("#get-code", Button)
        button.label = self._code_button_label()
        phone_ok = check_phone(self.query_one("#sms-phone", Input).value).ok
        button.disabled = self.busy or not phone_ok or self._seconds_to_resend() > 0

    def _tick(self) -> None:
        if self.resend_deadline is not None:
            self._update_code_button()
            if self._seconds_to_resend() == 0:
                self.resend_deadline = None

    # ---- demo accounts -----------------------------------------------------------------------
    @on(Select.Changed, "#demo-accounts")
    def _demo_account_picked(self, event: Select.Changed) -> None:
        if not isinstance(event.value, int):
            return
        account = self.zapp.demo.accounts[event.value]
        self.query_one("#sms-phone", Input).value = account.phone
        self.query_one("#account", Input).value = account.phone
        self.query_one("#password", Input).value = account.password
        focus_id = "#sms-code" if self.active_tab == TAB_SMS else "#login"
        self.query_one(focus_id).focus()

    # ---- events ------------------------------------------------------------------------------
    @on(TabbedContent.TabActivated, "#login-tabs")
    def _tab_changed(self, event: TabbedContent.TabActivated) -> None:
        tab = event.pane.id or TAB_SMS
        if tab != self.active_tab:  # a rebuild (language switch) re-activates the same tab: keep the error
            self.active_tab = tab
            self._set_error("")

    @on(Checkbox.Changed, "#remember")
    def _remember_changed(self, event: Checkbox.Changed) -> None:
        self.zapp.remember = event.value
        self.zapp.credentials.remember = event.value

    @on(Button.Pressed, "#get-code")
    def _get_code_pressed(self) -> None:
        self.action_get_code()

    @on(Button.Pressed, "#login")
    def _login_pressed(self) -> None:
        self.action_submit()

    @on(Input.Submitted, "#sms-phone")
    def _phone_submitted(self) -> None:
        self.query_one("#sms-code", Input).focus()

    @on(Input.Submitted, "#account")
    def _account_submitted(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#sms-code, #password")
    def _secret_submitted(self) -> None:
        self.action_submit()

    # ---- actions -----------------------------------------------------------------------------
    def action_get_code(self) -> None:
        phone_input = self.query_one("#sms-phone", Input)
        check = check_phone(phone_input.value)
        if not check.ok:
            self._set_error(lambda: t(check.message_key or "validate.phone_digits", **check.values))
            phone_input.focus()
            return
        if self._seconds_to_resend() > 0:
            return
        self.send_code(normalize_phone(phone_input.value))

    def action_submit(self) -> None:
        if self.busy:
            return
        if self.active_tab == TAB_SMS:
            phone = self.query_one("#sms-phone", Input).value
            code = self.query_one("#sms-code", Input).value
            if not self._ok(check_phone(phone), "#sms-phone", "validate.phone_digits"):
                return
            if not self._ok(check_code(code), "#sms-code", "validate.code_format"):
                return
            self.log_in(("sms", normalize_phone(phone), code.strip()))
        else:
            account = self.query_one("#account", Input).value
            password = self.query_one("#password", Input).value
            if not self._ok(check_account(account), "#account", "validate.account_format"):
                return
            if not self._ok(check_password(password), "#password", "validate.password_empty"):
                return
            self.log_in(("password", account.strip(), password))

    def _ok(self, check: Check, selector: str, fallback_key: str) -> bool:
        if check.ok:
            return True
        self._set_error(lambda: t(check.message_key or fallback_key, **check.values))
        self.query_one(selector, Input).focus()
        return False

    def _set_error(self, words: Callable[[], str] | str) -> None:
        """Show an error; given as a function of the language, it is re-worded when F2 switches it."""
        self.error = (lambda: words) if isinstance(words, str) else words
        text = self.error()
        self.query_one("#login-error", Static).update(text)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        button = self.query_one("#login", Button)
        button.label = t("login.logging_in") if busy else t("login.submit")
        button.disabled = busy
        self._update_code_button()

    # ---- network -----------------------------------------------------------------------------
    @work(exclusive=True, group="sms-code", exit_on_error=False)
    async def send_code(self, phone: str) -> None:
        from ..api import ApiError

        self._set_error("")
        button = self.query_one("#get-code", Button)
        button.disabled = True
        try:
            sent = await self.zapp.api.send_sms_code(phone)
        except ApiError as err:
            retry_after = (err.extra or {}).get("retry_after")
            if err.code == "OTP_RESEND_TOO_SOON" and isinstance(retry_after, int):
                self.resend_deadline = self.zapp.monotonic() + retry_after
            self._set_error(lambda err=err: error_message(err))
            self._update_code_button()
            return
        self.resend_deadline = self.zapp.monotonic() + sent.resend_after
        self._update_code_button()
        minutes = max(1, sent.expires_in // 60)
        self.notify(t("login.code_sent", phone=sent.phone, minutes=minutes))
        self.query_one("#sms-code", Input).focus()
        demo = self.zapp.demo
        if demo is not None and demo.read_sms is not None:
            code = await demo.read_sms(phone)
            if code:
                self.notify(t("login.sms_toast", code=code, minutes=minutes),
                            title=t("login.sms_toast_title"), timeout=20)

    @work(exclusive=True, group="login", exit_on_error=False)
    async def log_in(self, how: tuple[str, str, str]) -> None:
        from ..api import ApiError

        kind, account, secret = how
        self._set_error("")
        self._set_busy(True)
        try:
            if kind == "sms":
                await self.zapp.api.login_sms(account, secret)
            else:
                await self.zapp.api.login_password(account, secret)
            me = await self.zapp.api.me()
        except ApiError as err:
            self._set_busy(False)
            self._set_error(lambda err=err: error_message(err))
            if kind == "sms":
                code_input = self.query_one("#sms-code", Input)
                if err.code.startswith("OTP_"):
                    code_input.value = ""  # a wrong or spent code is typed again, not edited
                code_input.focus()
            else:
                self.query_one("#password", Input).focus()
            return
        self.notify(t("login.welcome", name=me.name))
        self.zapp.logged_in(me)
