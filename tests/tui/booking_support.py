"""Shared steps of the booking, appointments and messages tests: other citizens acting through the API,
filling an expert's session, and walking the booking screens with keys."""
from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest

from tests.tui.conftest import BASE, PASSWORD, wait_for
from zheliban_tui.api import ApiClient, make_http_client, new_idempotency_key

LI_PHONE = "13805710002"      # 李娜: acts for a daughter and a father
WANG_PHONE = "13905710003"    # 王芳
CHEN_PHONE = "15005710004"    # 陈杰: real-name level 1
ZHAO_PHONE = "15105710005"    # 赵磊: banned after three no-shows
DEPARTMENT = "H01D01"         # 浙大一院 心血管内科: the first hospital's first department
TOMORROW = "2026-06-16"       # the first day of the strip (the sandbox starts 2026-06-15 09:00)
EXPERT_SUFFIX = "R1"          # the seeded popular experts: one place per window


async def logged_in(api: ApiClient, phone: str) -> ApiClient:
    await api.login_password(phone, PASSWORD)
    return api


async def patients_of(api: ApiClient) -> list[str | None]:
    """The citizen (None: oneself) and the family members an account can book for."""
    me = await api.me()
    return [None, *(m.id for m in me.family)]


@dataclass
class ExpertSession:
    department_id: str
    day: str
    doctor_id: str
    doctor_name: str
    session_id: str
    period: str
    window_ids: list[str]


async def free_expert_session(api: ApiClient, department_id: str = DEPARTMENT, *,
                              skip_days: tuple[str, ...] = ()) -> ExpertSession:
    """The first expert session of the department with every window still free, on a bookable day."""
    strip = await api.department_dates(department_id)
    for day in strip.days:
        if not day.bookable or day.date.isoformat() in skip_days:
            continue
        schedule = await api.schedule(department_id, day.date)
        for doctor_schedule in schedule.doctors:
            if not doctor_schedule.doctor.id.endswith(EXPERT_SUFFIX):
                continue
            for session in doctor_schedule.sessions:
                if session.remaining == session.total and not session.full:
                    return ExpertSession(department_id, day.date.isoformat(), doctor_schedule.doctor.id,
                                         doctor_schedule.doctor.name, session.id, session.period,
                                         [w.id for w in session.windows])
    raise AssertionError(f"no free expert session in {department_id}")


async def book_window(api: ApiClient, window_id: str, patient_id: str | None = None):
    return await api.book(window_id, idempotency_key=new_idempotency_key(), patient_id=patient_id)


async def fill_session(session: ExpertSession, bookers: list[tuple[ApiClient, str | None]]) -> list:
    """Book every window of an expert session (one place each), one patient a window: one booking per
    patient per department and day is the rule, so `bookers` names (account, patient) pairs."""
    assert len(bookers) >= len(session.window_ids), "one patient per window"
    return [await book_window(api, window_id, patient) for window_id, (api, patient)
            in zip(session.window_ids, bookers)]


# ---- walking the screens ----------------------------------------------------------------------------
async def open_booking(pilot):
    from zheliban_tui.screens.booking import BookingScreen

    await pilot.press("5")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, BookingScreen))
    screen = pilot.app.screen
    await wait_for(pilot, lambda: screen.hospitals is not None)
    await pilot.pause()
    return screen


async def open_schedule(pilot, *, hospital_row: int = 0, department_row: int = 0, patient_presses: int = 0):
    """From the home screen to a department's schedule with keys only; waits for the day's sessions."""
    from zheliban_tui.screens.departments import DepartmentsScreen
    from zheliban_tui.screens.schedule import ScheduleScreen

    await open_booking(pilot)
    for _ in range(patient_presses):
        await pilot.press("p")
    await pilot.press(*["down"] * hospital_row, "enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, DepartmentsScreen))
    screen = pilot.app.screen
    await wait_for(pilot, lambda: screen.departments is not None)
    await pilot.pause()
    await pilot.press(*["down"] * department_row, "enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ScheduleScreen))
    schedule = pilot.app.screen
    await wait_for(pilot, lambda: schedule.schedule is not None)
    await pilot.pause()
    return schedule


async def go_to_day(pilot, screen, day: str) -> None:
    """Press ] / [ until the schedule shows `day` (YYYY-MM-DD)."""
    days = [d.date.isoformat() for d in screen.strip.days]
    target = days.index(day)
    while screen.day_index != target:
        await pilot.press("right_square_bracket" if screen.day_index < target else "left_square_bracket")
    await wait_for(pilot, lambda: screen.schedule is not None and screen.schedule.date.isoformat() == day)
    await pilot.pause()


async def go_to_session(pilot, screen, session_id: str) -> None:
    """Move the sessions table's cursor with the arrow keys to `session_id`."""
    from zheliban_tui.widgets.virtual_table import VirtualTable

    table = screen.query_one("#sessions", VirtualTable)
    table.focus()
    rows = [session.id for _, session in screen.rows]
    target = rows.index(session_id)
    while table.cursor_row != target:
        await pilot.press("down" if table.cursor_row < target else "up")
    await wait_for(pilot, lambda: screen.session_id == session_id)
    await pilot.pause()


# ---- fixtures (imported by the test modules) ----------------------------------------------------------
@pytest.fixture
async def citizens(backend):
    """citizens(phone) -> an ApiClient logged in as that citizen, on the tests' in-process backend."""
    clients: list[httpx.AsyncClient] = []

    async def make(phone: str) -> ApiClient:
        http = make_http_client(BASE, transport=httpx.ASGITransport(app=backend))
        clients.append(http)
        return await logged_in(ApiClient(http), phone)

    yield make
    for http in clients:
        await http.aclose()


async def fill_with_others(session: ExpertSession, citizens, zhang_api: ApiClient) -> list:
    """Fill a seven-window expert session: 李娜 and her two family members, 王芳, and 张伟's three
    family members (张伟 himself stays free to join the waitlist)."""
    li = await citizens(LI_PHONE)
    wang = await citizens(WANG_PHONE)
    bookers = [(li, p) for p in await patients_of(li)] + [(wang, None)]
    bookers += [(zhang_api, p) for p in (await patients_of(zhang_api))[1:]]
    return await fill_session(session, bookers)


def painted(widget) -> str:
    """What a widget paints, borders and padding included, lines joined and spaces collapsed."""
    from textual.geometry import Region

    region = Region(0, 0, widget.outer_size.width, widget.outer_size.height)
    return " ".join(" ".join(strip.text for strip in widget.render_lines(region)).split())
