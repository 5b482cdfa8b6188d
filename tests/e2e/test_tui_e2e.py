"""The TUI against a real `zheliban-mock` process over a loopback socket.

Each test has its own sandbox (created here, deleted after), so parallel workers never share state.
The app runs under Textual's Pilot with the same `ApiClient` and `httpx.AsyncClient` it has in a
terminal: no ASGI transport, every call crosses a TCP socket.
"""
from __future__ import annotations


import pytest
from textual.widgets import Button, Input, Static

from tests.e2e.conftest import Sandbox
from tests.qr_reader import decode_screen_text, decode_text
from tests.tui.conftest import (
    PASSWORD,
    SIZE,
    ZHANG_PHONE,
    MemoryKeyring,
    screen_text,
    widget_text,
)
from tests.tui.conftest import wait_for as wait_briefly
from zheliban_tui.api import ApiClient, ApiError, make_http_client
from zheliban_tui.app import ZhelibanApp
from zheliban_tui.credentials import CredentialStore
from zheliban_tui.screens.card import CLOCK_SYNC_SECONDS, CardScreen
from zheliban_tui.screens.home import HomeScreen
from zheliban_tui.screens.login import LoginScreen
from zheliban_tui.screens.splash import SplashScreen
from zheliban_tui.widgets.qr_code import QrCode

pytestmark = pytest.mark.e2e

QR_TTL_S = 60
# A new code shows up within one clock sync after the backend's clock moved (plus room for a busy machine).
NEW_CODE_WAIT_S = CLOCK_SYNC_SECONDS + 15



async def wait_for(pilot, condition, *, timeout: float = 15.0) -> None:
    """`tests.tui.conftest.wait_for` with room for a loaded machine (parallel workers, a busy CI box)."""
    await wait_briefly(pilot, condition, timeout=timeout)



@pytest.fixture
async def make_app(live_server, sandbox):
    """make_app(credentials=None) -> a ZhelibanApp whose ApiClient talks to the live server over TCP."""
    clients = []

    def make(credentials: CredentialStore | None = None, *, language: str = "zh") -> ZhelibanApp:
        http = make_http_client(live_server.url)  # a real socket: no transport given
        clients.append(http)
        store = credentials or CredentialStore.in_memory(live_server.url, sandbox.id)
        return ZhelibanApp(ApiClient(http, sandbox=sandbox.id), store, language=language)

    yield make
    for http in clients:
        await http.aclose()


@pytest.fixture
async def counter(live_server, sandbox):
    """A counter's client (no login) in the test's sandbox: it verifies the codes the screen shows."""
    http = make_http_client(live_server.url)
    yield ApiClient(http, sandbox=sandbox.id)
    await http.aclose()


async def on_home(pilot) -> None:
    """Wait for the home screen, composed and mounted (its greeting on screen)."""
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen) and bool(app.screen.query("#greeting")))
    await pilot.pause()


def shown(app, selector: str) -> str:
    return widget_text(app.screen.query_one(selector, Static))


def read_qr(app, screen: CardScreen) -> str:
    """The payload as a phone reads it: from the QR widget's characters and from the whole screen."""
    from_widget = decode_text(screen.query_one("#qr", QrCode).lines)
    from_screen = decode_screen_text(screen_text(app))
    assert from_widget is not None, "the QR widget's drawing does not decode"
    assert from_screen == from_widget, "the QR read off the whole screen differs from the widget's"
    return from_widget


def numeric_code_on_screen(app) -> str:
    return "".join(ch for ch in shown(app, "#numeric-code") if ch.isdigit())


async def sms_log_in(pilot, sandbox: Sandbox, phone: str = ZHANG_PHONE) -> None:
    """Log in the way a citizen does: phone, F5 for a code, the code from the SMS, Enter."""
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
    assert app.focused is not None and app.focused.id == "sms-phone"
    await pilot.press(*phone)
    button = app.screen.query_one("#get-code", Button)
    assert not button.disabled
    await pilot.press("f5")
    await wait_for(pilot, lambda: "秒后重发" in str(button.label))
    assert app.focused.id == "sms-code"
    sms = await sandbox.admin.outbox(sandbox.id, phone=phone, limit=1)
    assert sms and sms[0].code, "the backend sent no login code"
    await pilot.press(*sms[0].code, "enter")
    await on_home(pilot)


async def sms_log_in_en(pilot, sandbox: Sandbox, phone: str = ZHANG_PHONE) -> None:
    """The same in English, with the mouse: a click on the get-code button."""
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
    await pilot.press(*phone)
    await pilot.click("#get-code")
    code_input = app.screen.query_one("#sms-code", Input)
    await wait_for(pilot, lambda: app.focused is code_input)
    sms = await sandbox.admin.outbox(sandbox.id, phone=phone, limit=1)
    await pilot.press(*sms[0].code, "enter")
    await on_home(pilot)


async def test_sms_login_card_qr_and_a_new_code_when_the_server_clock_moves(make_app, sandbox, counter):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sms_log_in(pilot, sandbox)
        assert "*伟" in shown(app, "#greeting")

        await pilot.press("1")
        await wait_for(pilot, lambda: isinstance(app.screen, CardScreen))
        screen = app.screen
        await wait_for(pilot, lambda: screen.qr is not None)
        assert "*伟" in shown(app, "#card-face")

        # The first code: read off the screen, accepted once at a counter.
        first = screen.qr
        assert read_qr(app, screen) == first.payload
        verified = await counter.verify_qr(first.payload, counter="浙大一院 1号窗口")
        assert verified.valid and verified.qr_id == first.qr_id
        assert verified.holder.name == "*伟"

        # The backend's clock moves past the code's minute: a new code appears, nothing pressed.
        await sandbox.admin.advance_clock(sandbox.id, QR_TTL_S + 1)
        await wait_for(pilot, lambda: screen.qr is not None and screen.qr.qr_id != first.qr_id,
                       timeout=NEW_CODE_WAIT_S)
        second = screen.qr
        await wait_for(pilot, lambda: decode_text(screen.query_one("#qr", QrCode).lines) == second.payload)
        payload = read_qr(app, screen)
        assert payload == second.payload != first.payload
        verified = await counter.verify_qr(payload)
        assert verified.qr_id == second.qr_id and verified.holder.name == "*伟"
        # The old code was used at the counter: refused as used (the server checks use before expiry).
        with pytest.raises(ApiError) as refused:
            await counter.verify_qr(first.payload)
        assert refused.value.code == "QR_USED"

        # Once more, this time through the numeric code printed under the QR.
        await sandbox.admin.advance_clock(sandbox.id, QR_TTL_S + 1)
        await wait_for(pilot, lambda: screen.qr is not None and screen.qr.qr_id != second.qr_id,
                       timeout=NEW_CODE_WAIT_S)
        third = screen.qr
        await wait_for(pilot, lambda: numeric_code_on_screen(app) == third.numeric_code)
        assert read_qr(app, screen) == third.payload
        verified = await counter.verify_qr(numeric_code_on_screen(app))
        assert verified.qr_id == third.qr_id and verified.holder.name == "*伟"
        with pytest.raises(ApiError) as refused:
            await counter.verify_qr(third.payload)  # the payload and its numeric code are one code
        assert refused.value.code == "QR_USED"
        assert isinstance(app.screen, CardScreen)
        assert not screen.query_one("#card-error").display


async def test_a_code_left_unscanned_is_refused_as_expired_once_a_new_one_replaced_it(make_app, sandbox, counter):
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        await sms_log_in_en(pilot, sandbox)
        await pilot.press("1")
        await wait_for(pilot, lambda: isinstance(app.screen, CardScreen))
        screen = app.screen
        await wait_for(pilot, lambda: screen.qr is not None)
        first = screen.qr
        assert read_qr(app, screen) == first.payload
        await sandbox.admin.advance_clock(sandbox.id, QR_TTL_S + 1)
        await wait_for(pilot, lambda: screen.qr is not None and screen.qr.qr_id != first.qr_id,
                       timeout=NEW_CODE_WAIT_S)
        with pytest.raises(ApiError) as refused:
            await counter.verify_qr(first.payload)
        assert refused.value.code == "QR_EXPIRED"
        await wait_for(pilot, lambda: decode_text(screen.query_one("#qr", QrCode).lines) == screen.qr.payload)
        verified = await counter.verify_qr(read_qr(app, screen))
        assert verified.holder.name == "*伟"
        assert "Refreshes in" in shown(app, "#qr-countdown")


async def test_a_kept_session_resumes_at_the_next_start_and_logging_out_forgets_it(
        make_app, live_server, sandbox, tmp_path):
    keyring = MemoryKeyring()
    store = CredentialStore(live_server.url, sandbox.id, keyring_backend=keyring,
                            state_dir=tmp_path / "state", env={})

    # First start: log in (through the API), then close the app.
    first = make_app(store)
    async with first.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(first.screen, LoginScreen))
        await first.api.login_password(ZHANG_PHONE, PASSWORD)
        first.logged_in(await first.api.me())
        await on_home(pilot)
    kept = store.load()
    assert kept is not None and kept.citizen_id == first.me.id
    assert keyring.entries, "the refresh token was not kept in the keyring"

    # Second start, same store: straight to the home screen, no login screen in between.
    second = make_app(store)
    async with second.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(second.screen, (SplashScreen, HomeScreen)))
        await on_home(pilot)
        assert "*伟" in shown(second, "#greeting")
        # The refresh token rotated on resume, and the new one is what is kept now.
        await wait_for(pilot, lambda: (store.load() or kept).refresh_token != kept.refresh_token)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(second.screen, LoginScreen))
        assert "已退出登录" in shown(second, "#login-message")
        await second.workers.wait_for_complete()
    assert store.load() is None
    assert not keyring.entries

    # Third start: nothing kept, the login screen stays.
    third = make_app(store)
    async with third.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(third.screen, LoginScreen))
        await third.workers.wait_for_complete()
        await pilot.pause(0.3)
        assert isinstance(third.screen, LoginScreen)
        assert third.me is None and not third.api.logged_in
