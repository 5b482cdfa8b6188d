"""预约挂号, third step: a department's 7-day date strip, its doctors' sessions that day, and the
30-minute windows of the highlighted session.

The sessions (one row per doctor and half day: title, specialty, fee, places left) and the windows are
two `VirtualTable`s: only the rows in view are painted, each once, so a day with thousands of windows
costs no more to show than a short one, and moving the cursor repaints two lines and the small windows
table. The loading indicator shows only when an answer takes a while, so a quick one does not flicker.

Enter on a session goes to its windows (or, when the session is full, offers the waitlist); Enter on a
window opens the confirmation. A window taken by someone else meanwhile is said in words and
the schedule reloads itself. Every request runs in a worker; an answer for a day no longer shown is
dropped; a failure offers Retry and keeps the chosen day and rows.
"""
from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Static

from ..booking_format import (Patient, booking_error, day_words, doctor_title, patient_text, period_text, span,
                              when_words)
from ..i18n import t
from ..money import yuan
from ..widgets.brand_bar import BrandBar
from ..widgets.date_strip import DateStrip
from ..widgets.error_banner import ErrorBanner
from ..widgets.localized_footer import LocalizedFooter
from ..widgets.virtual_table import Column, VirtualTable
from .base import AppScreen

# Columns: label key, width in terminal cells (CJK characters take two), justification.
SESSION_COLUMNS = (("booking.col_doctor", 8, "left"), ("booking.col_title", 18, "left"),
                   ("booking.col_specialty", 16, "left"), ("booking.col_fee", 7, "right"),
                   ("booking.col_period", 4, "left"), ("booking.col_left", 14, "left"))
WINDOW_COLUMNS = (("booking.col_time", 11, "left"), ("booking.col_window_left", 7, "left"))

LOADING_DELAY_S = 0.15
"""A schedule that takes longer than this to arrive shows the loading indicator."""


class ScheduleScreen(AppScreen):
    BINDINGS = [
        Binding("escape", "back", "key.back", id="back"),
        Binding("enter", "choose", "booking.key_choose", show=False),
        Binding("left_square_bracket", "day(-1)", "booking.key_prev_day", id="prev-day"),
        Binding("right_square_bracket", "day(1)", "booking.key_next_day", id="next-day"),
        Binding("w", "waitlist", "booking.key_waitlist", id="waitlist"),
        Binding("r", "reload", "key.refresh", id="refresh"),
    ]

    def __init__(self, patient: Patient, hospital, department) -> None:
        super().__init__()
        self.patient = patient
        self.hospital = hospital
        self.department = department
        self.strip = None                 # DateStrip model: the 7 days
        self.day_index = 0
        self.schedule = None              # Schedule of the chosen day, once it arrived
        self.rows: list[tuple] = []       # (DoctorSchedule, ClinicSession) in the table's order
        self.session_id: str | None = None
        self.window_id: str | None = None
        self.notice: Callable[[], str] | None = None  # what the notice line says, in the current language
        self.failed: str | None = None    # "dates" | "schedule": what Retry loads again
        self._loading_timer: Timer | None = None

    # ---- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield BrandBar("booking.title", demo=self.zapp.demo is not None)
        with Vertical(id="schedule-page", classes="booking-page"):
            yield Static(self._context_line(), id="schedule-context", classes="booking-context")
            yield DateStrip(id="date-strip")
            yield ErrorBanner(id="schedule-error")
            yield Static("", id="schedule-notice", classes="notice")
            with Horizontal(id="schedule-body"):
                yield VirtualTable(id="sessions", classes="booking-table")
                with Vertical(id="windows-panel"):
                    yield Static("", id="windows-title", classes="windows-title")
                    yield VirtualTable(id="windows", classes="booking-table")
            yield Static(t("booking.schedule_hint"), id="schedule-hint", classes="hint")
        yield LocalizedFooter()

    def _context_line(self) -> Text:
        return Text.assemble((t("booking.patient"), "dim"), " ", patient_text(self.patient.name, self.patient.relation),
                             "   ", (t("booking.hospital"), "dim"), " ", self.hospital.name,
                             "   ", (t("booking.department"), "dim"), " ",
                             t("booking.department_at", name=self.department.name, location=self.department.location)
                             if self.department.location else self.department.name)

    def on_mount(self) -> None:
        self._setup_tables()
        self._paint()
        self.query_one("#sessions", VirtualTable).focus()
        self.load_dates()

    def after_recompose(self) -> None:
        self._setup_tables()
        self._paint()

    def _setup_tables(self) -> None:
        self.query_one("#sessions", VirtualTable).set_columns(
            Column(t(label), width, justify) for label, width, justify in SESSION_COLUMNS)
        self.query_one("#windows", VirtualTable).set_columns(
            Column(t(label), width, justify) for label, width, justify in WINDOW_COLUMNS)

    # ---- painting ----------------------------------------------------------------------------
    @property
    def day(self):
        if self.strip is None or not self.strip.days:
            return None
        return self.strip.days[self.day_index]

    def _paint(self) -> None:
        strip = self.query_one("#date-strip", DateStrip)
        if self.strip is not None:
            strip.set_days(self.strip.days, self.day_index)
        self._paint_notice()
        self._fill_sessions()

    def _paint_notice(self) -> None:
        notice = self.query_one("#schedule-notice", Static)
        text = self.notice() if self.notice is not None else self._day_notice()
        notice.update(text)
        notice.display = bool(text)

    def _day_notice(self) -> str:
        schedule = self.schedule
        if schedule is None:
            return ""
        if not schedule.released:
            return t("booking.not_released", day=day_words(schedule.date), opens=when_words(schedule.opens_at))
        if not schedule.doctors:
            return t("booking.no_sessions", day=day_words(schedule.date))
        return ""

    def _fill_sessions(self) -> None:
        """Put the day's sessions in the table (rows are painted when they come into view)."""
        table = self.query_one("#sessions", VirtualTable)
        schedule = self.schedule
        self._set_loading(schedule is None and self.failed is None)
        self.rows = []
        if schedule is None:
            table.set_rows([])
            self._fill_windows()
            return
        rows = []
        cursor = None
        for doctor_schedule in schedule.doctors:
            doctor = doctor_schedule.doctor
            for n, session in enumerate(doctor_schedule.sessions):
                if session.id == self.session_id:
                    cursor = len(rows)
                elif cursor is None and self.session_id is None and not session.full:
                    cursor = len(rows)  # at first, the first session with places
                first = n == 0
                rows.append((
                    doctor.name if first else "",
                    doctor_title(doctor.title) if first else "",
                    doctor.specialty if first else "",
                    yuan(doctor.fee_fen) if first else "",
                    period_text(session.period),
                    self._session_left(session),
                ))
                self.rows.append((doctor_schedule, session))
        cursor = cursor or 0
        table.set_rows(rows, cursor)
        self.session_id = self.rows[cursor][1].id if self.rows else None
        self._fill_windows()

    def _set_loading(self, loading: bool) -> None:
        """The loading indicator, shown only once an answer is slow to come."""
        if self._loading_timer is not None:
            self._loading_timer.stop()
            self._loading_timer = None
        table = self.query_one("#sessions", VirtualTable)
        if not loading:
            table.loading = False
        elif not table.loading:
            self._loading_timer = self.set_timer(LOADING_DELAY_S, lambda: setattr(table, "loading", True))

    @staticmethod
    def _session_left(session) -> Text:
        if session.full:
            return Text(t("booking.session_full", waiting=session.waiting), style="bold red")
        return Text(t("booking.session_left", remaining=session.remaining, total=session.total))

    def _current(self) -> tuple | None:
        if not self.rows:
            return None
        for row in self.rows:
            if row[1].id == self.session_id:
                return row
        return self.rows[0]

    def _fill_windows(self) -> None:
        table = self.query_one("#windows", VirtualTable)
        title = self.query_one("#windows-title", Static)
        current = self._current()
        # The title keeps its one line: no layout pass for it while moving through the sessions.
        if current is None:
            title.update(t("booking.windows") if self.schedule is None else "", layout=False)
            table.set_rows([])
            return
        doctor_schedule, session = current
        title.update(Text.assemble((doctor_schedule.doctor.name, "bold"), " ", period_text(session.period),
                                   "  ", self._session_left(session), no_wrap=True, overflow="crop"),
                     layout=False)
        windows = session.windows
        ids = [w.id for w in windows]
        if self.window_id in ids:
            cursor = ids.index(self.window_id)
        else:  # the first window with a place, else the first
            cursor = next((i for i, w in enumerate(windows) if w.remaining > 0), 0)
        table.set_rows([(span(w.starts_at, w.ends_at),
                         t("booking.window_left", remaining=w.remaining) if w.remaining > 0
                         else Text(t("booking.window_full"), style="red")) for w in windows], cursor)

    def _window(self):
        current = self._current()
        if current is None:
            return None
        table = self.query_one("#windows", VirtualTable)
        windows = current[1].windows
        row = table.cursor_row
        return windows[row] if 0 <= row < len(windows) else None

    def _say(self, words: Callable[[], str]) -> None:
        """Say something on the notice line; `words()` gives it in the current language (again after a
        language switch)."""
        self.notice = words
        self._paint_notice()

    # ---- loading -----------------------------------------------------------------------------
    @work(exclusive=True, group="dates", exit_on_error=False)
    async def load_dates(self) -> None:
        from ..api import ApiError

        try:
            strip = await self.zapp.api.department_dates(self.department.id)
        except ApiError as err:
            self._failed("dates", err)
            return
        chosen = self.day.date if self.day is not None else None
        self.strip = strip
        days = [d.date for d in strip.days]
        if chosen in days:
            self.day_index = days.index(chosen)
        else:  # the first day with places, else the first day
            self.day_index = next((i for i, d in enumerate(strip.days) if d.bookable), 0)
        self.query_one("#date-strip", DateStrip).set_days(strip.days, self.day_index)
        self.load_schedule(strip.days[self.day_index].date)

    @work(exclusive=True, group="schedule", exit_on_error=False)
    async def load_schedule(self, day) -> None:
        from ..api import ApiError

        self._set_loading(True)
        try:
            schedule = await self.zapp.api.schedule(self.department.id, day)
        except ApiError as err:
            if self.day is None or self.day.date == day:
                self._failed("schedule", err)
            return
        if self.day is None or self.day.date != day:
            return  # another day was chosen meanwhile
        self.failed = None
        self.query_one("#schedule-error", ErrorBanner).hide()
        self.schedule = schedule
        self._paint_notice()
        self._fill_sessions()
        if self.focused is None:  # a loading table cannot take the focus
            self.query_one("#sessions", VirtualTable).focus()

    def _failed(self, what: str, err) -> None:
        self._set_loading(False)
        if self.session_ended(err):
            return
        self.failed = what
        self.query_one("#schedule-error", ErrorBanner).show(booking_error(err))

    @on(ErrorBanner.Retry, "#schedule-error")
    def _retry(self) -> None:
        failed, self.failed = self.failed, None
        if failed == "dates" or self.day is None:
            self.load_dates()
        else:
            self.load_schedule(self.day.date)

    # ---- events ------------------------------------------------------------------------------
    @on(DateStrip.Changed, "#date-strip")
    def _day_changed(self, event: DateStrip.Changed) -> None:
        self._go_to_day(event.index)

    def _go_to_day(self, index: int) -> None:
        if self.strip is None or (index == self.day_index and self.schedule is not None):
            return
        self.day_index = index
        self.schedule = None
        self.session_id = self.window_id = None
        self.notice = None
        self.failed = None
        self.query_one("#schedule-error", ErrorBanner).hide()
        self._paint_notice()
        self._fill_sessions()
        self.load_schedule(self.strip.days[index].date)

    @on(VirtualTable.Highlighted, "#sessions")
    def _session_highlighted(self, event: VirtualTable.Highlighted) -> None:
        if not 0 <= event.row < len(self.rows):
            return
        session_id = self.rows[event.row][1].id
        if session_id != self.session_id:
            self.session_id = session_id
            self.window_id = None
            self._fill_windows()

    @on(VirtualTable.Highlighted, "#windows")
    def _window_highlighted(self) -> None:
        window = self._window()
        if window is not None:
            self.window_id = window.id

    @on(VirtualTable.Selected, "#sessions")
    def _session_selected(self) -> None:
        self._choose_session()

    @on(VirtualTable.Selected, "#windows")
    def _window_selected(self) -> None:
        self._choose_window()

    # ---- actions -----------------------------------------------------------------------------
    def action_back(self) -> None:
        if self.focused is self.query_one("#windows", VirtualTable):
            self.query_one("#sessions", VirtualTable).focus()
            return
        self.dismiss()

    def action_choose(self) -> None:
        if self.focused is self.query_one("#windows", VirtualTable):
            self._choose_window()
        else:
            self._choose_session()

    def action_day(self, step: int) -> None:
        if self.strip is not None:
            strip = self.query_one("#date-strip", DateStrip)
            strip.choose(self.day_index + step)

    def action_reload(self) -> None:
        self.notice = None
        self.query_one("#schedule-error", ErrorBanner).hide()
        self.failed = None
        self.load_dates()

    def _choose_session(self) -> None:
        current = self._current()
        if current is None:
            return
        _, session = current
        if session.full:
            self.action_waitlist()
            return
        self.query_one("#windows", VirtualTable).focus()

    def _choose_window(self) -> None:
        current = self._current()
        window = self._window()
        schedule = self.schedule
        if current is None or window is None or schedule is None:
            return
        if not schedule.bookable:
            self._say(lambda: self._day_notice() or t("booking.day_not_bookable"))
            return
        if window.remaining <= 0:
            self._say(lambda: t("booking.window_full_choose"))
            return
        doctor_schedule, session = current
        from .booking_confirm import BookingConfirmScreen, BookingOutcome

        def done(outcome: BookingOutcome | None) -> None:
            if outcome is None:
                return
            if outcome.appointment is not None:
                from .booking_done import BookingDoneScreen

                self.notice = None
                self.window_id = None
                self.load_dates()  # places left changed
                self.app.push_screen(BookingDoneScreen(outcome.appointment))
            elif outcome.taken is not None:
                session_full = bool(outcome.taken.extra.get("session_full"))
                self.window_id = None
                key = "booking.window_taken_session_full" if session_full else "booking.window_taken"
                self._say(lambda: t(key))
                self.load_dates()  # the list refreshes itself

        self.app.push_screen(BookingConfirmScreen(self.patient, self.hospital, self.department,
                                                  doctor_schedule.doctor, session, window, schedule.date), done)

    def action_waitlist(self) -> None:
        current = self._current()
        schedule = self.schedule
        if current is None or schedule is None:
            return
        doctor_schedule, session = current
        if not session.full:
            self._say(lambda: t("booking.waitlist_not_needed", remaining=session.remaining))
            return
        from .confirm_dialog import ConfirmDialog

        doctor = doctor_schedule.doctor
        body = t("booking.waitlist_body", patient=patient_text(self.patient.name, self.patient.relation),
                 doctor=doctor.name, title=doctor_title(doctor.title), day=day_words(schedule.date),
                 period=period_text(session.period), waiting=session.waiting)

        def answered(yes: bool | None) -> None:
            if yes:
                self.join_waitlist(session.id)

        self.app.push_screen(ConfirmDialog(t("booking.waitlist_title"), body, yes=t("booking.waitlist_join")),
                             answered)

    @work(exclusive=True, group="waitlist", exit_on_error=False)
    async def join_waitlist(self, session_id: str) -> None:
        from ..api import ApiError

        patient_id = None if self.patient.is_self else self.patient.id
        try:
            entry = await self.zapp.api.join_waitlist(session_id, patient_id)
        except ApiError as err:
            if not self.session_ended(err):
                self._say(lambda err=err: booking_error(err))
            return
        self._say(lambda: t("booking.waitlist_joined", position=entry.position or 1))
        self.notify(t("booking.waitlist_joined", position=entry.position or 1))
        if self.day is not None:
            self.load_schedule(self.day.date)  # the waiting count changed
