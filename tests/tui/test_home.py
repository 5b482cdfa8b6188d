"""Home: greeting, the service grid, the command palette, help, language and theme at run time, log-out."""
from __future__ import annotations

from textual.command import CommandPalette
from textual.widgets import Input

from tests.tui.conftest import SIZE, ZHANG_PHONE, log_in, screen_text, wait_for, widget_text
from zheliban_tui.screens.card import CardScreen
from zheliban_tui.screens.help import HelpScreen
from zheliban_tui.screens.home import HomeScreen
from zheliban_tui.screens.login import LoginScreen
from zheliban_tui.widgets.service_tile import ServiceTile


async def test_greeting_level_and_all_eight_services(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        assert widget_text(app.screen.query_one("#greeting")) == "您好，*伟"
        assert "实名等级 L3" in widget_text(app.screen.query_one("#realname-level"))
        titles = [widget_text(tile) for tile in app.screen.query(ServiceTile)]
        for name in ("电子社保卡", "生活缴费", "公共支付", "社保缴费", "预约挂号", "我的预约", "缴费记录", "消息"):
            assert any(name in title for title in titles), name
        assert app.focused.id == "service-card"


async def test_enter_on_the_focused_tile_opens_the_card_and_escape_comes_back(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CardScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))


async def test_a_service_still_to_come_says_so(make_app, monkeypatch):
    from zheliban_tui import app as app_module

    monkeypatch.delitem(app_module.SERVICE_SCREENS, "booking")  # every service has its screen by now
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        await pilot.press("5")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert any("Book a doctor is coming soon" in n.message for n in app._notifications)


async def test_every_service_is_in_the_command_palette(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"电子社保卡")
        await pilot.pause(0.5)
        assert "打开「电子社保卡」" in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CardScreen))


async def test_help_opens_with_f1_and_question_mark(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        for key in ("f1", "question_mark"):
            await pilot.press(key)
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
            assert "Ctrl+P" in screen_text(app)
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))


async def test_language_switches_at_run_time_and_keeps_what_was_typed(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        await pilot.press(*"1370571")
        await pilot.press("f2")
        await pilot.pause()
        assert "Log in to Zheliban" in screen_text(app)
        assert app.screen.query_one("#sms-phone", Input).value == "1370571"
        assert app.focused.id == "sms-phone"
        assert "4 more digits" in widget_text(app.screen.query_one("#phone-hint"))
        await pilot.press(*"9050")
        await pilot.press("f2")
        await pilot.pause()
        assert "登录浙里办" in screen_text(app)
        assert app.screen.query_one("#sms-phone", Input).value == ZHANG_PHONE


async def test_theme_cycles_through_light_dark_and_elder_mode_with_only_main_services(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        assert app.theme == "zheliban-light"
        await pilot.press("f3")
        assert app.theme == "zheliban-dark"
        await pilot.press("f3")
        await pilot.pause()
        assert app.theme == "zheliban-elder" and app.has_class("-elder")
        await wait_for(pilot, lambda: len(app.screen.query(ServiceTile)) == 4)
        shown = {tile.service.id for tile in app.screen.query(ServiceTile)}
        assert shown == {"card", "utilities", "booking", "appointments"}
        await pilot.press("f3")
        await wait_for(pilot, lambda: len(app.screen.query(ServiceTile)) == 8)


async def test_log_out_forgets_the_session_everywhere(make_app, memory_keyring):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        await wait_for(pilot, lambda: any(k[1] == "C0001" for k in memory_keyring.entries))
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        assert app.api.tokens is None
        await wait_for(pilot, lambda: not any(k[1] == "C0001" for k in memory_keyring.entries))
        assert "已退出登录" in widget_text(app.screen.query_one("#login-message"))
