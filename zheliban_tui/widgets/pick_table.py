"""A row-cursor `DataTable` whose Enter (choose the highlighted row) is shown in the footer.

Textual's `DataTable` binds Enter without a footer entry, and a focused widget's binding hides the
screen's binding for the same key: subclasses name what Enter does on their screen.
"""
from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable


class PickTable(DataTable):
    """Enter chooses the highlighted row (shown in the footer as "Choose")."""

    BINDINGS = [Binding("enter", "select_cursor", "booking.key_choose", id="choose")]

    def __init__(self, *, id: str | None = None, classes: str | None = None, zebra_stripes: bool = False) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=zebra_stripes)


class MessageTable(PickTable):
    """Enter opens the highlighted message."""

    BINDINGS = [Binding("enter", "select_cursor", "messages.key_open", id="open")]
