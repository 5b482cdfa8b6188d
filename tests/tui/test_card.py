"""The card screen: masked face, PIN reveal, live QR with countdown, family cards, a lost card, insurance."""
from __future__ import annotations

from textual.widgets import Input, Static, Tabs

from tests.qr_reader import decode_text
from tests.tui.conftest import CARD_PIN, SIZE, WANG_PHONE, log_in, screen_text, wait_for, widget_text
from zheliban_tui.i18n import CATALOGS
from zheliban_tui.screens.card import CardScreen
from zheliban_tui.screens.pin_dialog import PinDialog
from zheliban_tui.widgets.qr_code import QrCode


def shown(app, selector: str) -> str:
    return widget_text(app.screen.query_one(selector, Static))


async def open_card(pilot) -> CardScreen:
    await pilot.press("1")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, CardScreen))
    screen = pilot.app.screen
    await wait_for(pilot, lambda: screen.qr is not None or (screen.card is not None and screen.card.status != "normal"))
    return screen


async def test_card_face_is_masked_and_the_qr_decodes_to_a_code_the_backend_accepts(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        screen = await open_card(pilot)
        face = shown(app, "#card-face")
        assert "*伟" in face and "张伟" not in face
        assert "正常" in face
        payload = decode_text(screen.query_one("#qr", QrCode).lines)
        assert payload == screen.qr.payload
        verified = await app.api.verify_qr(payload)
        assert verified.holder.name == "*伟"
        numeric = shown(app, "#numeric-code").replace(" ", "")
        assert screen.qr.numeric_code in numeric
        assert "秒后自动刷新" in shown(app, "#qr-countdown")


async def test_refresh_key_issues_a_new_code(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        screen = await open_card(pilot)
        first = screen.qr.payload
        await pilot.press("r")
        await wait_for(pilot, lambda: screen.qr is not None and screen.qr.payload != first)
        assert decode_text(screen.query_one("#qr", QrCode).lines) == screen.qr.payload


async def test_reveal_with_a_wrong_then_the_right_pin(make_app):
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        await open_card(pilot)
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, PinDialog))
        assert app.focused.id == "pin" and app.focused.password
        await pilot.press(*"000000", "enter")
        await wait_for(pilot, lambda: "4 tries left" in shown(app, "#pin-error"))
        assert app.screen.query_one("#pin", Input).value == ""
        await pilot.press(*CARD_PIN, "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CardScreen))
        await wait_for(pilot, lambda: "张伟" in shown(app, "#card-face"))


async def test_a_short_pin_is_refused_before_it_is_sent(make_app):
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        await open_card(pilot)
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, PinDialog))
        await pilot.press(*"123", "enter")
        assert "Enter 6 digits" in shown(app, "#pin-error")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, CardScreen))
        assert "*伟" in shown(app, "#card-face")


async def test_family_cards_switch_and_each_gets_its_own_code(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        screen = await open_card(pilot)
        tabs = screen.query_one("#card-tabs", Tabs)
        assert tabs.tab_count == 4
        first = screen.qr
        await pilot.press("s")
        await wait_for(pilot, lambda: screen.qr is not None and screen.qr.card_id != first.card_id)
        assert "配偶" in str(tabs.active_tab.label)
        assert "*婷" in shown(app, "#card-face")


async def test_a_lost_card_shows_a_red_banner_and_no_qr(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, WANG_PHONE)
        screen = await open_card(pilot)
        assert screen.card.status == "lost"
        assert "已挂失" in shown(app, "#card-banner")
        assert screen.query_one("#card-banner").display
        assert not screen.query_one("#qr-panel").display
        assert screen.qr is None


async def test_insurance_balance_and_settlements(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        screen = await open_card(pilot)
        await wait_for(pilot, lambda: screen.insurance is not None)
        text = shown(app, "#insurance")
        assert "个人账户余额" in text and "元" in text
        first = screen.insurance.settlements[0]
        assert first.institution[:6] in text  # a long name is cut with an ellipsis
        assert f"{first.total_fen // 100}.{first.total_fen % 100:02d}" in text


async def test_f2_switches_the_language_of_an_open_pin_dialog_and_keeps_the_digits(make_app):
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        await open_card(pilot)
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, PinDialog))
        assert "Card PIN" in screen_text(app)
        await pilot.press(*CARD_PIN[:2], "f2")
        await wait_for(pilot, lambda: "Card PIN" not in screen_text(app))
        assert isinstance(app.screen, PinDialog) and CATALOGS["zh"]["pin.card_title"] in screen_text(app)
        assert app.screen.query_one("#pin", Input).value == CARD_PIN[:2]
        await pilot.press(*CARD_PIN[2:], "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CardScreen))
        await wait_for(pilot, lambda: "张伟" in shown(app, "#card-face"))
