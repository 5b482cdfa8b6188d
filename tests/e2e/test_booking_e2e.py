"""Booking in the TUI against a real `zheliban-mock` process over a loopback socket.

Each test has its own sandbox (created here, deleted after), so parallel workers never share state.
The app runs under Textual's Pilot with the `ApiClient` and `httpx.AsyncClient` it has in a terminal:
every call crosses a TCP socket. Other citizens act through the same API, as another phone would.
"""
from __future__ import annotations


import pytest
from textual.widgets import Static

from tests.tui.booking_support import (
    LI_PHONE,
    fill_with_others,
    free_expert_session,
    go_to_day,
    go_to_session,
    logged_in,
    open_schedule,
    painted,
)
from tests.tui.conftest import SIZE, log_in, wait_for
from zheliban_tui.api import ApiClient, make_http_client
from zheliban_tui.app import ZhelibanApp
from zheliban_tui.credentials import CredentialStore
from zheliban_tui.screens.appointments import AppointmentsScreen
from zheliban_tui.screens.booking_confirm import BookingConfirmScreen
from zheliban_tui.screens.booking_done import BookingDoneScreen
from zheliban_tui.screens.confirm_dialog import ConfirmDialog
from zheliban_tui.screens.home import HomeScreen
from zheliban_tui.screens.messages import MessagesScreen

pytestmark = pytest.mark.e2e
WAIT_S = 10  # over a real socket, on a shared machine




@pytest.fixture
async def app(live_server, sandbox):
    """The TUI, its ApiClient talking to the live server over TCP in the test's sandbox."""
    http = make_http_client(live_server.url)
    yield ZhelibanApp(ApiClient(http, sandbox=sandbox.id), CredentialStore.in_memory(live_server.url, sandbox.id))
    await http.aclose()


@pytest.fixture
async def citizens(live_server, sandbox):
    """citizens(phone) -> an ApiClient of another citizen, logged in, in the test's sandbox."""
    clients = []

    async def make(phone: str) -> ApiClient:
        http = make_http_client(live_server.url)
        clients.append(http)
        return await logged_in(ApiClient(http, sandbox=sandbox.id), phone)

    yield make
    for http in clients:
        await http.aclose()


def message(app) -> str:
    widget = app.screen.query_one("#appointments-message", Static)
    return str(widget.render()) if widget.display else ""


def table_rows(app) -> list[str]:
    from textual.widgets import DataTable

    table = app.screen.query_one("#appointments", DataTable)
    return [" ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]


async def book_with_keys(pilot) -> object:
    """Home -> first hospital -> first department -> the first session with places -> its first free
    window -> confirm with Y; answers the appointment shown on the success screen."""
    app = pilot.app
    await open_schedule(pilot)
    await pilot.press("enter", "enter")  # the session, then its window
    await wait_for(pilot, lambda: isinstance(app.screen, BookingConfirmScreen), timeout=WAIT_S)
    await pilot.press("y")
    await wait_for(pilot, lambda: isinstance(app.screen, BookingDoneScreen), timeout=WAIT_S)
    return app.screen.appointment


async def open_appointments_from_done(pilot) -> AppointmentsScreen:
    app = pilot.app
    await pilot.press("a")
    await wait_for(pilot, lambda: isinstance(app.screen, AppointmentsScreen), timeout=WAIT_S)
    screen = app.screen
    await wait_for(pilot, lambda: screen.appointments is not None, timeout=WAIT_S)
    await pilot.pause()
    return screen


async def test_book_a_window_find_it_in_my_appointments_and_cancel_it(app):
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        booked = await book_with_keys(pilot)
        assert booked.booking_number in painted(app.screen.query_one("#done-numbers"))
        await open_appointments_from_done(pilot)
        [row] = table_rows(app)
        assert row.startswith(booked.date.isoformat()) and "待就诊" in row
        assert booked.booking_number in painted(app.screen.query_one("#appointment-detail"))

        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), timeout=WAIT_S)
        await pilot.press("y")
        await wait_for(pilot, lambda: f"预约 {booked.booking_number} 已取消" in message(app), timeout=WAIT_S)
        await wait_for(pilot, lambda: table_rows(app) == [], timeout=WAIT_S)
        assert (await app.api.appointment(booked.id)).status == "cancelled"


async def test_a_full_session_takes_the_waitlist_and_a_promotion_arrives_as_a_message(app, citizens):
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        expert = await free_expert_session(app.api)
        taken = await fill_with_others(expert, citizens, app.api)  # every window booked by others
        screen = await open_schedule(pilot)
        await go_to_day(pilot, screen, expert.day)
        await go_to_session(pilot, screen, expert.session_id)
        assert screen._current()[1].full
        await pilot.press("enter")  # a full session: the waitlist is offered
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), timeout=WAIT_S)
        await pilot.press("y")
        await wait_for(pilot, lambda: "当前排第 1 位" in painted(screen.query_one("#schedule-notice")),
                       timeout=WAIT_S)

        # Someone cancels: the place goes to the first on the waitlist, and a message says so.
        li = await citizens(LI_PHONE)
        await li.cancel_appointment(taken[0].id)
        for _ in range(4):  # schedule -> departments -> hospitals -> home
            await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), timeout=WAIT_S)
        await pilot.press("8")
        await wait_for(pilot, lambda: isinstance(app.screen, MessagesScreen), timeout=WAIT_S)
        messages = app.screen
        await wait_for(pilot, lambda: messages.messages is not None, timeout=WAIT_S)
        assert messages.messages[0].kind == "waitlist_promoted" and not messages.messages[0].read
        await pilot.press("enter")
        await wait_for(pilot, lambda: "候补成功" in painted(messages.query_one("#message-view")), timeout=WAIT_S)
        await wait_for(pilot, lambda: messages.messages[0].read, timeout=WAIT_S)
        [entry] = await app.api.waitlist()
        assert entry.status == "promoted"
        promoted = await app.api.appointment(entry.appointment_id)
        assert promoted.from_waitlist and promoted.window_id == expert.window_ids[0]


async def test_a_cancel_after_the_deadline_is_refused_with_the_reason(app, sandbox):
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        booked = await book_with_keys(pilot)
        screen = await open_appointments_from_done(pilot)
        assert screen._highlighted().cancellable
        deadline = booked.cancel_deadline
        await sandbox.admin.set_clock(sandbox.id, deadline)  # the backend's clock reaches the deadline
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), timeout=WAIT_S)
        await pilot.press("y")
        words = f"已过取消截止时间（{deadline.month}月{deadline.day}日 15:00），不能在线取消"
        await wait_for(pilot, lambda: words in message(app), timeout=WAIT_S)
        await wait_for(pilot, lambda: not screen._highlighted().cancellable, timeout=WAIT_S)
        assert (await app.api.appointment(booked.id)).status == "booked"
