"""The login screen: the phone checked as typed, SMS and password logins, every refusal in words."""
from __future__ import annotations

from textual.widgets import Button, Input, Static

from tests.tui.conftest import PASSWORD, SIZE, ZHANG_PHONE, wait_for, widget_text
from zheliban_tui.screens.home import HomeScreen
from zheliban_tui.screens.login import LoginScreen


def text_of(app, selector: str) -> str:
    return widget_text(app.screen.query_one(selector, Static))


async def type_into(pilot, selector: str, text: str) -> None:
    pilot.app.screen.query_one(selector, Input).focus()
    await pilot.press(*text)


async def latest_code(admin, phone=ZHANG_PHONE) -> str:
    sms = await admin.outbox("demo", phone=phone, limit=1)
    return sms[0].code


async def test_phone_is_checked_as_typed_and_the_code_button_waits_for_a_valid_number(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        assert app.focused.id == "sms-phone"
        await pilot.press(*"1370571")
        assert "还需 4 位数字" in text_of(app, "#phone-hint")
        assert app.screen.query_one("#get-code", Button).disabled
        await pilot.press(*"9050")
        assert "号码格式正确" in text_of(app, "#phone-hint")
        assert not app.screen.query_one("#get-code", Button).disabled


async def test_a_number_with_a_wrong_prefix_is_named(make_app):
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        await pilot.press(*"12345678901")
        assert "starts with 13-19" in text_of(app, "#phone-hint")
        assert app.screen.query_one("#get-code", Button).disabled


async def test_sms_login_wrong_code_then_right_code_reaches_home(make_app, admin):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        await pilot.press(*ZHANG_PHONE)
        await pilot.click("#get-code")
        button = app.screen.query_one("#get-code", Button)
        await wait_for(pilot, lambda: "秒后重发" in str(button.label))
        assert button.disabled
        code = await latest_code(admin)
        wrong = "000000" if code != "000000" else "111111"
        await type_into(pilot, "#sms-code", wrong)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "还可尝试 4 次" in text_of(app, "#login-error"))
        assert isinstance(app.screen, LoginScreen)
        await type_into(pilot, "#sms-code", code)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert "*伟" in text_of(app, "#greeting")


async def test_password_login_and_lockout_after_five_wrong_passwords(make_app):
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        app.screen.query_one("#login-tabs").active = "tab-password"
        await pilot.pause()
        await type_into(pilot, "#account", ZHANG_PHONE)
        await pilot.press("enter")
        assert app.focused.id == "password"
        for left in (4, 3, 2, 1):
            app.screen.query_one("#password", Input).value = f"wrong-{left}"
            await pilot.press("enter")
            await wait_for(pilot, lambda: f"{left} tries left" in text_of(app, "#login-error"))
        app.screen.query_one("#password", Input).value = "wrong-0"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "locked for 30 more minutes" in text_of(app, "#login-error"))
        app.screen.query_one("#password", Input).value = PASSWORD
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert "locked" in text_of(app, "#login-error")
        assert isinstance(app.screen, LoginScreen)


async def test_password_login_reaches_home(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        app.screen.query_one("#login-tabs").active = "tab-password"
        await pilot.pause()
        await type_into(pilot, "#account", ZHANG_PHONE)
        await type_into(pilot, "#password", PASSWORD)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
