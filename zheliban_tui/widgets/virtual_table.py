"""A table that paints only the rows in view and keeps each painted row: thousands of rows cost no
more than a screenful, and moving the cursor repaints two lines.

Columns have fixed widths in terminal cells (a CJK character takes two), so no cell is ever measured;
a cell is a `str` or a Rich `Text` (its own colours are kept); a cell too long is cut at its column's
edge (without "…", whose width is ambiguous in CJK terminals). The header stays on top while the rows
scroll. Keys: up/down, page up/down, home/end move the cursor (`VirtualTable.Highlighted`); Enter
chooses the row (`VirtualTable.Selected`). A click moves the cursor; a click on the cursor's row
chooses it (as in Textual's `DataTable`). The mouse wheel scrolls.

Looks come from the tcss through the component classes `virtual-table--header`, `virtual-table--cursor`
(with `VirtualTable:focus` for the focused look).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence, Union

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

Cell = Union[str, Text]
CELL_PADDING = 1
"""Blank columns on each side of a cell."""


@dataclass(frozen=True)
class Column:
    label: str
    width: int  # terminal cells, without the padding
    justify: str = "left"  # left | right


class VirtualTable(ScrollView, can_focus=True):
    BINDINGS = [
        Binding("enter", "select", "booking.key_choose", id="choose"),
        Binding("up", "move(-1)", show=False),
        Binding("down", "move(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("home", "jump(0)", show=False),
        Binding("end", "jump(-1)", show=False),
    ]
    COMPONENT_CLASSES = {"virtual-table--header", "virtual-table--cursor"}

    class Highlighted(Message):
        """The cursor moved to `row`."""

        def __init__(self, table: "VirtualTable", row: int) -> None:
            super().__init__()
            self.table = table
            self.row = row

        @property
        def control(self) -> "VirtualTable":
            return self.table

    class Selected(Message):
        """`row` was chosen (Enter, or a click on the cursor's row)."""

        def __init__(self, table: "VirtualTable", row: int) -> None:
            super().__init__()
            self.table = table
            self.row = row

        @property
        def control(self) -> "VirtualTable":
            return self.table

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.columns: list[Column] = []
        self._rows: list[Sequence[Cell]] = []
        self._cursor = 0
        self._raw: dict[int, Strip] = {}      # row -> its cells as segments, without the widget's colours
        self._painted: dict[int, Strip] = {}  # row -> painted in the widget's colours (not the cursor's)
        self._header: Strip | None = None
        self._metas: dict[int, Style] = {}
        self._styles_key: tuple | None = None
        self._base = Style()
        self._cursor_style = Style()  # laid over the cells' own colours
        self._header_style = Style()

    # ---- data --------------------------------------------------------------------------------
    def set_columns(self, columns: Iterable[Column]) -> None:
        self.columns = list(columns)
        self._forget()
        self._resize_virtual()

    def set_rows(self, rows: Iterable[Sequence[Cell]], cursor: int = 0) -> None:
        """Replace every row; the cursor goes to `cursor` (no Highlighted message: the caller knows)."""
        self._rows = list(rows)
        self._cursor = max(0, min(cursor, len(self._rows) - 1))
        self._forget()
        self._resize_virtual()
        self.scroll_to(y=0, animate=False, immediate=True)
        self._scroll_to_cursor()
        self.refresh()

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def cursor_row(self) -> int:
        return self._cursor

    def get_row_at(self, row: int) -> Sequence[Cell]:
        return self._rows[row]

    def move_cursor(self, *, row: int, animate: bool = False) -> None:
        """Move the cursor to `row` (clamped); a Highlighted message when it moved."""
        if not self._rows:
            return
        row = max(0, min(row, len(self._rows) - 1))
        if row == self._cursor:
            return
        old, self._cursor = self._cursor, row
        if not self._scroll_to_cursor():
            self._refresh_row(old)
            self._refresh_row(row)
        self.post_message(self.Highlighted(self, row))

    # ---- actions -----------------------------------------------------------------------------
    def action_move(self, step: int) -> None:
        self.move_cursor(row=self._cursor + step)

    def action_page(self, step: int) -> None:
        self.move_cursor(row=self._cursor + step * max(1, self._visible_rows() - 1))

    def action_jump(self, row: int) -> None:
        self.move_cursor(row=row if row >= 0 else len(self._rows) - 1)

    def action_select(self) -> None:
        if self._rows:
            self.post_message(self.Selected(self, self._cursor))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1 or not self._rows:
            return
        row = int(self.scroll_offset.y) + offset.y - 1
        if not 0 <= row < len(self._rows):
            return
        if row == self._cursor:
            self.post_message(self.Selected(self, row))
        else:
            self.move_cursor(row=row)

    def on_focus(self) -> None:
        self._restyle()

    def on_blur(self) -> None:
        self._restyle()

    # ---- scrolling ---------------------------------------------------------------------------
    def _visible_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _scroll_to_cursor(self) -> bool:
        """Scroll so the cursor's row is in view; True when it scrolled (everything repaints then)."""
        top = int(self.scroll_offset.y)
        visible = self._visible_rows()
        if self._cursor < top:
            target = self._cursor
        elif self._cursor >= top + visible:
            target = self._cursor - visible + 1
        else:
            return False
        self.scroll_to(y=target, animate=False, immediate=True)
        self.refresh()
        return True

    def on_resize(self) -> None:
        self._scroll_to_cursor()

    def _resize_virtual(self) -> None:
        width = sum(c.width + 2 * CELL_PADDING for c in self.columns)
        self.virtual_size = Size(width, len(self._rows) + 1)

    # ---- painting ----------------------------------------------------------------------------
    def _forget(self) -> None:
        self._raw.clear()
        self._painted.clear()
        self._header = None

    def _restyle(self) -> None:
        self._styles_key = None
        self._painted.clear()
        self._header = None
        self.refresh()

    def _refresh_row(self, row: int) -> None:
        y = row - int(self.scroll_offset.y) + 1
        if 1 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def _fit(self, cell: Cell, column: Column) -> Text:
        text = cell.copy() if isinstance(cell, Text) else Text(str(cell))
        text.truncate(column.width, overflow="crop")  # no "…": its width is ambiguous in CJK terminals
        room = column.width - text.cell_len
        if room > 0:
            if column.justify == "right":
                text.pad_left(room)
            else:
                text.pad_right(room)
        return text

    def _line(self, cells: Sequence[Cell]) -> Strip:
        """One row as segments, each cell its own: the column number rides along in the style's meta, so
        neighbouring cells are never merged into one run (an exported screenshot then places every cell
        at its column, as a terminal does, rather than stretching one run of mixed-width text)."""
        console = self.app.console
        pad = " " * CELL_PADDING
        segments: list[Segment] = []
        width = 0
        for number, (column, cell) in enumerate(zip(self.columns, cells)):
            meta = self._column_meta(number)
            if isinstance(cell, Text):
                text = Text(pad, no_wrap=True, end="")
                text.append_text(self._fit(cell, column))
                text.append(pad)
                text.stylize(meta)
                segments.extend(text.render(console))
            else:  # plain text: one segment, no Rich rendering
                segments.append(Segment(pad + self._fit_plain(str(cell), column) + pad, meta))
            width += column.width + 2 * CELL_PADDING
        return Strip(segments, width)

    def _column_meta(self, number: int) -> Style:
        meta = self._metas.get(number)
        if meta is None:
            meta = self._metas[number] = Style.from_meta({"column": number})
        return meta

    @staticmethod
    def _fit_plain(text: str, column: Column) -> str:
        size = cell_len(text)
        if size > column.width:
            return set_cell_size(text, column.width)  # cut at the edge (a half CJK character becomes a space)
        room = " " * (column.width - size)
        return room + text if column.justify == "right" else text + room

    def _check_styles(self) -> None:
        key = (self.rich_style, self.has_focus)
        if key == self._styles_key:
            return
        self._styles_key = key
        self._base = self.rich_style
        self._cursor_style = self.get_component_rich_style("virtual-table--cursor")
        self._header_style = self._base + self.get_component_rich_style("virtual-table--header")
        self._painted.clear()
        self._header = None

    def render_lines(self, crop: Region) -> list[Strip]:
        self._check_styles()  # once a paint, not once a line
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        scroll_x = int(self.scroll_offset.x)
        if y == 0:  # the header, its band across the whole width
            if self._header is None:
                raw = self._line([Text(c.label) for c in self.columns])
                self._header = Strip(Segment.apply_style(raw, self._header_style), raw.cell_length)
            return self._header.crop_extend(scroll_x, scroll_x + width, self._header_style)
        row = int(self.scroll_offset.y) + y - 1
        if not 0 <= row < len(self._rows):
            return Strip.blank(width, self._base)
        raw = self._raw.get(row)
        if raw is None:
            raw = self._raw[row] = self._line(self._rows[row])
        if row == self._cursor:  # the cursor's band across the whole width
            strip = Strip(Segment.apply_style(raw, self._base, self._cursor_style), raw.cell_length)
            return strip.crop_extend(scroll_x, scroll_x + width, self._base + self._cursor_style)
        else:
            strip = self._painted.get(row)
            if strip is None:
                strip = self._painted[row] = Strip(Segment.apply_style(raw, self._base), raw.cell_length)
        return strip.crop_extend(scroll_x, scroll_x + width, self._base)
