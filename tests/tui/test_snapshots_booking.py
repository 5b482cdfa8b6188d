"""Snapshots of the booking screens in both languages: the hospital list, a department's schedule, the
confirmation with its rules, and my appointments (frozen backend clock, so every number is the same).

The SVGs in `__snapshots__/` were reviewed as images (Chinese columns lined up); `pytest
--snapshot-update` rewrites them, and a changed SVG is looked at as a picture before it is committed.
"""
from __future__ import annotations

import pytest

from tests.tui.booking_support import TOMORROW, book_window, open_booking, open_schedule
from tests.tui.conftest import wait_for
from tests.tui.test_snapshots import snapshot_app

__all__ = ["snapshot_app"]  # the fixture, imported for pytest

SIZE = (110, 36)


async def _on_hospitals(pilot) -> None:
    from tests.tui.conftest import log_in

    await log_in(pilot)
    await open_booking(pilot)
    await pilot.press("down")
    await pilot.pause()


async def _on_schedule(pilot) -> None:
    from tests.tui.conftest import log_in

    await log_in(pilot)
    screen = await open_schedule(pilot, patient_presses=1)
    await pilot.press("down", "enter")  # the second session, into its windows
    await wait_for(pilot, lambda: pilot.app.focused is not None and pilot.app.focused.id == "windows")
    await pilot.press("down")
    assert screen.schedule is not None
    await pilot.pause()


async def _on_confirmation(pilot) -> None:
    from zheliban_tui.screens.booking_confirm import BookingConfirmScreen

    await _on_schedule(pilot)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, BookingConfirmScreen))
    screen = pilot.app.screen
    await wait_for(pilot, lambda: screen.deadline_passed is not None)
    await pilot.pause()


async def _on_appointments(pilot) -> None:
    from tests.tui.conftest import log_in
    from zheliban_tui.screens.appointments import AppointmentsScreen

    await log_in(pilot)
    api = pilot.app.api
    for department, patient in (("H01D02", None), ("H02D01", "C0007")):
        schedule = await api.schedule(department, TOMORROW)
        session = next(s for d in schedule.doctors for s in d.sessions if not s.full)
        await book_window(api, session.windows[0].id, patient)
    full = next(s for d in (await api.schedule("H01D01", TOMORROW)).doctors for s in d.sessions if s.full)
    await api.join_waitlist(full.id)
    await pilot.press("6")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, AppointmentsScreen))
    screen = pilot.app.screen
    await wait_for(pilot, lambda: screen.appointments is not None)
    await pilot.pause()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_hospitals(snap_compare, snapshot_app, language):
    assert snap_compare(snapshot_app(language), terminal_size=SIZE, run_before=_on_hospitals)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_schedule(snap_compare, snapshot_app, language):
    assert snap_compare(snapshot_app(language), terminal_size=SIZE, run_before=_on_schedule)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_confirmation(snap_compare, snapshot_app, language):
    assert snap_compare(snapshot_app(language), terminal_size=SIZE, run_before=_on_confirmation)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_my_appointments(snap_compare, snapshot_app, language):
    assert snap_compare(snapshot_app(language), terminal_size=SIZE, run_before=_on_appointments)
