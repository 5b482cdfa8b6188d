"""预约挂号: patient, hospital search, departments, the 7-day strip, doctors and sessions, windows, the
confirmation with its rules, the booking; the refusals, a window taken meanwhile, the waitlist, a network
failure with Retry, keys and mouse."""
from __future__ import annotations

from datetime import date

import pytest
from textual.widgets import Button, DataTable, Input, Static, Tabs

from tests.tui.booking_support import (
    CHEN_PHONE,
    LI_PHONE,
    TOMORROW,
    ZHAO_PHONE,
    book_window,
    citizens,
    free_expert_session,
    go_to_day,
    go_to_session,
    open_booking,
    open_schedule,
    painted,
)
from tests.tui.conftest import SIZE, log_in, screen_text, wait_for, widget_text
from tests.tui.test_failures import FaultyTransport, watch_workers
from zheliban_tui import i18n
from zheliban_tui.screens.booking import BookingScreen
from zheliban_tui.screens.booking_confirm import BookingConfirmScreen
from zheliban_tui.screens.booking_done import BookingDoneScreen
from zheliban_tui.screens.confirm_dialog import ConfirmDialog
from zheliban_tui.screens.home import HomeScreen
from zheliban_tui.screens.schedule import ScheduleScreen
from zheliban_tui.widgets.date_strip import DateStrip
from zheliban_tui.widgets.error_banner import ErrorBanner
from zheliban_tui.widgets.virtual_table import VirtualTable

__all__ = ["citizens"]  # the fixture, imported for pytest


def text(app, selector: str) -> str:
    return painted(app.screen.query_one(selector))


def banner_text(banner: ErrorBanner) -> str:
    return str(banner.query_one(".error-text", Static).render()) if banner.display else ""


def rows(table) -> list[str]:
    return [" ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]


async def choose_window(pilot, screen: ScheduleScreen, session_id: str, window_id: str | None = None) -> None:
    """Enter on the session, then down to `window_id` (default: the cursor's window), then Enter."""
    await go_to_session(pilot, screen, session_id)
    await pilot.press("enter")
    windows = screen.query_one("#windows", VirtualTable)
    await wait_for(pilot, lambda: pilot.app.focused is windows)
    if window_id is not None:
        ids = [w.id for w in screen._current()[1].windows]
        while windows.cursor_row != ids.index(window_id):
            await pilot.press("down" if windows.cursor_row < ids.index(window_id) else "up")
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, BookingConfirmScreen))
    await pilot.pause()


# ---- the whole way, with keys ----------------------------------------------------------------------
async def test_book_for_a_family_member_from_hospital_to_booking_number(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        booking = await open_booking(pilot)
        assert app.focused is booking.query_one("#hospitals", DataTable)
        tabs = booking.query_one("#patient-tabs", Tabs)
        assert [str(tab.label) for tab in tabs.query("Tab")] == ["本人 *伟", "配偶 *婷", "子女 *梓轩", "父母 *建国"]
        await pilot.press("p")  # the spouse
        assert tabs.active == "patient-1" and booking.patient.relation == "配偶"
        hospitals = rows(booking.query_one("#hospitals", DataTable))
        assert len(hospitals) == 7 and hospitals[0].startswith("浙江大学医学院附属第一医院 三级甲等 杭州市上城区")
        assert "庆春路79号" in text(app, "#hospital-detail")

        schedule = await open_schedule_from_booking(pilot)
        assert "配偶 *婷" in text(app, "#schedule-context") and "心血管内科" in text(app, "#schedule-context")
        strip = schedule.query_one("#date-strip", DateStrip)
        painted = widget_text(strip)
        for cell in ("06-16 周二", "06-17 周三", "06-21 周日", "06-22 周一", "无号"):
            assert cell in painted
        sessions = rows(schedule.query_one("#sessions", VirtualTable))
        assert any("知名专家 主任医师" in r and "100.00" in r and "上午" in r and "约满" in r for r in sessions)
        # the cursor starts on the first session with places, its windows beside it
        doctor_schedule, session = schedule._current()
        assert not session.full
        assert "08:00-08:30" in text(app, "#windows") or "13:30-14:00" in text(app, "#windows")

        await pilot.press("enter")  # to the windows
        assert app.focused is schedule.query_one("#windows", VirtualTable)
        window = schedule._window()
        await pilot.press("enter")  # the confirmation
        await wait_for(pilot, lambda: isinstance(app.screen, BookingConfirmScreen))
        confirm = app.screen
        await wait_for(pilot, lambda: confirm.deadline_passed is not None)
        await pilot.pause()
        visit = text(app, "#confirm-visit")
        assert "配偶 *婷" in visit and doctor_schedule.doctor.name in visit and "2026年6月16日（周二）" in visit
        rules = text(app, "#confirm-rules")
        assert "6月15日 15:00 前" in rules and "90 天内爽约 3 次" in rules and "暂停网上预约 90 天" in rules
        assert "限约 1 个号" in rules and "最多 2 个号" in rules
        assert "y 确认预约" in screen_text(app)

        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, BookingDoneScreen))
        done = app.screen
        appointment = done.appointment
        assert appointment.patient.id == "C0006" and appointment.window_id == window.id
        numbers = text(app, "#done-numbers")
        assert appointment.booking_number in numbers and f"第 {appointment.queue_number} 号" in numbers
        details = text(app, "#done-details")
        assert "请于 6月16日" in details and appointment.checkin_place in details
        mine = await app.api.appointments("upcoming")
        assert [a.id for a in mine] == [appointment.id]

        await pilot.press("escape")  # done: back to the home screen
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))


async def open_schedule_from_booking(pilot) -> ScheduleScreen:
    from zheliban_tui.screens.departments import DepartmentsScreen

    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, DepartmentsScreen))
    departments = pilot.app.screen
    await wait_for(pilot, lambda: departments.departments is not None)
    await pilot.pause()
    assert "胸痛、高血压" in text(pilot.app, "#department-detail")
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ScheduleScreen))
    schedule = pilot.app.screen
    await wait_for(pilot, lambda: schedule.schedule is not None)
    await pilot.pause()
    return schedule


async def test_the_hospital_search_narrows_the_list_and_says_when_nothing_matches(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        screen = await open_booking(pilot)
        await pilot.press("slash")
        assert app.focused is screen.query_one("#hospital-search", Input)
        await pilot.press(*"儿童")
        table = screen.query_one("#hospitals", DataTable)
        await wait_for(pilot, lambda: table.row_count == 1 and not table.loading)
        assert rows(table)[0].startswith("杭州市儿童医院")
        await pilot.press("backspace", "backspace", *"拱墅")
        await wait_for(pilot, lambda: table.row_count == 2)
        await pilot.press("ctrl+a", "ctrl+k", *"不存在的医院")
        await wait_for(pilot, lambda: table.row_count == 0 and "没有找到" in text(app, "#hospital-detail"))
        assert "不存在的医院" in text(app, "#hospital-detail")
        await pilot.press("ctrl+a", "ctrl+k", "enter")  # Enter searches at once and goes to the list
        await wait_for(pilot, lambda: table.row_count == 7)
        assert app.focused is table


async def test_days_switch_with_keys_and_a_click_and_an_empty_day_says_so(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        screen = await open_schedule(pilot)
        assert screen.schedule.date == date(2026, 6, 16)
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: screen.schedule is not None and screen.schedule.date == date(2026, 6, 17))
        assert screen.query_one("#date-strip", DateStrip).index == 1
        await go_to_day(pilot, screen, "2026-06-21")  # a Sunday: nobody sees patients
        await wait_for(pilot, lambda: "无医生出诊" in text(app, "#schedule-notice"))
        assert screen.query_one("#sessions", VirtualTable).row_count == 0
        await pilot.press("enter")  # nothing to choose: nothing happens
        assert app.screen is screen
        # a click on the strip's first cell
        strip = screen.query_one("#date-strip", DateStrip)
        await pilot.click(strip, offset=(3, 0))
        await wait_for(pilot, lambda: screen.schedule is not None and screen.schedule.date == date(2026, 6, 16))
        assert app.focused is strip
        await pilot.press("right")
        await wait_for(pilot, lambda: screen.schedule is not None and screen.schedule.date == date(2026, 6, 17))


async def test_a_day_not_yet_released_shows_when_it_opens_and_cannot_be_booked(make_app, admin):
    await admin.set_clock("demo", "2026-06-15T06:30:00+08:00")  # before 07:00: 06-22 is not open yet
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        screen = await open_schedule(pilot)
        assert "Opens 07:00" in widget_text(screen.query_one("#date-strip", DateStrip))
        await go_to_day(pilot, screen, "2026-06-22")
        await wait_for(pilot, lambda: "not open yet" in text(app, "#schedule-notice"))
        assert "15 Jun 07:00" in text(app, "#schedule-notice")
        await pilot.press("enter", "enter")  # session, then window: refused here, no confirmation
        assert app.screen is screen
        assert "not open yet" in text(app, "#schedule-notice")


async def test_a_window_taken_meanwhile_is_said_and_the_schedule_reloads_itself(make_app, citizens):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        expert = await free_expert_session(app.api)
        screen = await open_schedule(pilot)
        await go_to_day(pilot, screen, expert.day)
        await choose_window(pilot, screen, expert.session_id, expert.window_ids[0])
        # 李娜 books the same window between the list and the confirmation
        await book_window(await citizens(LI_PHONE), expert.window_ids[0])
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is screen)
        await wait_for(pilot, lambda: "刚刚被他人预约" in text(app, "#schedule-notice"))
        # reloaded: the window now shows as full, and the cursor stays on the session
        await wait_for(pilot, lambda: screen._current() is not None
                       and screen._current()[1].windows[0].remaining == 0)
        assert screen.session_id == expert.session_id
        assert rows(screen.query_one("#windows", VirtualTable))[0].endswith("约满")
        assert await app.api.appointments("upcoming") == []


async def test_a_full_session_offers_the_waitlist_and_shows_the_position(make_app):
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        screen = await open_schedule(pilot)
        full = next(session for _, session in screen.rows if session.full)  # seeded: an expert's full morning
        await go_to_session(pilot, screen, full.id)
        assert "Full" in text(app, "#windows-title")
        await pilot.press("enter")  # Enter on a full session offers the waitlist
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert "0 waiting" in widget_text(app.screen.query_one(".confirm-body"))
        await pilot.press("escape")  # not now
        await wait_for(pilot, lambda: app.screen is screen)
        assert await app.api.waitlist() == []
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: "position 1" in text(app, "#schedule-notice"))
        await pilot.press("f2")  # the notice follows the language
        await wait_for(pilot, lambda: "当前排第 1 位" in text(app, "#schedule-notice"))
        await pilot.press("f2")
        await wait_for(pilot, lambda: "position 1" in text(app, "#schedule-notice"))
        entries = await app.api.waitlist()
        assert [(e.session_id, e.position) for e in entries] == [(full.id, 1)]
        await wait_for(pilot, lambda: "1 wait" in text(app, "#windows-title"))
        # once more: refused in words
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: "already on the waitlist" in text(app, "#schedule-notice"))


async def test_the_waitlist_key_on_a_session_with_places_says_to_book_instead(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        screen = await open_schedule(pilot)
        assert not screen._current()[1].full
        await pilot.press("w")
        assert "请直接选择时段预约" in text(app, "#schedule-notice")
        assert not isinstance(app.screen, ConfirmDialog)


async def test_a_full_window_cannot_be_chosen(make_app, citizens):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        expert = await free_expert_session(app.api)
        await book_window(await citizens(LI_PHONE), expert.window_ids[0])
        screen = await open_schedule(pilot)
        await go_to_day(pilot, screen, expert.day)
        await go_to_session(pilot, screen, expert.session_id)
        await pilot.press("enter")
        windows = screen.query_one("#windows", VirtualTable)
        assert windows.cursor_row == 1  # the first window with a place
        await pilot.press("up", "enter")
        assert app.screen is screen
        assert "该时段已约满" in text(app, "#schedule-notice")


# ---- refusals --------------------------------------------------------------------------------------
async def test_a_second_booking_in_the_same_department_that_day_is_refused_in_words(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        screen = await open_schedule(pilot)
        window = screen._window()
        await book_window(app.api, window.id)
        other = next(s for _, s in screen.rows if not s.full and s.id != screen.session_id)
        await choose_window(pilot, screen, other.id)
        await pilot.press("y")
        await wait_for(pilot, lambda: "同一科室同一天只能预约一次" in text(app, "#confirm-error"))
        assert "2026年6月16日（周二）" in text(app, "#confirm-error")
        assert isinstance(app.screen, BookingConfirmScreen)
        assert not app.screen.query_one("#confirm-book", Button).disabled
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)


async def test_a_third_booking_that_day_is_refused_with_the_limit(make_app):
    app = make_app(language="en")
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        for department in ("H01D02", "H01D03"):
            schedule = await app.api.schedule(department, TOMORROW)
            session = next(s for d in schedule.doctors for s in d.sessions if not s.full)
            await book_window(app.api, session.windows[0].id)
        screen = await open_schedule(pilot)
        await choose_window(pilot, screen, screen.session_id)
        await pilot.press("y")
        await wait_for(pilot, lambda: "already has 2 bookings on Tue 16 Jun 2026" in text(app, "#confirm-error"))


async def test_a_citizen_banned_after_no_shows_is_told_until_when(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, ZHAO_PHONE)
        screen = await open_schedule(pilot)
        await choose_window(pilot, screen, screen.session_id)
        await pilot.press("y")
        await wait_for(pilot, lambda: "网上预约已暂停至" in text(app, "#confirm-error"))


async def test_a_citizen_below_real_name_level_2_is_told_before_and_refused_at_booking(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, CHEN_PHONE)
        screen = await open_booking(pilot)
        assert "实名等级 L2" in text(app, "#booking-level")
        assert screen.query_one("#hospitals", DataTable).row_count == 7  # the catalogue is public
        schedule = await open_schedule_from_booking(pilot)
        await choose_window(pilot, schedule, schedule.session_id)
        await pilot.press("y")
        await wait_for(pilot, lambda: "更高的实名认证等级" in text(app, "#confirm-error"))


async def test_the_confirmation_warns_when_the_cancel_deadline_has_passed(make_app, admin):
    await admin.set_clock("demo", "2026-06-15T16:00:00+08:00")  # after 15:00: 06-16 cannot be cancelled
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        screen = await open_schedule(pilot)
        await choose_window(pilot, screen, screen.session_id)
        confirm = app.screen
        await wait_for(pilot, lambda: confirm.deadline_passed is True)
        await pilot.pause()
        assert "已过：本次预约成功后不能在线取消" in text(app, "#confirm-rules")


# ---- failures: retry without losing what was chosen --------------------------------------------------
@pytest.fixture
def faulty(backend):
    return FaultyTransport(backend)


async def test_a_network_failure_at_booking_offers_retry_and_books_once_with_the_same_key(make_app, faulty):
    app = make_app(transport=faulty)
    failed = watch_workers(app)
    keys: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        real_book = app.api.book

        async def book(window_id, *, idempotency_key, patient_id=None):
            keys.append(idempotency_key)
            return await real_book(window_id, idempotency_key=idempotency_key, patient_id=patient_id)

        app.api.book = book
        screen = await open_schedule(pilot)
        await choose_window(pilot, screen, screen.session_id)
        confirm = app.screen
        faulty.fail("timeout", "/appointments")
        await pilot.press("y")
        banner = confirm.query_one("#confirm-retry", ErrorBanner)
        await wait_for(pilot, lambda: "服务器响应超时" in banner_text(banner))
        assert "就诊人" in text(app, "#confirm-visit")  # what was chosen is still there
        retry = banner.query_one(Button)
        faulty.fail("down", "/appointments")
        await pilot.click(retry)
        await wait_for(pilot, lambda: "无法连接服务器" in banner_text(banner))
        faulty.recover()
        await wait_for(pilot, lambda: not retry.has_class("-active"))  # a button ignores clicks while it flashes
        await pilot.click(retry)
        await wait_for(pilot, lambda: isinstance(app.screen, BookingDoneScreen))
        assert len(set(keys)) == 1 and len(keys) == 3
        assert len(await app.api.appointments("upcoming")) == 1
    assert failed == []


async def test_a_failed_schedule_keeps_the_day_and_retry_loads_it(make_app, faulty):
    app = make_app(transport=faulty, language="en")
    failed = watch_workers(app)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        screen = await open_schedule(pilot)
        faulty.fail("500-bare", "/schedule")
        await pilot.press("right_square_bracket", "right_square_bracket")
        banner = screen.query_one("#schedule-error", ErrorBanner)
        await wait_for(pilot, lambda: "The server had a problem" in banner_text(banner))
        assert screen.day.date == date(2026, 6, 18)
        assert not screen.query_one("#sessions", VirtualTable).loading
        faulty.recover()
        await pilot.click(banner.query_one(Button))
        await wait_for(pilot, lambda: screen.schedule is not None and screen.schedule.date == date(2026, 6, 18))
        assert not banner.display
        await app.workers.wait_for_complete()
    assert failed == []


async def test_the_hospital_list_failure_offers_retry(make_app, faulty):
    app = make_app(transport=faulty)
    failed = watch_workers(app)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        faulty.fail("malformed-json", "/hospitals")
        await pilot.press("5")
        await wait_for(pilot, lambda: isinstance(app.screen, BookingScreen))
        banner = app.screen.query_one("#hospitals-error", ErrorBanner)
        await wait_for(pilot, lambda: "无法识别的数据" in banner_text(banner))
        faulty.recover()
        await pilot.press("r")
        await wait_for(pilot, lambda: app.screen.query_one("#hospitals", DataTable).row_count == 7)
        assert not banner.display
    assert failed == []


# ---- language, mouse --------------------------------------------------------------------------------
async def test_switching_language_on_the_schedule_keeps_the_day_and_the_session(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        screen = await open_schedule(pilot)
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: screen.schedule is not None and screen.schedule.date == date(2026, 6, 17))
        session_id = screen.session_id
        await pilot.press("f2")
        await wait_for(pilot, lambda: "Wed" in widget_text(app.screen.query_one("#date-strip", DateStrip)))
        assert app.screen is screen and screen.session_id == session_id
        assert screen.query_one("#date-strip", DateStrip).index == 1
        assert "Left" in screen_text(app) and "余号" not in screen_text(app)
        assert screen.query_one("#sessions", VirtualTable).row_count == len(screen.rows) > 0


async def test_the_mouse_alone_books_from_hospital_to_my_appointments(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        booking = await open_booking(pilot)
        table = booking.query_one("#hospitals", DataTable)
        await pilot.click(table, offset=(4, 2))   # the second hospital: highlighted
        await pilot.click(table, offset=(4, 2))   # clicked again: chosen
        from zheliban_tui.screens.departments import DepartmentsScreen

        await wait_for(pilot, lambda: isinstance(app.screen, DepartmentsScreen))
        departments = app.screen
        assert departments.hospital.id == "H02"
        await wait_for(pilot, lambda: departments.departments is not None)
        await pilot.pause()
        table = departments.query_one("#departments", DataTable)
        await pilot.click(table, offset=(4, 1))  # the first department: already highlighted, so chosen
        await wait_for(pilot, lambda: isinstance(app.screen, ScheduleScreen))
        schedule = app.screen
        await wait_for(pilot, lambda: schedule.schedule is not None)
        await pilot.pause()
        free = next(i for i, (_, s) in enumerate(schedule.rows) if not s.full)
        sessions = schedule.query_one("#sessions", VirtualTable)
        await pilot.click(sessions, offset=(2, 1 + free))
        await pilot.click(sessions, offset=(2, 1 + free))  # chosen: on to its windows
        windows = schedule.query_one("#windows", VirtualTable)
        await wait_for(pilot, lambda: app.focused is windows)
        row = next(i for i, w in enumerate(schedule._current()[1].windows) if w.remaining > 0)
        await pilot.click(windows, offset=(2, 1 + row))
        await pilot.click(windows, offset=(2, 1 + row))
        await wait_for(pilot, lambda: isinstance(app.screen, BookingConfirmScreen))
        await pilot.click(app.screen.query_one("#confirm-book", Button))
        await wait_for(pilot, lambda: isinstance(app.screen, BookingDoneScreen))
        await pilot.click(app.screen.query_one("#done-appointments", Button))
        from zheliban_tui.screens.appointments import AppointmentsScreen

        await wait_for(pilot, lambda: isinstance(app.screen, AppointmentsScreen))


def test_every_code_of_the_booking_routes_has_words_in_both_languages():
    from mock_server.errors import CODES

    codes = ["HOSPITAL_NOT_FOUND", "DEPARTMENT_NOT_FOUND", "DOCTOR_NOT_FOUND", "WINDOW_NOT_FOUND",
             "SESSION_NOT_FOUND", "APPOINTMENT_NOT_FOUND", "WAITLIST_NOT_FOUND", "MESSAGE_NOT_FOUND",
             "DATE_OUT_OF_RANGE", "NOT_YET_RELEASED", "SLOT_FULL", "SESSION_HAS_WINDOWS",
             "DUPLICATE_DEPARTMENT_BOOKING", "DAILY_BOOKING_LIMIT", "BOOKING_BANNED", "CANCEL_DEADLINE_PASSED",
             "APPOINTMENT_NOT_ACTIVE", "ALREADY_ON_WAITLIST", "WAITLIST_NOT_ACTIVE", "PATIENT_NOT_ALLOWED",
             "REALNAME_LEVEL_TOO_LOW", "IDEMPOTENCY_KEY_REQUIRED", "IDEMPOTENCY_KEY_INVALID",
             "IDEMPOTENCY_KEY_REUSED", "IDEMPOTENCY_IN_PROGRESS", "VALIDATION_FAILED"]
    assert all(code in CODES for code in codes)
    for lang in ("zh", "en"):
        assert [c for c in codes if f"error.{c}" not in i18n.CATALOGS[lang]] == [], lang


def test_the_keys_the_booking_screens_build_at_run_time_exist():
    from zheliban_tui.booking_format import (
        APPOINTMENT_STATUSES,
        MESSAGE_KINDS,
        PERIODS,
        TITLE_WORDS,
        WAITLIST_STATUSES,
    )
    from zheliban_tui.screens.appointments import LISTS

    keys = [f"booking.weekday.{n}" for n in range(1, 8)] + [f"booking.period.{p}" for p in PERIODS]
    keys += [f"booking.doctor_title.{w}" for w in TITLE_WORDS.values()]
    keys += [f"appointments.status.{s}" for s in APPOINTMENT_STATUSES]
    keys += [f"appointments.waitlist_status.{s}" for s in WAITLIST_STATUSES]
    keys += [f"appointments.list_{name}" for name in LISTS] + [f"appointments.empty_{name}" for name in LISTS]
    keys += [f"messages.kind.{k}" for k in MESSAGE_KINDS]
    for lang in ("zh", "en"):
        assert [k for k in keys if k not in i18n.CATALOGS[lang]] == [], lang


def test_refusals_fill_in_what_the_backend_says():
    from zheliban_tui.api import ApiError
    from zheliban_tui.booking_format import booking_error

    i18n.set_language("zh")
    err = ApiError("CANCEL_DEADLINE_PASSED", status=409, detail="Appointments can be cancelled until …",
                   extra={"deadline": "2026-06-15T15:00:00+08:00"})
    assert booking_error(err) == "已过取消截止时间（6月15日 15:00），不能在线取消；如不能就诊，请联系医院"
    i18n.set_language("en")
    try:
        assert "the deadline was 15 Jun 15:00" in booking_error(err)
        banned = ApiError("BOOKING_BANNED", extra={"banned_until": "2026-09-13T09:00:00+08:00"})
        assert booking_error(banned).endswith("until 13 Sep 09:00")
        # a code this client does not know: the server's own words
        assert booking_error(ApiError("SOMETHING_NEW", detail="Server words")) == "Server words"
    finally:
        i18n.set_language("zh")
