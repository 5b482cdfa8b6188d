"""The 7-day date strip of a department: day, weekday and what is left, one cell a day.

A cell says how many places remain, that the day is full, that nobody sees patients that day, or the
hour the day opens for booking. Left/right (or a click) chooses a day; `DateStrip.Changed` says which.
"""
from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from ..booking_format import clock, weekday_text
from ..i18n import t

CELL_WIDTH = 14
"""Columns of one day's cell, the gap included."""


def day_status(day) -> tuple[str, str]:
    """What a cell says under the date, and its kind: open | full | none | closed."""
    if not day.released:
        return t("booking.strip_opens", time=clock(day.opens_at)), "closed"
    if day.total == 0:
        return t("booking.strip_none"), "none"
    if day.remaining == 0:
        return t("booking.strip_full"), "full"
    return t("booking.strip_left", count=day.remaining), "open"


def _cell(text: str, width: int) -> str:
    """`text` centred in `width` columns (CJK characters count two)."""
    text = set_cell_size(text, width) if cell_len(text) > width else text
    room = width - cell_len(text)
    left = room // 2
    return " " * left + text + " " * (room - left)


class DateStrip(Widget, can_focus=True):
    BINDINGS = [
        Binding("left", "move(-1)", "booking.key_prev_day", show=False),
        Binding("right", "move(1)", "booking.key_next_day", show=False),
    ]
    COMPONENT_CLASSES = {
        "date-strip--selected",
        "date-strip--open",
        "date-strip--full",
        "date-strip--none",
        "date-strip--closed",
    }

    index: reactive[int] = reactive(0)

    class Changed(Message):
        """The chosen day changed (by key, click or `choose`)."""

        def __init__(self, strip: "DateStrip", index: int) -> None:
            super().__init__()
            self.strip = strip
            self.index = index

        @property
        def control(self) -> "DateStrip":
            return self.strip

        @property
        def day(self):
            return self.strip.days[self.index] if self.strip.days else None

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.days: list = []

    @property
    def day(self):
        return self.days[self.index] if 0 <= self.index < len(self.days) else None

    def set_days(self, days, index: int = 0) -> None:
        """Show `days` (BookingDay models) with `index` chosen; no Changed message."""
        self.days = list(days)
        self.set_reactive(DateStrip.index, max(0, min(index, len(self.days) - 1)))
        self.refresh(layout=True)

    def choose(self, index: int) -> None:
        if not self.days:
            return
        index = max(0, min(index, len(self.days) - 1))
        if index != self.index:
            self.index = index
            self.post_message(self.Changed(self, index))

    def action_move(self, step: int) -> None:
        self.choose(self.index + step)

    def watch_index(self) -> None:
        self.refresh()

    def get_content_width(self, container, viewport) -> int:
        return max(1, len(self.days)) * CELL_WIDTH

    def get_content_height(self, container, viewport, width) -> int:
        return 2

    def render(self) -> Text:
        if not self.days:
            return Text(t("common.loading"), style=self.get_component_rich_style("date-strip--none"))
        top, bottom = Text(no_wrap=True, end=""), Text(no_wrap=True, end="")
        for i, day in enumerate(self.days):
            words, kind = day_status(day)
            style = self.get_component_rich_style(f"date-strip--{kind}")
            if i == self.index:
                style = style + self.get_component_rich_style("date-strip--selected")
            head = f"{day.date:%m-%d} {weekday_text(day.weekday)}"
            top.append(_cell(head, CELL_WIDTH - 1), style)
            bottom.append(_cell(words, CELL_WIDTH - 1), style)
            top.append(" ")
            bottom.append(" ")
        top.append("\n")
        top.append_text(bottom)
        return top

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        self.focus()
        self.choose(offset.x // CELL_WIDTH)
