"""我的预约: upcoming and past appointments (for oneself and family) and the waitlist (候补) with its
positions. An upcoming appointment can be cancelled after a confirmation; one past its cancel deadline
is refused with the reason (said at once when the list already knows it, else by the backend). A
waitlist entry can be left. A promotion from the waitlist shows here as an appointment marked 候补 and
arrives as a message.
"""
from __future__ import annotations

import asyncio
from typing import Callable

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static, Tab, Tabs

from ..booking_format import (booking_error, clock, day_words, doctor_title, patient_text, period_text, span,
                              status_text, table_day, waitlist_status_text, when_words)
from ..i18n import error_text, t
from ..money import yuan
from ..widgets.brand_bar import BrandBar
from ..widgets.error_banner import ErrorBanner
from ..widgets.localized_footer import LocalizedFooter
from .base import AppScreen

LISTS = ("upcoming", "past", "waitlist")

APPOINTMENT_COLUMNS = (("date", "appointments.col_date"), ("time", "appointments.col_time"),
                       ("hospital", "appointments.col_hospital"), ("department", "appointments.col_department"),
                       ("doctor", "appointments.col_doctor"), ("patient", "appointments.col_patient"),
                       ("status", "appointments.col_status"))
WAITLIST_COLUMNS = (("date", "appointments.col_date"), ("time", "appointments.col_period"),
                    ("hospital", "appointments.col_hospital"), ("department", "appointments.col_department"),
                    ("doctor", "appointments.col_doctor"), ("patient", "appointments.col_patient"),
                    ("status", "appointments.col_status"))

STATUS_STYLE = {"booked": "bold green", "cancelled": "dim", "attended": "", "no_show": "bold red",
                "waiting": "bold yellow", "promoted": "bold green"}


class AppointmentsScreen(AppScreen):
    BINDINGS = [
        Binding("escape", "back", "key.back", id="back"),
        Binding("s", "next_list", "appointments.key_switch", id="switch"),
        Binding("c", "cancel", "appointments.key_cancel", id="cancel"),
        Binding("d", "leave", "appointments.key_leave", id="leave"),
        Binding("b", "book", "appointments.key_book", id="book"),
        Binding("r", "reload", "key.refresh", id="refresh"),
    ]

    def __init__(self, initial: str = "upcoming") -> None:
        super().__init__()
        self.list_name = initial if initial in LISTS else "upcoming"
        self.appointments: list | None = None
        self.waitlist: list | None = None
        self.cursor: dict[str, str | None] = {name: None for name in LISTS}
        self.message: Callable[[], str] | None = None  # the message line, in the current language
        self.message_is_error = False

    # ---- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield BrandBar("appointments.title", demo=self.zapp.demo is not None)
        yield Tabs(*(Tab(self._tab_label(name), id=f"list-{name}") for name in LISTS), id="appointment-tabs")
        with Vertical(id="appointments-page", classes="booking-page"):
            yield ErrorBanner(id="appointments-error")
            yield Static("", id="appointments-message")
            yield DataTable(id="appointments", cursor_type="row", zebra_stripes=True, classes="booking-table")
            yield Static("", id="appointment-detail", classes="panel")
        yield LocalizedFooter()

    def _tab_label(self, name: str) -> str:
        items = self._items(name)
        label = t(f"appointments.list_{name}")
        return label if items is None else f"{label} ({len(items)})"

    def on_mount(self) -> None:
        self._paint()
        self.query_one("#appointments", DataTable).focus()
        self.load()

    def after_recompose(self) -> None:
        self._paint()

    def on_screen_resume(self) -> None:
        if self.appointments is not None:
            self.load()  # e.g. back from a booking made meanwhile

    # ---- data --------------------------------------------------------------------------------
    def _items(self, name: str | None = None) -> list | None:
        name = name or self.list_name
        if name == "waitlist":
            return self.waitlist
        if self.appointments is None:
            return None
        if name == "upcoming":
            return [a for a in self.appointments if a.status == "booked"]
        return [a for a in self.appointments if a.status != "booked"]

    def _highlighted(self):
        items = self._items()
        if not items:
            return None
        row = self.query_one("#appointments", DataTable).cursor_row
        return items[row] if 0 <= row < len(items) else None

    # ---- painting ----------------------------------------------------------------------------
    def _paint(self) -> None:
        tabs = self.query_one("#appointment-tabs", Tabs)
        tabs.active = f"list-{self.list_name}"
        for name in LISTS:
            tab = tabs.query_one(f"#list-{name}", Tab)
            tab.label = self._tab_label(name)
        self._paint_message()
        self._fill_table()

    def _paint_message(self) -> None:
        widget = self.query_one("#appointments-message", Static)
        text = self.message() if self.message is not None else ""
        widget.update(text)
        widget.display = bool(text)
        widget.set_class(self.message_is_error, "error-text")
        widget.set_class(not self.message_is_error, "notice")

    def _say(self, words: Callable[[], str] | None, *, error: bool = False) -> None:
        """Say something on the message line; `words()` gives it in the current language (again after a
        language switch); None clears it."""
        self.message = words
        self.message_is_error = error
        self._paint_message()

    def _fill_table(self) -> None:
        table = self.query_one("#appointments", DataTable)
        table.clear(columns=True)
        waitlist = self.list_name == "waitlist"
        for key, label in (WAITLIST_COLUMNS if waitlist else APPOINTMENT_COLUMNS):
            table.add_column(t(label), key=key)
        items = self._items()
        table.loading = items is None
        if items is None:
            self._show_detail()
            return
        for item in items:
            table.add_row(*(self._waitlist_row(item) if waitlist else self._appointment_row(item)), key=item.id)
        ids = [item.id for item in items]
        wanted = self.cursor.get(self.list_name)
        if wanted in ids:
            table.move_cursor(row=ids.index(wanted), animate=False)
        self._show_detail()

    def _appointment_row(self, a) -> tuple:
        status = Text(status_text(a.status), style=STATUS_STYLE.get(a.status, ""))
        if a.from_waitlist:
            status.append(f" {t('appointments.from_waitlist')}", style="dim")
        return (table_day(a.date), f"{period_text(a.period)} {span(a.starts_at, a.ends_at)}", a.hospital.name,
                a.department.name, a.doctor.name, patient_text(a.patient.name, a.patient.relation), status)

    def _waitlist_row(self, e) -> tuple:
        status = Text(waitlist_status_text(e.status), style=STATUS_STYLE.get(e.status, ""))
        if e.status == "waiting" and e.position is not None:
            status.append(f" {t('appointments.position', position=e.position)}")
        return (table_day(e.date), period_text(e.period), e.hospital.name, e.department.name, e.doctor.name,
                patient_text(e.patient.name, e.patient.relation), status)

    def _show_detail(self) -> None:
        detail = self.query_one("#appointment-detail", Static)
        item = self._highlighted()
        items = self._items()
        if item is None:
            detail.update(t("common.loading") if items is None else t(f"appointments.empty_{self.list_name}"))
            return
        detail.update(self._waitlist_detail(item) if self.list_name == "waitlist" else self._appointment_detail(item))

    def _appointment_detail(self, a) -> Table:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column()
        numbers = Text.assemble((a.booking_number, "bold"), "   ",
                                (t("booking.queue_value", number=a.queue_number), "bold"))
        grid.add_row(t("booking.booking_number"), numbers)
        grid.add_row(t("booking.visit_time"),
                     f"{day_words(a.date)} {period_text(a.period)} {span(a.starts_at, a.ends_at)}")
        grid.add_row(t("booking.doctor"), f"{a.doctor.name}  {doctor_title(a.doctor.title)}")
        if a.status == "booked":
            grid.add_row(t("booking.checkin"), t("booking.checkin_by", time=when_words(a.checkin_at),
                                                  place=a.checkin_place))
        grid.add_row(t("booking.fee"), t("common.yuan", amount=yuan(a.fee_fen)))
        if a.status == "booked":
            deadline = when_words(a.cancel_deadline)
            grid.add_row(t("appointments.cancel_rule"),
                         t("appointments.cancel_until", deadline=deadline) if a.cancellable
                         else Text(t("appointments.cancel_closed", deadline=deadline), style="bold red"))
        elif a.status == "cancelled" and a.cancelled_at is not None:
            grid.add_row(t("appointments.cancelled_at"), when_words(a.cancelled_at))
        return grid

    def _waitlist_detail(self, e) -> Table:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column()
        grid.add_row(t("booking.visit_time"), f"{day_words(e.date)} {period_text(e.period)}")
        grid.add_row(t("booking.doctor"), f"{e.doctor.name}  {doctor_title(e.doctor.title)}")
        if e.status == "waiting":
            grid.add_row(t("appointments.position_label"),
                         Text(t("appointments.position", position=e.position or 1), style="bold"))
            grid.add_row("", t("appointments.waitlist_hint"))
        elif e.status == "promoted":
            grid.add_row(t("appointments.col_status"), t("appointments.promoted_hint"))
        grid.add_row(t("appointments.joined_at"), f"{table_day(e.created_at.date())} {clock(e.created_at)}")
        return grid

    # ---- loading -----------------------------------------------------------------------------
    @work(exclusive=True, group="appointments", exit_on_error=False)
    async def load(self) -> None:
        from ..api import ApiError

        self.query_one("#appointments", DataTable).loading = self._items() is None
        try:
            appointments, waitlist = await asyncio.gather(self.zapp.api.appointments("all"),
                                                          self.zapp.api.waitlist())
        except ApiError as err:
            self.query_one("#appointments", DataTable).loading = False
            if not self.session_ended(err):
                self.query_one("#appointments-error", ErrorBanner).show(booking_error(err))
            return
        self.query_one("#appointments-error", ErrorBanner).hide()
        first = self.appointments is None
        self.appointments = list(appointments)
        self.waitlist = list(waitlist)
        self._paint()
        if first:  # the table could not take the focus while it was loading
            self.query_one("#appointments", DataTable).focus()

    @on(ErrorBanner.Retry, "#appointments-error")
    def _retry(self) -> None:
        self.load()

    # ---- events ------------------------------------------------------------------------------
    @on(Tabs.TabActivated, "#appointment-tabs")
    def _list_changed(self, event: Tabs.TabActivated) -> None:
        if event.tab is None or event.tab.id is None:
            return
        name = event.tab.id.removeprefix("list-")
        if name != self.list_name and name in LISTS:
            self.list_name = name
            self._fill_table()

    @on(DataTable.RowHighlighted, "#appointments")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.cursor[self.list_name] = event.row_key.value if event.row_key else None
        self._show_detail()

    # ---- actions -----------------------------------------------------------------------------
    def action_back(self) -> None:
        self.dismiss()

    def action_next_list(self) -> None:
        name = LISTS[(LISTS.index(self.list_name) + 1) % len(LISTS)]
        self.query_one("#appointment-tabs", Tabs).active = f"list-{name}"

    def action_reload(self) -> None:
        self._say(None)
        self.load()

    def action_book(self) -> None:
        self.zapp.open_service("booking")

    def action_cancel(self) -> None:
        item = self._highlighted()
        if self.list_name != "upcoming" or item is None:
            self._say(lambda: t("appointments.cancel_pick"), error=True)
            return
        if not item.cancellable:
            # The list already knows: the backend would refuse with the same reason.
            self._say(lambda: error_text("CANCEL_DEADLINE_PASSED", deadline=when_words(item.cancel_deadline)),
                      error=True)
            return
        from .confirm_dialog import ConfirmDialog

        body = t("appointments.cancel_body", visit=f"{day_words(item.date)} {period_text(item.period)} "
                                                    f"{span(item.starts_at, item.ends_at)}",
                 hospital=item.hospital.name, department=item.department.name, doctor=item.doctor.name,
                 patient=patient_text(item.patient.name, item.patient.relation), number=item.booking_number)

        def answered(yes: bool | None) -> None:
            if yes:
                self.cancel_appointment(item)

        self.app.push_screen(ConfirmDialog(t("appointments.cancel_title"), body, yes=t("appointments.cancel_yes"),
                                           no=t("appointments.cancel_no")), answered)

    @work(exclusive=True, group="cancel", exit_on_error=False)
    async def cancel_appointment(self, item) -> None:
        from ..api import ApiError

        self._say(lambda: t("appointments.cancelling"))
        try:
            cancelled = await self.zapp.api.cancel_appointment(item.id)
        except ApiError as err:
            if self.session_ended(err):
                return
            self._say(lambda err=err: booking_error(err), error=True)
            self.load()  # what the backend knows now (cancellable, status)
            return
        self._say(lambda: t("appointments.cancelled", number=cancelled.booking_number))
        self.notify(t("appointments.cancelled", number=cancelled.booking_number))
        self.load()

    def action_leave(self) -> None:
        item = self._highlighted()
        if self.list_name != "waitlist" or item is None or item.status != "waiting":
            self._say(lambda: t("appointments.leave_pick"), error=True)
            return
        from .confirm_dialog import ConfirmDialog

        body = t("appointments.leave_body", visit=f"{day_words(item.date)} {period_text(item.period)}",
                 doctor=item.doctor.name, patient=patient_text(item.patient.name, item.patient.relation),
                 position=item.position or 1)

        def answered(yes: bool | None) -> None:
            if yes:
                self.leave_waitlist(item)

        self.app.push_screen(ConfirmDialog(t("appointments.leave_title"), body, yes=t("appointments.leave_yes"),
                                           no=t("appointments.cancel_no")), answered)

    @work(exclusive=True, group="leave", exit_on_error=False)
    async def leave_waitlist(self, item) -> None:
        from ..api import ApiError

        try:
            await self.zapp.api.leave_waitlist(item.id)
        except ApiError as err:
            if self.session_ended(err):
                return
            self._say(lambda err=err: booking_error(err), error=True)
            self.load()
            return
        self._say(lambda: t("appointments.left"))
        self.load()
