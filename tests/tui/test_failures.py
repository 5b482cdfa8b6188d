"""Never frozen, never a traceback: every way a call can fail ends in words on a screen that still works.

The app talks to the in-process backend through `FaultyTransport`, which can make chosen routes fail
the five ways a network and a server fail: the server down (a real refused TCP connection), no answer
in time, a 500 with and without a problem body, and JSON that cannot be read. Pilot re-raises any
exception of the app when `run_test` ends, so a test that finishes has had none; `watch_workers`
records every worker that ended in ERROR, which must never happen either.
"""
from __future__ import annotations

import json
import socket
from datetime import timedelta

import httpx
import pytest
from textual.geometry import Region
from textual.widgets import Button, Input, Static
from textual.worker import WorkerState

from tests.qr_reader import decode_text
from tests.tui.conftest import BASE, PASSWORD, SIZE, ZHANG_PHONE, log_in, screen_text
from tests.tui.conftest import wait_for as wait_briefly
from zheliban_tui.api import ApiClient, make_http_client
from zheliban_tui.credentials import CredentialStore, StoredSession
from zheliban_tui.screens.card import CardScreen
from zheliban_tui.screens.home import HomeScreen
from zheliban_tui.screens.login import LoginScreen
from zheliban_tui.screens.splash import SplashScreen
from zheliban_tui.widgets.error_banner import ErrorBanner
from zheliban_tui.widgets.qr_code import QrCode

API = "/api/v1"

# fault -> the words it must end in, (zh, en)
FAULTS: dict[str, tuple[str, str]] = {
    "down": ("无法连接服务器", "Cannot reach the server"),
    "timeout": ("服务器响应超时", "The server did not answer in time"),
    "500-problem": ("服务器暂时出错", "The server had a problem"),
    "500-bare": ("服务器暂时出错", "The server had a problem"),
    "malformed-json": ("服务器返回了无法识别的数据", "The server sent something unreadable"),
}
SESSION_ENDED_ZH = "登录已失效"


def expected(fault: str, language: str = "zh") -> str:
    zh, en = FAULTS[fault]
    return zh if language == "zh" else en


async def wait_for(pilot, condition, *, timeout: float = 15.0) -> None:
    """`tests.tui.conftest.wait_for` with room for a loaded machine (parallel workers, a busy CI box)."""
    await wait_briefly(pilot, condition, timeout=timeout)


class FaultyTransport(httpx.AsyncBaseTransport):
    """The in-process backend behind a switch. `fail(fault, *paths)` makes requests whose path
    contains one of `paths` (every request when none is given) fail; `recover()` ends it."""

    def __init__(self, backend) -> None:
        self.inner = httpx.ASGITransport(app=backend)
        self.fault: str | None = None
        self.paths: tuple[str, ...] = ()
        self.requests: list[tuple[str, str]] = []  # (method, path) of every request, failed or not
        self.failed: list[tuple[str, str]] = []
        # A port bound but never listening: connecting to it is refused by the kernel, as a stopped
        # server's port is, and no other process can take it while the test runs.
        self._closed = socket.socket()
        self._closed.bind(("127.0.0.1", 0))
        self.closed_port = self._closed.getsockname()[1]
        self._network = httpx.AsyncHTTPTransport()

    def fail(self, fault: str, *paths: str) -> None:
        assert fault in FAULTS
        self.fault, self.paths = fault, paths

    def recover(self) -> None:
        self.fault, self.paths = None, ()

    def count(self, method: str, path: str) -> int:
        return self.requests.count((method, API + path))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        where = (request.method, request.url.path)
        self.requests.append(where)
        fault = self.fault
        if fault is None or (self.paths and not any(p in request.url.path for p in self.paths)):
            return await self.inner.handle_async_request(request)
        self.failed.append(where)
        if fault == "down":  # a real connection attempt, refused
            url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self.closed_port)
            return await self._network.handle_async_request(httpx.Request(request.method, url))
        if fault == "timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        if fault == "500-problem":
            body = {"type": "about:blank", "title": "Internal Server Error", "status": 500,
                    "code": "INTERNAL_ERROR", "detail": "Something went wrong on the server"}
            return httpx.Response(500, headers={"content-type": "application/problem+json"},
                                  content=json.dumps(body).encode(), request=request)
        if fault == "500-bare":
            return httpx.Response(500, headers={"content-type": "text/plain"}, content=b"Internal Server Error",
                                  request=request)
        # malformed JSON: a 200 that says JSON and is not
        return httpx.Response(200, headers={"content-type": "application/json"}, content=b'{"items": [{"id": ',
                              request=request)

    async def aclose(self) -> None:
        await self._network.aclose()
        await self.inner.aclose()
        self._closed.close()


@pytest.fixture
def faulty(backend):
    return FaultyTransport(backend)


def watch_workers(app) -> list[tuple[str, str]]:
    """Record every worker of `app` that ends in ERROR (an exception no handler caught)."""
    failed: list[tuple[str, str]] = []
    handle = app.worker_failed

    def record(event) -> None:
        if event.state == WorkerState.ERROR:
            failed.append((event.worker.name, repr(event.worker.error)))
        handle(event)

    app.worker_failed = record
    return failed


def painted(widget) -> str:
    """What a widget paints, border and padding included, lines joined and runs of spaces collapsed."""
    strips = widget.render_lines(Region(0, 0, *widget.outer_size))
    return " ".join(" ".join(strip.text for strip in strips).split())


def text_of(app, selector: str) -> str:
    return painted(app.screen.query_one(selector, Static))


def banner_text(banner: ErrorBanner) -> str:
    return painted(banner.query_one(".error-text", Static))


def notified(app) -> str:
    return " ".join(str(n.message) for n in app._notifications)


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def press_retry(pilot, banner: ErrorBanner) -> None:
    """Click the banner's Retry once it can take a click (a button ignores clicks for 0.2 s after one)."""
    retry = banner.query_one(Button)
    await wait_for(pilot, lambda: banner.display and not retry.has_class("-active"))
    assert await pilot.click(retry)


async def open_card(pilot) -> CardScreen:
    await pilot.press("1")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, CardScreen))
    return pilot.app.screen


# ---- the login screen ------------------------------------------------------------------------------
@pytest.mark.parametrize("fault,language", [*((f, "zh") for f in FAULTS), ("down", "en"), ("malformed-json", "en")])
async def test_login_screen_says_what_failed_and_logs_in_once_the_server_is_back(
        make_app, faulty, admin, fault, language):
    app = make_app(transport=faulty, language=language)
    failed = watch_workers(app)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        screen = app.screen
        await pilot.press(*ZHANG_PHONE)
        get_code = screen.query_one("#get-code", Button)

        # Asking for a code fails: words, the number kept, the button usable again.
        faulty.fail(fault)
        await pilot.press("f5")
        await wait_for(pilot, lambda: expected(fault, language) in text_of(app, "#login-error"))
        await settle(pilot)
        assert app.screen is screen
        assert screen.query_one("#sms-phone", Input).value == ZHANG_PHONE
        assert not get_code.disabled
        assert faulty.failed == [("POST", API + "/auth/sms-codes")]

        # The server is back: the same key sends the code and the message goes away.
        faulty.recover()
        await pilot.press("f5")
        await wait_for(pilot, lambda: get_code.disabled and text_of(app, "#login-error") == "")
        sms = await admin.outbox("demo", phone=ZHANG_PHONE, limit=1)
        await pilot.press(*sms[0].code)

        # Logging in fails: words, the code kept (it was not refused), the login button usable again.
        faulty.fail(fault, "/auth/login")
        await pilot.press("enter")
        await wait_for(pilot, lambda: expected(fault, language) in text_of(app, "#login-error"))
        await settle(pilot)
        login = screen.query_one("#login", Button)
        assert not login.disabled and not screen.busy
        assert screen.query_one("#sms-code", Input).value == sms[0].code
        assert app.screen is screen

        faulty.recover()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        await settle(pilot)
    assert failed == []


async def test_typed_phone_survives_a_failed_get_code_and_a_language_switch(make_app, faulty):
    app = make_app(transport=faulty)
    failed = watch_workers(app)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        await pilot.press(*ZHANG_PHONE)
        faulty.fail("down")
        await pilot.press("f5")
        await wait_for(pilot, lambda: "无法连接服务器" in text_of(app, "#login-error"))
        await settle(pilot)

        await pilot.press("f2")
        await wait_for(pilot, lambda: "Get code" in str(app.screen.query_one("#get-code", Button).label))
        screen = app.screen
        assert screen.query_one("#sms-phone", Input).value == ZHANG_PHONE
        assert app.focused is screen.query_one("#sms-phone", Input)
        assert not screen.query_one("#get-code", Button).disabled
        assert "无法连接服务器" not in screen_text(app)  # no Chinese left behind on the English screen
        assert "Cannot reach the server" in text_of(app, "#login-error")  # the error, re-worded

        # Typing goes on where it stopped, and the code can be asked for again.
        faulty.recover()
        await pilot.press("f5")
        await wait_for(pilot, lambda: "Resend in" in str(screen.query_one("#get-code", Button).label))
        assert screen.query_one("#sms-phone", Input).value == ZHANG_PHONE
        await settle(pilot)
    assert failed == []


# ---- the home screen -------------------------------------------------------------------------------
@pytest.mark.parametrize("fault", ["down", "timeout", "500-bare", "malformed-json"])
async def test_home_screen_says_when_it_cannot_update_and_stays_usable(make_app, faulty, fault):
    app = make_app(transport=faulty)
    failed = watch_workers(app)
    async with app.run_test(size=SIZE, notifications=True) as pilot:  # toasts drawn, as in a terminal
        await log_in(pilot)
        await settle(pilot)
        home = app.screen

        # The server goes away while the card screen is open; back on the home screen, its update fails.
        faulty.fail(fault)
        screen = await open_card(pilot)
        await wait_for(pilot, lambda: screen.query_one("#card-error", ErrorBanner).display)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is home)
        await settle(pilot)
        assert ("GET", API + "/messages/unread-count") in faulty.failed
        await wait_for(pilot, lambda: expected(fault) in notified(app))
        await wait_for(pilot, lambda: expected(fault) in screen_text(app))
        assert "*伟" in text_of(app, "#greeting")

        # Still usable: the card opens and loads once the server is back.
        faulty.recover()
        screen = await open_card(pilot)
        await wait_for(pilot, lambda: screen.qr is not None)
        await settle(pilot)
    assert failed == []


async def test_logging_out_while_the_server_is_down_still_forgets_the_session(make_app, faulty):
    app = make_app(transport=faulty)
    failed = watch_workers(app)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        await settle(pilot)
        faulty.fail("down")
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        assert "已退出登录" in text_of(app, "#login-message")
        assert not app.api.logged_in and app.me is None
        await settle(pilot)
    assert failed == []


async def kept_session(memory_keyring, tmp_path, backend) -> StoredSession:
    """Log in aside (as an earlier run did) and keep the refresh token where the app will look."""
    http = make_http_client(BASE, transport=httpx.ASGITransport(app=backend))
    try:
        api = ApiClient(http)
        tokens = await api.login_password(ZHANG_PHONE, PASSWORD)
    finally:
        await http.aclose()
    store = CredentialStore(BASE, keyring_backend=memory_keyring, state_dir=tmp_path / "state", env={})
    session = StoredSession(server=store.server, sandbox=None, citizen_id=tokens.citizen_id,
                            refresh_token=tokens.refresh_token)
    store.save(session)
    return session


@pytest.mark.parametrize("fault", ["down", "timeout"])
async def test_a_kept_session_waits_with_retry_while_the_server_is_down(
        make_app, faulty, memory_keyring, tmp_path, backend, fault):
    await kept_session(memory_keyring, tmp_path, backend)
    app = make_app(transport=faulty)
    failed = watch_workers(app)
    faulty.fail(fault)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SplashScreen))
        banner = app.screen.query_one("#splash-error", ErrorBanner)
        await wait_for(pilot, lambda: banner.display and expected(fault) in banner_text(banner))
        assert "重试" in str(banner.query_one(Button).label)
        faulty.recover()
        await press_retry(pilot, banner)
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen) and bool(app.screen.query("#greeting")))
        assert "*伟" in text_of(app, "#greeting")
        await settle(pilot)
    assert failed == []


async def test_retrying_a_resume_that_failed_after_the_refresh_does_not_spend_the_session(
        make_app, faulty, memory_keyring, tmp_path, backend):
    """The refresh succeeded (the kept token is spent, a new one is in hand) and then `me` failed:
    Retry must go on with the new token, not present the spent one (which revokes the session)."""
    await kept_session(memory_keyring, tmp_path, backend)
    app = make_app(transport=faulty)
    failed = watch_workers(app)
    faulty.fail("down", "/me")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SplashScreen))
        banner = app.screen.query_one("#splash-error", ErrorBanner)
        await wait_for(pilot, lambda: banner.display and "无法连接服务器" in banner_text(banner))
        assert faulty.count("POST", "/auth/refresh") == 1
        faulty.recover()
        await press_retry(pilot, banner)
        await wait_for(pilot, lambda: not isinstance(app.screen, SplashScreen))
        assert isinstance(app.screen, HomeScreen), text_of(app, "#login-message")
        await settle(pilot)
    assert failed == []


@pytest.mark.parametrize("fault", ["500-problem", "malformed-json"])
async def test_a_server_failure_at_start_keeps_the_session_and_offers_retry(
        make_app, faulty, memory_keyring, tmp_path, backend, fault):
    """A 5xx or an unreadable answer says nothing about the session: it is not thrown away."""
    await kept_session(memory_keyring, tmp_path, backend)
    app = make_app(transport=faulty)
    failed = watch_workers(app)
    faulty.fail(fault, "/auth/refresh")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SplashScreen))
        banner = app.screen.query_one("#splash-error", ErrorBanner)
        await wait_for(pilot, lambda: banner.display and expected(fault) in banner_text(banner))
        faulty.recover()
        await press_retry(pilot, banner)
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen) and bool(app.screen.query("#greeting")))
        await settle(pilot)
    assert failed == []


# ---- the card screen -------------------------------------------------------------------------------
@pytest.mark.parametrize("fault,language", [*((f, "zh") for f in FAULTS), ("down", "en"), ("timeout", "en")])
async def test_card_screen_shows_the_failure_with_retry_and_loads_after_recovery(
        make_app, faulty, fault, language):
    app = make_app(transport=faulty, language=language)
    failed = watch_workers(app)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        await settle(pilot)
        faulty.fail(fault)
        screen = await open_card(pilot)
        banner = screen.query_one("#card-error", ErrorBanner)
        await wait_for(pilot, lambda: banner.display and expected(fault, language) in banner_text(banner))
        await settle(pilot)
        assert not screen.query_one("#card-page").loading  # not spinning for ever
        assert expected(fault, language) in screen_text(app)
        retry = banner.query_one(Button)
        assert str(retry.label) == ("重试" if language == "zh" else "Retry")

        # Retry while the server is still down: a new attempt, the same words again, nothing else.
        attempts = len(faulty.failed)
        await press_retry(pilot, banner)
        await wait_for(pilot, lambda: len(faulty.failed) > attempts and banner.display
                       and expected(fault, language) in banner_text(banner))
        await settle(pilot)

        faulty.recover()
        await press_retry(pilot, banner)
        await wait_for(pilot, lambda: screen.qr is not None)
        await pilot.pause()
        assert not banner.display
        assert decode_text(screen.query_one("#qr", QrCode).lines) == screen.qr.payload
        assert "*伟" in text_of(app, "#card-face")
        await settle(pilot)
    assert failed == []


@pytest.mark.parametrize("fault", ["down", "500-problem", "malformed-json"])
async def test_a_failed_code_leaves_the_card_shown_and_retry_issues_one(make_app, faulty, fault):
    app = make_app(transport=faulty)
    failed = watch_workers(app)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        await settle(pilot)
        faulty.fail(fault, "/qr")
        screen = await open_card(pilot)
        banner = screen.query_one("#card-error", ErrorBanner)
        await wait_for(pilot, lambda: banner.display and expected(fault) in banner_text(banner))
        await wait_for(pilot, lambda: screen.insurance is not None)
        assert "*伟" in text_of(app, "#card-face")
        assert screen.qr is None

        attempts = len(faulty.failed)
        await pilot.press("r")  # the refresh key fails the same way, in the same place
        await wait_for(pilot, lambda: len(faulty.failed) > attempts)
        await settle(pilot)
        assert banner.display and expected(fault) in banner_text(banner)

        faulty.recover()
        await press_retry(pilot, banner)
        await wait_for(pilot, lambda: screen.qr is not None)
        await pilot.pause()
        assert not banner.display
        assert decode_text(screen.query_one("#qr", QrCode).lines) == screen.qr.payload
        await settle(pilot)
    assert failed == []


async def test_insurance_failure_is_said_in_its_panel(make_app, faulty):
    app = make_app(transport=faulty)
    failed = watch_workers(app)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        await settle(pilot)
        faulty.fail("timeout", "/insurance")
        screen = await open_card(pilot)
        await wait_for(pilot, lambda: "服务器响应超时" in text_of(app, "#insurance"))
        await wait_for(pilot, lambda: screen.qr is not None)
        await settle(pilot)
    assert failed == []


# ---- an access token that expires, a session that ends -----------------------------------------------
async def test_an_expired_access_token_is_refreshed_once_and_the_card_screen_goes_on(make_app, faulty, admin):
    app = make_app(transport=faulty)
    failed = watch_workers(app)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        screen = await open_card(pilot)
        await wait_for(pilot, lambda: screen.qr is not None and screen.insurance is not None)
        await settle(pilot)
        first = screen.qr
        before = app.api.tokens
        assert faulty.count("POST", "/auth/refresh") == 0

        await admin.advance_clock("demo", timedelta(minutes=31).total_seconds())
        # Switching cards sends two requests at once with the expired token: one refresh serves both.
        await pilot.press("s")
        await wait_for(pilot, lambda: screen.qr is not None and screen.qr.card_id != first.card_id)
        await wait_for(pilot, lambda: screen.insurance is not None)
        await settle(pilot)
        assert faulty.count("POST", "/auth/refresh") == 1
        assert app.api.tokens.access_token != before.access_token
        assert isinstance(app.screen, CardScreen)
        assert not screen.query_one("#card-error", ErrorBanner).display
        payload = decode_text(screen.query_one("#qr", QrCode).lines)
        assert payload == screen.qr.payload
        assert (await app.api.verify_qr(payload)).holder.name == "*婷"

        await pilot.press("r")  # the fresh token just works
        await wait_for(pilot, lambda: screen.qr is not None and screen.qr.payload != payload)
        await settle(pilot)
        assert faulty.count("POST", "/auth/refresh") == 1
    assert failed == []


async def test_a_refresh_refused_because_its_token_was_used_elsewhere_returns_to_login(
        make_app, faulty, admin, backend):
    app = make_app(transport=faulty)
    failed = watch_workers(app)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        screen = await open_card(pilot)
        await wait_for(pilot, lambda: screen.qr is not None)
        await settle(pilot)

        # Someone else presents this session's refresh token first: the app's copy is spent.
        http = make_http_client(BASE, transport=httpx.ASGITransport(app=backend))
        try:
            await ApiClient(http).refresh(app.api.tokens.refresh_token)
        finally:
            await http.aclose()

        await admin.advance_clock("demo", timedelta(minutes=31).total_seconds())
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        assert SESSION_ENDED_ZH in text_of(app, "#login-message")
        assert faulty.count("POST", "/auth/refresh") == 1
        assert not app.api.logged_in and app.me is None
        await settle(pilot)
        assert app.credentials.load() is None
    assert failed == []


async def test_a_session_logged_out_elsewhere_returns_to_login(make_app, faulty, backend):
    app = make_app(transport=faulty, language="en")
    failed = watch_workers(app)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        screen = await open_card(pilot)
        await wait_for(pilot, lambda: screen.qr is not None)
        await settle(pilot)

        http = make_http_client(BASE, transport=httpx.ASGITransport(app=backend))
        try:
            other = ApiClient(http, tokens=app.api.tokens)
            assert await other.logout()
        finally:
            await http.aclose()

        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        assert "Your session has ended" in text_of(app, "#login-message")
        await settle(pilot)
    assert failed == []
