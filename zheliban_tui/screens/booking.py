"""预约挂号, first step: who the visit is for (oneself or a family member) and which hospital.

The hospital list is searched as one types (name, short name or district), a short pause after the last
key; a stale answer (for text since changed) is dropped. Enter on a hospital opens its departments.
"""
from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static, Tab, Tabs

from ..booking_format import Patient, booking_error, patient_text, patients_of
from ..i18n import t
from ..widgets.brand_bar import BrandBar
from ..widgets.error_banner import ErrorBanner
from ..widgets.localized_footer import LocalizedFooter
from ..widgets.pick_table import PickTable
from .base import AppScreen

SEARCH_PAUSE_S = 0.3
"""Seconds after the last key before the hospitals are searched."""

MIN_REALNAME_LEVEL = 2
"""Booking needs a basic verified real name (the backend refuses lower levels)."""


class BookingScreen(AppScreen):
    BINDINGS = [
        Binding("escape", "back", "key.back", id="back"),
        Binding("enter", "choose", "booking.key_choose", show=False),
        Binding("p", "next_patient", "booking.key_patient", id="patient"),
        Binding("slash", "search", "booking.key_search", id="search"),
        Binding("r", "reload", "key.refresh", id="refresh"),
        Binding("down", "to_list", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.patients: list[Patient] = patients_of(self.zapp.me)
        self.patient_index = 0
        self.hospitals: list | None = None
        self.query_text = ""
        self.cursor_id: str | None = None
        self._search_timer: Timer | None = None

    @property
    def patient(self) -> Patient | None:
        return self.patients[self.patient_index] if self.patients else None

    # ---- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield BrandBar("booking.title", demo=self.zapp.demo is not None)
        with Vertical(id="booking-page", classes="booking-page"):
            yield Static(t("booking.step_patient"), classes="section-title")
            yield Tabs(*(Tab(patient_text(p.name, p.relation), id=f"patient-{i}")
                         for i, p in enumerate(self.patients)), id="patient-tabs")
            yield Static("", id="booking-level", classes="notice")
            yield Static(t("booking.step_hospital"), classes="section-title")
            yield Input(placeholder=t("booking.search_placeholder"), id="hospital-search", max_length=50)
            yield ErrorBanner(id="hospitals-error")
            yield PickTable(id="hospitals", zebra_stripes=True, classes="booking-table")
            yield Static("", id="hospital-detail", classes="hint")
        yield LocalizedFooter()

    def on_mount(self) -> None:
        self._paint()
        self.query_one("#hospitals", DataTable).focus()
        self.load_hospitals(self.query_text)

    def after_recompose(self) -> None:
        self._paint()

    def _paint(self) -> None:
        tabs = self.query_one("#patient-tabs", Tabs)
        if self.patients:
            tabs.active = f"patient-{self.patient_index}"
        level = self.zapp.me.realname_level if self.zapp.me else 0
        notice = self.query_one("#booking-level", Static)
        notice.display = level < MIN_REALNAME_LEVEL
        notice.update(t("booking.level_too_low") if level < MIN_REALNAME_LEVEL else "")
        self._fill_table()

    def _fill_table(self) -> None:
        table = self.query_one("#hospitals", DataTable)
        table.clear(columns=True)
        table.add_column(t("booking.col_hospital"), key="name")
        table.add_column(t("booking.col_level"), key="level")
        table.add_column(t("booking.col_district"), key="district")
        table.add_column(t("booking.col_departments"), key="departments")
        hospitals = self.hospitals or []
        for h in hospitals:
            table.add_row(h.name, h.level, h.district, Text(str(h.department_count), justify="right"), key=h.id)
        table.loading = self.hospitals is None
        if self.hospitals is not None and not hospitals:
            self.query_one("#hospital-detail", Static).update(t("booking.no_hospitals", q=self.query_text))
            return
        ids = [h.id for h in hospitals]
        if self.cursor_id in ids:
            table.move_cursor(row=ids.index(self.cursor_id), animate=False)
        self._show_detail()

    def _highlighted(self):
        table = self.query_one("#hospitals", DataTable)
        if not self.hospitals or not table.row_count:
            return None
        row = table.cursor_row
        return self.hospitals[row] if 0 <= row < len(self.hospitals) else None

    def _show_detail(self) -> None:
        hospital = self._highlighted()
        detail = self.query_one("#hospital-detail", Static)
        if hospital is None:
            detail.update("")
            return
        detail.update(t("booking.hospital_detail", address=hospital.address, phone=hospital.phone))

    # ---- loading -----------------------------------------------------------------------------
    @work(exclusive=True, group="hospitals", exit_on_error=False)
    async def load_hospitals(self, text: str) -> None:
        from ..api import ApiError

        self.query_one("#hospitals", DataTable).loading = True
        try:
            hospitals = await self.zapp.api.hospitals(text or None)
        except ApiError as err:
            if text != self.query_text:
                return  # typed on meanwhile: the newer search reports for itself
            self.query_one("#hospitals", DataTable).loading = False
            if not self.session_ended(err):
                self.query_one("#hospitals-error", ErrorBanner).show(booking_error(err))
            return
        if text != self.query_text:
            return  # a stale answer
        self.query_one("#hospitals-error", ErrorBanner).hide()
        first = self.hospitals is None
        self.hospitals = list(hospitals)
        self._fill_table()
        if first and not isinstance(self.focused, Input):  # a loading table cannot take the focus
            self.query_one("#hospitals", DataTable).focus()

    @on(Input.Changed, "#hospital-search")
    def _search_changed(self, event: Input.Changed) -> None:
        text = event.value.strip()
        if text == self.query_text:
            return
        self.query_text = text
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_PAUSE_S, lambda: self.load_hospitals(text))

    @on(Input.Submitted, "#hospital-search")
    def _search_submitted(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self.load_hospitals(self.query_text)
        self.query_one("#hospitals", DataTable).focus()

    @on(ErrorBanner.Retry, "#hospitals-error")
    def _retry(self) -> None:
        self.load_hospitals(self.query_text)

    # ---- events ------------------------------------------------------------------------------
    @on(Tabs.TabActivated, "#patient-tabs")
    def _patient_changed(self, event: Tabs.TabActivated) -> None:
        if event.tab is not None and event.tab.id:
            self.patient_index = int(event.tab.id.removeprefix("patient-"))

    @on(DataTable.RowHighlighted, "#hospitals")
    def _highlighted_changed(self, event: DataTable.RowHighlighted) -> None:
        self.cursor_id = event.row_key.value if event.row_key else None
        self._show_detail()

    @on(DataTable.RowSelected, "#hospitals")
    def _selected(self) -> None:
        self.action_choose()

    # ---- actions -----------------------------------------------------------------------------
    def action_back(self) -> None:
        self.dismiss()

    def action_choose(self) -> None:
        if self.focused is self.query_one("#hospital-search", Input):
            self._search_submitted()
            return
        hospital = self._highlighted()
        if hospital is None or self.patient is None:
            return
        from .departments import DepartmentsScreen

        self.app.push_screen(DepartmentsScreen(self.patient, hospital))

    def action_next_patient(self) -> None:
        if len(self.patients) > 1:
            self.patient_index = (self.patient_index + 1) % len(self.patients)
            self.query_one("#patient-tabs", Tabs).active = f"patient-{self.patient_index}"

    def action_search(self) -> None:
        self.query_one("#hospital-search", Input).focus()

    def action_to_list(self) -> None:
        self.query_one("#hospitals", DataTable).focus()

    def action_reload(self) -> None:
        self.query_one("#hospitals-error", ErrorBanner).hide()
        self.load_hospitals(self.query_text)
