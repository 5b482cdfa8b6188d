"""消息: the citizen's messages, newest first, unread ones marked; Enter opens one (and marks it read),
A marks them all read. Booking, cancellation and waitlist events (a promotion from the waitlist among
them) arrive here.
"""
from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Static

from ..booking_format import booking_error, message_kind_text, table_when
from ..i18n import t
from ..widgets.brand_bar import BrandBar
from ..widgets.error_banner import ErrorBanner
from ..widgets.localized_footer import LocalizedFooter
from ..widgets.pick_table import MessageTable
from .base import AppScreen

PAGE_SIZE = 100


class MessagesScreen(AppScreen):
    BINDINGS = [
        Binding("escape", "back", "key.back", id="back"),
        Binding("enter", "open", "messages.key_open", show=False),
        Binding("a", "read_all", "messages.key_read_all", id="read-all"),
        Binding("r", "reload", "key.refresh", id="refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.messages: list | None = None
        self.unread = 0
        self.opened = None
        self.cursor_id: int | None = None

    def compose(self) -> ComposeResult:
        yield BrandBar("messages.title", demo=self.zapp.demo is not None)
        yield Static("", id="messages-summary", classes="booking-context")
        yield ErrorBanner(id="messages-error")
        with Horizontal(id="messages-body"):
            yield MessageTable(id="messages", classes="booking-table")
            with VerticalScroll(id="message-pane", classes="panel"):
                yield Static("", id="message-view")
        yield LocalizedFooter()

    def on_mount(self) -> None:
        self._paint()
        self.query_one("#messages", DataTable).focus()
        self.load()

    def after_recompose(self) -> None:
        self._paint()

    # ---- painting ----------------------------------------------------------------------------
    def _paint(self) -> None:
        self._paint_summary()
        self._fill_table()
        self._paint_opened()

    def _paint_summary(self) -> None:
        summary = self.query_one("#messages-summary", Static)
        if self.messages is None:
            summary.update(t("common.loading"))
        else:
            summary.update(t("messages.summary", count=len(self.messages), unread=self.unread))

    def _fill_table(self) -> None:
        table = self.query_one("#messages", DataTable)
        table.clear(columns=True)
        table.add_column(" ", key="unread")
        table.add_column(t("messages.col_kind"), key="kind")
        table.add_column(t("messages.col_title"), key="title")
        table.add_column(t("messages.col_time"), key="time")
        table.loading = self.messages is None
        for m in self.messages or []:
            table.add_row(*self._row(m), key=str(m.id))
        ids = [m.id for m in self.messages or []]
        if self.cursor_id in ids:
            table.move_cursor(row=ids.index(self.cursor_id), animate=False)

    @staticmethod
    def _row(m) -> tuple:
        style = "" if m.read else "bold"
        mark = Text(t("messages.unread_mark") if not m.read else "", style="bold red")
        return (mark, Text(message_kind_text(m.kind), style=style), Text(m.title, style=style),
                Text(table_when(m.created_at), style="dim"))

    def _paint_opened(self) -> None:
        view = self.query_one("#message-view", Static)
        m = self.opened
        if m is None:
            hint = "" if self.messages is None else t("messages.pick") if self.messages else t("messages.empty")
            view.update(Text(hint, style="dim"))
            return
        head = Text.assemble((m.title, "bold"), "\n",
                             (f"{message_kind_text(m.kind)}  {table_when(m.created_at)}", "dim"))
        view.update(Group(head, Text(""), Text(m.body)))

    def _highlighted(self):
        if not self.messages:
            return None
        row = self.query_one("#messages", DataTable).cursor_row
        return self.messages[row] if 0 <= row < len(self.messages) else None

    # ---- loading -----------------------------------------------------------------------------
    @work(exclusive=True, group="messages", exit_on_error=False)
    async def load(self) -> None:
        from ..api import ApiError

        try:
            page = await self.zapp.api.messages(limit=PAGE_SIZE)
        except ApiError as err:
            self.query_one("#messages", DataTable).loading = False
            if not self.session_ended(err):
                self.query_one("#messages-error", ErrorBanner).show(booking_error(err))
            return
        self.query_one("#messages-error", ErrorBanner).hide()
        first = self.messages is None
        self.messages = list(page.items)
        self.unread = page.unread
        if self.opened is not None:
            self.opened = next((m for m in self.messages if m.id == self.opened.id), None)
        self._paint()
        if first:  # a loading table cannot take the focus
            self.query_one("#messages", DataTable).focus()

    @on(ErrorBanner.Retry, "#messages-error")
    def _retry(self) -> None:
        self.load()

    def _replace(self, message) -> None:
        """Put a message as the backend now has it in the list and its row."""
        if self.messages is None:
            return
        for i, m in enumerate(self.messages):
            if m.id == message.id:
                self.messages[i] = message
                table = self.query_one("#messages", DataTable)
                for column, value in zip(("unread", "kind", "title", "time"), self._row(message)):
                    table.update_cell(str(message.id), column, value)
                break
        if self.opened is not None and self.opened.id == message.id:
            self.opened = message

    @work(group="read", exit_on_error=False)
    async def mark_read(self, message) -> None:
        from ..api import ApiError

        try:
            read = await self.zapp.api.read_message(message.id)
        except ApiError as err:
            if not self.session_ended(err):
                self.notify(booking_error(err), severity="error")
            return
        was_unread = any(m.id == read.id and not m.read for m in self.messages or [])
        self._replace(read)
        if was_unread and read.read:
            self.unread = max(0, self.unread - 1)
            self._paint_summary()

    @work(exclusive=True, group="read-all", exit_on_error=False)
    async def read_all(self) -> None:
        from ..api import ApiError

        try:
            self.unread = await self.zapp.api.read_all_messages()
        except ApiError as err:
            if not self.session_ended(err):
                self.query_one("#messages-error", ErrorBanner).show(booking_error(err))
            return
        self.notify(t("messages.all_read"))
        self.load()

    # ---- events and actions ------------------------------------------------------------------
    @on(DataTable.RowHighlighted, "#messages")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.cursor_id = int(event.row_key.value) if event.row_key and event.row_key.value else None

    @on(DataTable.RowSelected, "#messages")
    def _row_selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        message = self._highlighted()
        if message is None:
            return
        self.opened = message
        self._paint_opened()
        if not message.read:
            self.mark_read(message)

    def action_read_all(self) -> None:
        if self.messages is not None and self.unread:
            self.read_all()

    def action_reload(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.dismiss()
