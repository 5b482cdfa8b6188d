"""The virtualized table of the schedule: keys, scrolling that keeps the cursor in view, the mouse, CJK
columns that line up, and only the rows in view painted."""
from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from zheliban_tui.widgets.virtual_table import Column, VirtualTable

ROWS = [(f"{n:04d}", "知名专家 主任医师" if n % 2 else "主治医师", Text("约满", style="red") if n % 3 == 0 else "余 3")
        for n in range(2_000)]


class TableApp(App):
    CSS = "VirtualTable { height: 12; }"

    def __init__(self) -> None:
        super().__init__()
        self.highlighted: list[int] = []
        self.selected: list[int] = []

    def compose(self) -> ComposeResult:
        yield VirtualTable(id="table")

    def on_mount(self) -> None:
        table = self.query_one(VirtualTable)
        table.set_columns([Column("号", 4), Column("职称", 18), Column("余号", 6, "right")])
        table.set_rows(ROWS)
        table.focus()

    def on_virtual_table_highlighted(self, event: VirtualTable.Highlighted) -> None:
        self.highlighted.append(event.row)

    def on_virtual_table_selected(self, event: VirtualTable.Selected) -> None:
        self.selected.append(event.row)


def lines(table: VirtualTable) -> list[str]:
    return [strip.text for strip in table.render_lines(table.size.region)]


async def test_keys_move_the_cursor_and_the_view_follows():
    app = TableApp()
    async with app.run_test(size=(50, 16)) as pilot:
        table = app.query_one(VirtualTable)
        assert table.row_count == 2_000 and table.cursor_row == 0
        await pilot.press("down", "down")
        assert table.cursor_row == 2 and app.highlighted == [1, 2]
        await pilot.press("end")
        assert table.cursor_row == 1_999
        await pilot.pause()
        shown = lines(table)
        assert shown[0].split()[:2] == ["号", "职称"]  # the header stays on top
        assert "1999" in shown[-1]
        await pilot.press("home", "pagedown")
        assert table.cursor_row == 10  # a page: the rows in view less one
        await pilot.press("enter")
        assert app.selected == [10]


async def test_cjk_columns_line_up_and_a_long_cell_is_cut_at_its_column():
    app = TableApp()
    async with app.run_test(size=(50, 16)) as pilot:
        table = app.query_one(VirtualTable)
        table.set_columns([Column("号", 4), Column("职称", 8), Column("余号", 6, "right")])
        await pilot.pause()
        shown = lines(table)
        from rich.cells import cell_len

        positions = {cell_len(line[:line.index("余")]) for line in shown[1:6] if "余" in line}
        assert len(positions) == 1  # the remaining column starts in the same terminal column
        assert "知名专家 " in shown[2] and "主任" not in shown[2]  # cut at 8 cells, without an ambiguous "…"


async def test_only_the_rows_in_view_are_painted():
    app = TableApp()
    async with app.run_test(size=(50, 16)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.pause()
        assert 0 < len(table._raw) <= 12
        for _ in range(30):
            await pilot.press("down")
        await pilot.pause()
        assert len(table._raw) <= 45  # rows painted so far, not 2,000


async def test_a_click_highlights_and_a_second_click_chooses():
    app = TableApp()
    async with app.run_test(size=(50, 16)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.click(table, offset=(2, 3))  # the third row (the header is line 0)
        assert table.cursor_row == 2 and app.selected == []
        await pilot.click(table, offset=(2, 3))
        assert app.selected == [2]
        await pilot.click(table, offset=(2, 0))  # the header: nothing
        assert table.cursor_row == 2 and app.selected == [2]


async def test_new_rows_reset_the_view_and_keep_the_requested_cursor():
    app = TableApp()
    async with app.run_test(size=(50, 16)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.press("end")
        table.set_rows(ROWS[:5], cursor=3)
        await pilot.pause()
        assert table.cursor_row == 3 and table.scroll_offset.y == 0
        assert "0000" in lines(table)[1]
        table.set_rows([])
        await pilot.press("down", "enter")
        assert app.selected == []
