"""预约挂号, second step: the departments of the chosen hospital. Enter opens the department's schedule."""
from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from ..booking_format import Patient, booking_error, patient_text
from ..i18n import t
from ..widgets.brand_bar import BrandBar
from ..widgets.error_banner import ErrorBanner
from ..widgets.localized_footer import LocalizedFooter
from ..widgets.pick_table import PickTable
from .base import AppScreen


class DepartmentsScreen(AppScreen):
    BINDINGS = [
        Binding("escape", "back", "key.back", id="back"),
        Binding("enter", "choose", "booking.key_choose", show=False),
        Binding("r", "reload", "key.refresh", id="refresh"),
    ]

    def __init__(self, patient: Patient, hospital) -> None:
        super().__init__()
        self.patient = patient
        self.hospital = hospital
        self.departments: list | None = None
        self.cursor_id: str | None = None

    def compose(self) -> ComposeResult:
        yield BrandBar("booking.title", demo=self.zapp.demo is not None)
        with Vertical(id="departments-page", classes="booking-page"):
            yield Static(self._context_line(), id="departments-context", classes="booking-context")
            yield Static(t("booking.step_department"), classes="section-title")
            yield ErrorBanner(id="departments-error")
            yield PickTable(id="departments", zebra_stripes=True, classes="booking-table")
            yield Static("", id="department-detail", classes="hint")
        yield LocalizedFooter()

    def _context_line(self) -> Text:
        return Text.assemble((t("booking.patient"), "dim"), " ", patient_text(self.patient.name, self.patient.relation),
                             "   ", (t("booking.hospital"), "dim"), " ", self.hospital.name,
                             f"  {self.hospital.level}")

    def on_mount(self) -> None:
        self._fill_table()
        self.query_one("#departments", DataTable).focus()
        self.load_departments()

    def after_recompose(self) -> None:
        self._fill_table()

    def _fill_table(self) -> None:
        table = self.query_one("#departments", DataTable)
        table.clear(columns=True)
        table.add_column(t("booking.col_department"), key="name")
        table.add_column(t("booking.col_category"), key="category")
        table.add_column(t("booking.col_location"), key="location")
        table.add_column(t("booking.col_doctors"), key="doctors")
        departments = self.departments or []
        for d in departments:
            table.add_row(d.name, d.category, d.location, Text(str(d.doctor_count), justify="right"), key=d.id)
        table.loading = self.departments is None
        ids = [d.id for d in departments]
        if self.cursor_id in ids:
            table.move_cursor(row=ids.index(self.cursor_id), animate=False)
        self._show_detail()

    def _highlighted(self):
        table = self.query_one("#departments", DataTable)
        if not self.departments or not table.row_count:
            return None
        row = table.cursor_row
        return self.departments[row] if 0 <= row < len(self.departments) else None

    def _show_detail(self) -> None:
        department = self._highlighted()
        self.query_one("#department-detail", Static).update(
            t("booking.department_detail", intro=department.intro) if department else "")

    @work(exclusive=True, group="departments", exit_on_error=False)
    async def load_departments(self) -> None:
        from ..api import ApiError

        table = self.query_one("#departments", DataTable)
        table.loading = True
        try:
            departments = await self.zapp.api.departments(self.hospital.id)
        except ApiError as err:
            table.loading = False
            if not self.session_ended(err):
                self.query_one("#departments-error", ErrorBanner).show(booking_error(err))
            return
        self.query_one("#departments-error", ErrorBanner).hide()
        first = self.departments is None
        self.departments = list(departments)
        self._fill_table()
        if first:  # a loading table cannot take the focus
            table.focus()

    @on(ErrorBanner.Retry, "#departments-error")
    def action_reload(self) -> None:
        self.query_one("#departments-error", ErrorBanner).hide()
        self.load_departments()

    @on(DataTable.RowHighlighted, "#departments")
    def _highlighted_changed(self, event: DataTable.RowHighlighted) -> None:
        self.cursor_id = event.row_key.value if event.row_key else None
        self._show_detail()

    @on(DataTable.RowSelected, "#departments")
    def _selected(self) -> None:
        self.action_choose()

    def action_back(self) -> None:
        self.dismiss()

    def action_choose(self) -> None:
        department = self._highlighted()
        if department is None:
            return
        from .schedule import ScheduleScreen

        self.app.push_screen(ScheduleScreen(self.patient, self.hospital, department))
