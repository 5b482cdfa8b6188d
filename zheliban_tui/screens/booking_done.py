"""预约挂号, the end: the booking made, with its booking number, queue number, check-in time and place."""
from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from ..booking_format import day_words, doctor_title, patient_text, period_text, span, when_words
from ..i18n import t
from ..money import yuan
from ..widgets.brand_bar import BrandBar
from ..widgets.localized_footer import LocalizedFooter
from .base import AppScreen


class BookingDoneScreen(AppScreen):
    BINDINGS = [
        Binding("escape", "finish", "booking.key_done", id="done"),
        Binding("a", "appointments", "booking.key_my_appointments", id="my-appointments"),
    ]

    def __init__(self, appointment) -> None:
        super().__init__()
        self.appointment = appointment

    def compose(self) -> ComposeResult:
        a = self.appointment
        yield BrandBar("booking.done_title", demo=self.zapp.demo is not None)
        with VerticalScroll(id="done-page"):
            with Vertical(id="done-panel", classes="panel"):
                yield Static(t("booking.done_heading"), id="done-heading", classes="panel-title")
                yield Static(self._numbers(), id="done-numbers")
                yield Static(self._details(), id="done-details")
                yield Static(t("booking.done_cancel", deadline=when_words(a.cancel_deadline)), id="done-cancel",
                             classes="hint")
                with Horizontal(classes="buttons"):
                    yield Button(t("booking.my_appointments"), id="done-appointments")
                    yield Button(t("booking.done"), id="done-finish", variant="primary")
        yield LocalizedFooter()

    def _numbers(self) -> Table:
        a = self.appointment
        grid = Table.grid(padding=(0, 3))
        grid.add_column(no_wrap=True)
        grid.add_column(no_wrap=True)
        grid.add_row(Text(t("booking.booking_number"), style="dim"), Text(t("booking.queue_number"), style="dim"))
        grid.add_row(Text(a.booking_number, style="bold"),
                     Text(t("booking.queue_value", number=a.queue_number), style="bold"))
        return grid

    def _details(self) -> Table:
        a = self.appointment
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column()
        rows = [
            ("booking.checkin", Text(t("booking.checkin_by", time=when_words(a.checkin_at), place=a.checkin_place),
                                     style="bold")),
            ("booking.patient", patient_text(a.patient.name, a.patient.relation)),
            ("booking.hospital", a.hospital.name),
            ("booking.department", a.department.name),
            ("booking.doctor", f"{a.doctor.name}  {doctor_title(a.doctor.title)}"),
            ("booking.visit_time", f"{day_words(a.date)} {period_text(a.period)} {span(a.starts_at, a.ends_at)}"),
            ("booking.fee", t("common.yuan", amount=yuan(a.fee_fen))),
        ]
        for key, value in rows:
            grid.add_row(t(key), value)
        return grid

    def on_mount(self) -> None:
        self.query_one("#done-finish", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "done-appointments":
            self.action_appointments()
        elif event.button.id == "done-finish":
            self.action_finish()

    def _back_home(self) -> None:
        from .home import HomeScreen

        while len(self.app.screen_stack) > 1 and not isinstance(self.app.screen_stack[-1], HomeScreen):
            self.app.pop_screen()

    def action_finish(self) -> None:
        self._back_home()

    def action_appointments(self) -> None:
        self._back_home()
        self.zapp.open_service("appointments")
