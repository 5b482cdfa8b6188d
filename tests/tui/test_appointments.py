"""我的预约: upcoming and past, cancel with confirmation, a cancel after the deadline refused with the
reason, the waitlist with its position, leaving it, a promotion from the waitlist."""
from __future__ import annotations

from textual.widgets import DataTable, Static, Tabs

from tests.tui.booking_support import (
    LI_PHONE,
    TOMORROW,
    book_window,
    citizens,
    fill_with_others,
    free_expert_session,
    painted,
)
from tests.tui.conftest import SIZE, log_in, screen_text, wait_for, widget_text
from zheliban_tui.screens.appointments import AppointmentsScreen
from zheliban_tui.screens.booking import BookingScreen
from zheliban_tui.screens.confirm_dialog import ConfirmDialog

__all__ = ["citizens"]


def text(app, selector: str) -> str:
    return painted(app.screen.query_one(selector))


def message(app) -> str:
    widget = app.screen.query_one("#appointments-message", Static)
    return str(widget.render()) if widget.display else ""


def rows(app) -> list[str]:
    table = app.screen.query_one("#appointments", DataTable)
    return [" ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]


async def book_tomorrow(api, department: str = "H01D02", patient_id: str | None = None):
    schedule = await api.schedule(department, TOMORROW)
    session = next(s for d in schedule.doctors for s in d.sessions if not s.full)
    return await book_window(api, session.windows[0].id, patient_id)


async def open_appointments(pilot) -> AppointmentsScreen:
    await pilot.press("6")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, AppointmentsScreen))
    screen = pilot.app.screen
    await wait_for(pilot, lambda: screen.appointments is not None)
    await pilot.pause()
    return screen


async def test_upcoming_and_past_with_details_and_counts(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        booked = await book_tomorrow(app.api, patient_id="C0007")  # for the child
        screen = await open_appointments(pilot)
        assert app.focused is screen.query_one("#appointments", DataTable)
        labels = [str(tab.label) for tab in screen.query_one("#appointment-tabs", Tabs).query("Tab")]
        assert labels == ["待就诊 (1)", "历史预约 (1)", "候补 (0)"]
        [row] = rows(app)
        assert row.startswith("2026-06-16") and "子女 *梓轩" in row and "待就诊" in row
        detail = text(app, "#appointment-detail")
        assert booked.booking_number in detail and f"第 {booked.queue_number} 号" in detail
        assert "可在 6月15日 15:00 前取消" in detail and booked.checkin_place in detail
        await pilot.press("s")  # past: the seeded attended visit
        await wait_for(pilot, lambda: screen.list_name == "past")
        [past] = rows(app)
        assert past.startswith("2026-05-26") and "已就诊" in past
        await pilot.press("s")
        await wait_for(pilot, lambda: screen.list_name == "waitlist")
        assert rows(app) == [] and "暂无候补登记" in text(app, "#appointment-detail")


async def test_cancel_after_confirming_frees_the_place(make_app):
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        booked = await book_tomorrow(app.api)
        screen = await open_appointments(pilot)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        body = widget_text(app.screen.query_one(".confirm-body"))
        assert booked.booking_number in body and "cannot be undone" in body
        await pilot.press("n")  # keep it
        await wait_for(pilot, lambda: app.screen is screen)
        assert (await app.api.appointment(booked.id)).status == "booked"
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: f"Appointment {booked.booking_number} cancelled" in message(app))
        await wait_for(pilot, lambda: rows(app) == [])
        assert (await app.api.appointment(booked.id)).status == "cancelled"
        await pilot.press("s")
        await wait_for(pilot, lambda: any("Cancelled" in r for r in rows(app)))


async def test_a_cancel_after_the_deadline_is_refused_by_the_backend_with_the_reason(make_app, admin):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        await book_tomorrow(app.api)
        screen = await open_appointments(pilot)
        assert screen._highlighted().cancellable
        await admin.set_clock("demo", "2026-06-15T15:00:00+08:00")  # the deadline, while the list is open
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: "已过取消截止时间（6月15日 15:00）" in message(app))
        await pilot.press("f2")  # the reason, in the other language
        await wait_for(pilot, lambda: "the deadline was 15 Jun 15:00" in message(app))
        await pilot.press("f2")
        assert "error-text" in app.screen.query_one("#appointments-message").classes
        # reloaded: the list now knows, and says so in the detail
        await wait_for(pilot, lambda: not screen._highlighted().cancellable)
        assert "不能在线取消" in text(app, "#appointment-detail")
        assert (await app.api.appointments("upcoming"))[0].status == "booked"


async def test_a_cancel_the_list_knows_is_too_late_is_refused_at_once(make_app, admin):
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        await book_tomorrow(app.api)
        await admin.set_clock("demo", "2026-06-15T18:00:00+08:00")
        await open_appointments(pilot)
        await pilot.press("c")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmDialog)
        assert "the deadline was 15 Jun 15:00" in message(app)


async def test_cancel_and_leave_say_what_to_pick_on_the_wrong_list(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        screen = await open_appointments(pilot)
        await pilot.press("s")  # past
        await wait_for(pilot, lambda: screen.list_name == "past")
        await pilot.press("c")
        assert "请在「待就诊」中选择" in message(app)
        await pilot.press("d")
        assert "请在「候补」中选择" in message(app)


async def test_the_waitlist_position_leaving_it_and_a_promotion(make_app, citizens):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        expert = await free_expert_session(app.api)
        taken = await fill_with_others(expert, citizens, app.api)
        li = await citizens(LI_PHONE)
        mine = await app.api.join_waitlist(expert.session_id)  # 张伟 himself, on the session now full
        screen = await open_appointments(pilot)
        await pilot.press("s", "s")
        await wait_for(pilot, lambda: screen.list_name == "waitlist")
        [row] = rows(app)
        assert "候补中 第 1 位" in row and expert.doctor_name in row
        assert "有人取消时将按登记顺序自动为您预约" in text(app, "#appointment-detail")

        # 李娜 cancels her booking: the place goes to 张伟, a message says so
        await li.cancel_appointment(taken[0].id)
        await pilot.press("r")
        await wait_for(pilot, lambda: "候补成功" in " ".join(rows(app)))
        entry = (await app.api.waitlist())[0]
        assert entry.status == "promoted" and entry.appointment_id is not None
        await pilot.press("s")
        await wait_for(pilot, lambda: screen.list_name == "upcoming")
        assert any("（候补）" in r for r in rows(app))
        page = await app.api.messages()
        assert page.items[0].kind == "waitlist_promoted" and "候补成功" in page.items[0].body
        assert mine.position == 1


async def test_leaving_the_waitlist_after_confirming(make_app):
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        schedule = await app.api.schedule("H01D01", TOMORROW)  # seeded: an expert's full morning
        full = next(s for d in schedule.doctors for s in d.sessions if s.full)
        await app.api.join_waitlist(full.id)
        screen = await open_appointments(pilot)
        await pilot.press("s", "s")
        await wait_for(pilot, lambda: screen.list_name == "waitlist" and rows(app))
        assert "Waiting position 1" in rows(app)[0]
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: "Left the waitlist" in message(app))
        await wait_for(pilot, lambda: "Cancelled" in rows(app)[0])
        assert (await app.api.waitlist())[0].status == "cancelled"


async def test_book_key_opens_booking_and_the_footer_lists_every_key(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        await open_appointments(pilot)
        footer = screen_text(app).splitlines()[-1]
        for words in ("esc 返回", "s 切换列表", "c 取消预约", "d 取消候补", "b 预约挂号", "r 刷新"):
            assert words in footer
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, BookingScreen))
