"""预约挂号, the confirmation: the visit in full and the rules that apply to it, then the booking.

The rules are stated before the citizen confirms: until when the booking can be cancelled (and when that
moment has already passed, that it cannot be cancelled online at all), what missed visits lead to, and
the daily limits. The booking keeps one idempotency key for the life of this screen, so a Retry after a
network failure can never book twice. A window someone else took meanwhile (SLOT_FULL) closes this
screen and the schedule says so and reloads itself; any other refusal is said here in words.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from ..booking_format import Patient, booking_error, day_words, doctor_title, patient_text, period_text, \
    retryable, span, when_words
from ..booking_policy import POLICY
from ..i18n import t
from ..money import yuan
from ..widgets.brand_bar import BrandBar
from ..widgets.error_banner import ErrorBanner
from ..widgets.localized_footer import LocalizedFooter
from .base import AppScreen


@dataclass(frozen=True)
class BookingOutcome:
    """How the confirmation ended: booked (`appointment`), or the window was taken (`taken`)."""

    appointment: object | None = None
    taken: object | None = None  # the SLOT_FULL ApiError


class BookingConfirmScreen(AppScreen):
    BINDINGS = [
        Binding("escape", "back", "booking.key_edit", id="back"),
        Binding("y", "confirm", "booking.key_confirm", id="confirm"),
        Binding("enter", "confirm", "booking.key_confirm", show=False),
    ]

    def __init__(self, patient: Patient, hospital, department, doctor, session, window, day: date) -> None:
        super().__init__()
        self.patient = patient
        self.hospital = hospital
        self.department = department
        self.doctor = doctor
        self.session = session
        self.window = window
        self.day = day
        from ..api import new_idempotency_key

        self.idempotency_key = new_idempotency_key()
        self.busy = False
        self.error = ""
        self.deadline_passed: bool | None = None  # known once the backend's clock has answered

    # ---- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield BrandBar("booking.confirm_title", demo=self.zapp.demo is not None)
        with VerticalScroll(id="confirm-page"):
            with Vertical(id="confirm-panel", classes="panel"):
                yield Static(t("booking.confirm_heading"), classes="panel-title")
                yield Static(self._visit(), id="confirm-visit")
                yield Static(t("booking.rules_heading"), classes="section-title")
                yield Static(self._rules(), id="confirm-rules", classes="rules")
                yield ErrorBanner(id="confirm-retry")
                yield Static(self.error, id="confirm-error", classes="error-text")
                with Horizontal(classes="buttons"):
                    yield Button(t("booking.edit"), id="confirm-back")
                    yield Button(self._confirm_label(), id="confirm-book", variant="primary", disabled=self.busy)
        yield LocalizedFooter()

    def _confirm_label(self) -> str:
        return t("booking.booking") if self.busy else t("booking.confirm")

    def _visit(self) -> Table:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column()
        checkin = self.window.starts_at - timedelta(minutes=POLICY.checkin_minutes_before)
        rows = [
            ("booking.patient", patient_text(self.patient.name, self.patient.relation)),
            ("booking.hospital", self.hospital.name),
            ("booking.department", t("booking.department_at", name=self.department.name,
                                     location=self.department.location)),
            ("booking.doctor", f"{self.doctor.name}  {doctor_title(self.doctor.title)}"),
            ("booking.visit_time", f"{day_words(self.day)} {period_text(self.session.period)} "
                                   f"{span(self.window.starts_at, self.window.ends_at)}"),
            ("booking.fee", t("common.yuan", amount=yuan(self.doctor.fee_fen))),
            ("booking.checkin", t("booking.checkin_by", time=when_words(checkin),
                                  place=f"{self.hospital.short_name} {self.department.location}")),
        ]
        for key, value in rows:
            grid.add_row(t(key), Text(value, style="bold") if key == "booking.visit_time" else value)
        return grid

    def _rules(self) -> Text:
        deadline = when_words(POLICY.cancel_deadline(self.day))
        cancel = (t("booking.rule_cancel_passed", deadline=deadline) if self.deadline_passed
                  else t("booking.rule_cancel", deadline=deadline))
        lines = [
            cancel,
            t("booking.rule_no_show", count=POLICY.no_show_limit, days=POLICY.no_show_window_days,
              ban_days=POLICY.no_show_ban_days),
            t("booking.rule_limits", per_department=POLICY.per_department_per_day, per_day=POLICY.per_day),
            t("booking.rule_bring"),
        ]
        text = Text()
        for i, line in enumerate(lines):
            if i:
                text.append("\n")
            text.append("• ")
            text.append(line, style="bold" if i == 0 and self.deadline_passed else "")
        return text

    def on_mount(self) -> None:
        self.after_recompose()
        self.query_one("#confirm-book", Button).focus()
        self.check_deadline()

    def after_recompose(self) -> None:
        self.query_one("#confirm-error", Static).display = bool(self.error)

    # ---- the backend's clock: has the cancel deadline passed already? --------------------------
    @work(exclusive=True, group="clock", exit_on_error=False)
    async def check_deadline(self) -> None:
        from ..api import ApiError

        try:
            clock = await self.zapp.api.server_clock()
        except ApiError:
            return  # the rule is stated anyway
        self.deadline_passed = clock.now >= POLICY.cancel_deadline(self.day)
        self.query_one("#confirm-rules", Static).update(self._rules())

    # ---- booking -----------------------------------------------------------------------------
    def action_confirm(self) -> None:
        if not self.busy:
            self.book()

    @on(Button.Pressed, "#confirm-book")
    def _book_pressed(self) -> None:
        self.action_confirm()

    @on(Button.Pressed, "#confirm-back")
    def action_back(self) -> None:
        if not self.busy:
            self.dismiss(None)

    @on(ErrorBanner.Retry, "#confirm-retry")
    def _retry(self) -> None:
        self.action_confirm()

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        button = self.query_one("#confirm-book", Button)
        button.label = self._confirm_label()
        button.disabled = busy

    def _set_error(self, text: str) -> None:
        self.error = text
        error = self.query_one("#confirm-error", Static)
        error.update(text)
        error.display = bool(text)

    @work(exclusive=True, group="book", exit_on_error=False)
    async def book(self) -> None:
        from ..api import ApiError

        self._set_busy(True)
        self._set_error("")
        self.query_one("#confirm-retry", ErrorBanner).hide()
        patient_id = None if self.patient.is_self else self.patient.id
        try:
            appointment = await self.zapp.api.book(self.window.id, idempotency_key=self.idempotency_key,
                                                   patient_id=patient_id)
        except ApiError as err:
            self._set_busy(False)
            if self.session_ended(err):
                return
            if err.code == "SLOT_FULL":
                self.dismiss(BookingOutcome(taken=err))
                return
            if retryable(err):
                self.query_one("#confirm-retry", ErrorBanner).show(booking_error(err))
                self.query_one("#confirm-retry", ErrorBanner).query_one(Button).focus()
            else:
                self._set_error(booking_error(err))
            return
        self._set_busy(False)
        self.dismiss(BookingOutcome(appointment=appointment))
