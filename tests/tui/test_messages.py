"""消息: the list with unread ones marked, opening one marks it read, mark all read, failures with Retry."""
from __future__ import annotations

import pytest
from textual.widgets import Button, DataTable, Static

from tests.tui.booking_support import TOMORROW, book_window, painted
from tests.tui.conftest import SIZE, log_in, wait_for
from tests.tui.test_failures import FaultyTransport, watch_workers
from zheliban_tui.screens.home import HomeScreen
from zheliban_tui.screens.messages import MessagesScreen
from zheliban_tui.widgets.error_banner import ErrorBanner
from zheliban_tui.widgets.service_tile import ServiceTile


def rows(app) -> list[str]:
    table = app.screen.query_one("#messages", DataTable)
    return [" ".join(str(c) for c in table.get_row_at(i)).strip() for i in range(table.row_count)]


async def open_messages(pilot) -> MessagesScreen:
    await pilot.press("8")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, MessagesScreen))
    screen = pilot.app.screen
    await wait_for(pilot, lambda: screen.messages is not None)
    await pilot.pause()
    return screen


async def book_tomorrow(api):
    schedule = await api.schedule("H01D02", TOMORROW)
    session = next(s for d in schedule.doctors for s in d.sessions if not s.full)
    return await book_window(api, session.windows[0].id)


async def test_unread_marked_open_marks_read_and_mark_all(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        booked = await book_tomorrow(app.api)
        screen = await open_messages(pilot)
        assert app.focused is screen.query_one("#messages", DataTable)
        assert "共 2 条消息，2 条未读" in painted(screen.query_one("#messages-summary"))
        assert rows(app)[0].startswith("未读 预约 预约成功") and rows(app)[1].startswith("未读 系统通知")
        assert "选择一条消息" in painted(screen.query_one("#message-view"))

        await pilot.press("enter")  # open the newest: the booking, with its number
        await wait_for(pilot, lambda: booked.booking_number in painted(screen.query_one("#message-view")))
        await wait_for(pilot, lambda: not rows(app)[0].startswith("未读"))
        assert await app.api.unread_count() == 1
        assert "1 条未读" in painted(screen.query_one("#messages-summary"))

        await pilot.press("a")  # all read
        await wait_for(pilot, lambda: not any(r.startswith("未读") for r in rows(app)))
        assert await app.api.unread_count() == 0
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        tile = app.screen.query_one("#service-messages", ServiceTile)
        await wait_for(pilot, lambda: tile.unread == 0)


async def test_messages_in_english_name_their_kind(make_app):
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        await book_tomorrow(app.api)
        screen = await open_messages(pilot)
        assert rows(app)[0].startswith("New Booking")
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: "Notice" in painted(screen.query_one("#message-view")))


@pytest.fixture
def faulty(backend):
    return FaultyTransport(backend)


async def test_a_failed_list_offers_retry_and_a_failed_read_says_so(make_app, faulty):
    app = make_app(transport=faulty)
    failed = watch_workers(app)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        faulty.fail("down", "/messages")
        await pilot.press("8")
        await wait_for(pilot, lambda: isinstance(app.screen, MessagesScreen))
        screen = app.screen
        banner = screen.query_one("#messages-error", ErrorBanner)
        await wait_for(pilot, lambda: banner.display)
        assert "无法连接服务器" in str(banner.query_one(".error-text", Static).render())
        faulty.recover()
        await pilot.click(banner.query_one(Button))
        await wait_for(pilot, lambda: screen.messages is not None and len(rows(app)) == 1)
        faulty.fail("timeout", "/read")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("服务器响应超时" in str(n.message) for n in app._notifications))
        assert "欢迎使用浙里办" in painted(screen.query_one("#message-view"))  # shown all the same
        assert rows(app)[0].startswith("未读")
        await app.workers.wait_for_complete()
    assert failed == []
