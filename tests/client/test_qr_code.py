"""The show-code QR widget: what it draws is a QR code a phone can read off the screen."""
from __future__ import annotations

import secrets
import subprocess
import sys
from datetime import datetime

import pytest
from rich.cells import cell_len
from rich.color import ColorTriplet
from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from mock_server.domain.qr_payload import parse_qr, sign_qr
from mock_server.routes.card import QR_ID_ALPHABET, QR_ID_LENGTH
from tests.qr_reader import decode_matrix, decode_screen_text, decode_text, matrix_from_text
from zheliban_tui.widgets import qr_code
from zheliban_tui.widgets.qr_code import QrCode, matrix_lines, qr_matrix, qr_text, qr_version

KEY = secrets.token_bytes(32)
EXPIRES = int(datetime.fromisoformat("2026-06-15T09:01:00+08:00").timestamp())
BLACK = ColorTriplet(0, 0, 0)
WHITE = ColorTriplet(255, 255, 255)


def show_code_payload(card_id: str = "K0001", expires: int = EXPIRES) -> str:
    """A payload made the way `POST /api/v1/cards/{id}/qr` makes it."""
    qr_id = "".join(secrets.choice(QR_ID_ALPHABET) for _ in range(QR_ID_LENGTH))
    return sign_qr(KEY, qr_id, card_id, expires)


PAYLOAD = show_code_payload()


# --- the drawing ---------------------------------------------------------------------------------
def test_backend_payload_is_a_version_3_code_drawn_in_37_columns_and_19_lines():
    assert len(PAYLOAD) == 55
    assert qr_version(PAYLOAD) == 3  # alphanumeric mode; byte mode would need version 4
    matrix = qr_matrix(PAYLOAD)
    assert len(matrix) == len(matrix[0]) == 29 + 2 * 4
    lines = qr_text(PAYLOAD)
    assert len(lines) == 19 and {len(line) for line in lines} == {37}
    assert set("".join(lines)) <= {"█", "▀", "▄", " "}


def test_round_trip_through_the_drawing_gives_back_a_genuine_payload():
    lines = qr_text(PAYLOAD)
    matrix = matrix_from_text(lines)
    assert matrix == qr_matrix(PAYLOAD)
    decoded = decode_matrix(matrix)
    assert decoded == PAYLOAD
    assert parse_qr(KEY, decoded).card_id == "K0001"


def test_the_longest_payload_the_backend_can_sign_still_reads():
    payload = show_code_payload(card_id="K" * 16, expires=36**8 - 1)
    assert qr_version(payload) == 4
    assert decode_text(qr_text(payload)) == payload


def test_quiet_zone_of_four_light_modules_on_every_side():
    matrix = qr_matrix(PAYLOAD)
    size = len(matrix)
    for i in range(4):
        assert not any(matrix[i]) and not any(matrix[size - 1 - i])
        assert not any(row[i] for row in matrix) and not any(row[size - 1 - i] for row in matrix)
    # and the symbol starts right inside it: the top-left finder pattern's corner is dark
    assert matrix[4][4] and matrix[4][size - 5] and matrix[size - 5][4]


def test_drawing_is_square_in_modules():
    lines = qr_text(PAYLOAD)
    columns, rows = len(lines[0]), len(lines)
    assert rows * 2 == columns + 1  # two modules a line; the odd last module row is padded


def test_odd_row_count_is_padded_with_a_light_row():
    symbol = qr_matrix(PAYLOAD, border=0)
    assert len(symbol) == 29
    lines = qr_text(PAYLOAD, border=0)
    assert len(lines) == 15
    assert set(lines[-1]) == {"▀", " "}  # the last module row on top, light padding below
    assert matrix_from_text(lines) == symbol  # the padding row is dropped again


def test_half_block_glyphs_for_each_pair_of_modules():
    assert matrix_lines([[True, False], [True, True]]) == ["█▄"]
    assert matrix_lines([[False, True, False], [True, True, False], [False, False, True]]) == ["▄█ ", "  ▀"]
    assert matrix_lines([]) == []
    with pytest.raises(ValueError):
        matrix_lines([[True], [True, False]])


def test_payloads_that_make_no_code_are_refused():
    with pytest.raises(ValueError):
        qr_matrix("")
    with pytest.raises(ValueError):
        qr_matrix("9" * 8000)


# --- what does not read ----------------------------------------------------------------------------
def test_foreign_characters_are_not_a_drawing():
    lines = qr_text(PAYLOAD)
    lines[5] = lines[5][:10] + "x" + lines[5][11:]
    with pytest.raises(ValueError, match=r"line 6, column 11: 'x'"):
        matrix_from_text(lines)


def test_garbled_drawing_does_not_decode():
    lines = qr_text(PAYLOAD)
    # a band across the middle far beyond what level M corrects
    garbled = lines[:6] + ["█" * len(lines[0])] * 7 + lines[13:]
    assert decode_text(garbled) is None


def test_half_a_code_does_not_decode():
    assert decode_text(qr_text(PAYLOAD)[:10]) is None


def test_inverted_drawing_is_not_taken_as_readable():
    swap = str.maketrans({"█": " ", " ": "█", "▀": "▄", "▄": "▀"})
    assert decode_text([line.translate(swap) for line in qr_text(PAYLOAD)]) is None


def test_no_code_at_all():
    assert decode_matrix([[False] * 30] * 30) is None
    assert decode_matrix([]) is None
    assert decode_screen_text("电子社保卡\n展码\n") is None


# --- finding the code on a captured screen -------------------------------------------------------
def test_decodes_from_a_terminal_capture_among_text_and_borders():
    qr = qr_text(PAYLOAD)
    width = len(qr[0]) + 2
    screen = ["浙里办  电子社保卡  ▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀", "", "  ╭" + "─" * width + "╮"]
    for number, line in enumerate(qr):
        label = "展码有效 59 秒" if number == 9 else ""  # 9 characters in 14 cells
        # like `tmux capture-pane -p`: one character per wide cell, trailing spaces dropped
        screen.append((label + " " * (16 - cell_len(label)) + "│ " + line + " │ 数字码").rstrip())
    screen += ["  ╰" + "─" * width + "╯", "  数字码 9656 3893 8161 8291 21   ▄▄▄▄▄▄▄▄"]
    assert decode_screen_text("\n".join(screen)) == PAYLOAD


def test_decodes_a_capture_with_terminal_escape_sequences():
    qr = qr_text(PAYLOAD)
    text = "\n".join(f"\x1b[38;2;0;0;0;48;2;255;255;255m{line}\x1b[0m 社保" for line in qr)
    assert decode_screen_text(text) == PAYLOAD


# --- the widget ---------------------------------------------------------------------------------
class CardApp(App):
    """A tiny stand-in for the card screen: a bordered box with text around the code."""

    CSS = """
    #card { border: round $primary; width: auto; height: auto; padding: 0 1; }
    """

    def __init__(self, theme: str = "textual-dark") -> None:
        super().__init__()
        self._theme_name = theme

    def compose(self) -> ComposeResult:
        with Vertical(id="card"):
            yield Static("电子社保卡 · 展码")
            yield QrCode(id="qr", placeholder="…")
            yield Static("数字码 9656 3893 8161 8291 21")

    def on_mount(self) -> None:
        self.theme = self._theme_name


def screen_strips(app: App):
    # the composed screen as it goes to the terminal (what `export_screenshot` prints)
    return app.screen._compositor.render_strips()


def style_at(strips, x: int, y: int):
    """The Rich style and character of one screen cell (the screen here is ASCII/box drawing left of x)."""
    offset = 0
    for segment in strips[y]:
        for char in segment.text:
            if offset == x:
                return char, segment.style
            offset += 1
    raise IndexError((x, y))


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
async def test_widget_paints_a_scannable_code_black_on_white(theme):
    app = CardApp(theme)
    async with app.run_test(size=(60, 30)) as pilot:
        widget = app.query_one("#qr", QrCode)
        widget.payload = PAYLOAD
        await pilot.pause()
        assert widget.size == (37, 19)

        # what the widget renders line by line
        lines = [strip.text for strip in widget.render_lines(widget.region.reset_offset)]
        assert lines == qr_text(PAYLOAD)
        assert decode_matrix(matrix_from_text(lines)) == PAYLOAD

        # what the whole screen shows, text and borders around the code included
        strips = screen_strips(app)
        assert decode_screen_text("\n".join(strip.text for strip in strips)) == PAYLOAD

        # colours of a dark and a light module, in RGB, whatever the theme
        x0, y0 = widget.region.offset
        char, style = style_at(strips, x0 + 4, y0 + 2)  # top-left finder pattern: modules (4, 4), (4, 5)
        assert char == "█"
        assert style.color.get_truecolor() == BLACK and style.bgcolor.get_truecolor() == WHITE
        char, style = style_at(strips, x0, y0)  # quiet zone corner
        assert char == " "
        assert style.bgcolor.get_truecolor() == WHITE
        char, style = style_at(strips, x0 + 5, y0 + 2)  # finder's dark outer ring above its light ring
        assert char == "▀" and style.color.get_truecolor() == BLACK and style.bgcolor.get_truecolor() == WHITE


async def test_placeholder_keeps_the_size_and_shows_no_code():
    app = CardApp()
    async with app.run_test(size=(60, 30)) as pilot:
        widget = app.query_one("#qr", QrCode)
        await pilot.pause()
        assert widget.payload is None and widget.lines == []
        assert widget.size == (37, 19)
        strips = screen_strips(app)
        assert "…" in strips[widget.region.y + 9].text
        assert decode_screen_text("\n".join(strip.text for strip in strips)) is None

        widget.payload = PAYLOAD
        await pilot.pause()
        widget.payload = None  # e.g. while the next code is fetched
        await pilot.pause()
        assert widget.size == (37, 19)


async def test_a_new_code_every_minute_is_drawn_once(monkeypatch):
    calls: list[str] = []
    real_qr_text = qr_code.qr_text

    def counting_qr_text(payload, **kwargs):
        calls.append(payload)
        return real_qr_text(payload, **kwargs)

    monkeypatch.setattr(qr_code, "qr_text", counting_qr_text)
    app = CardApp()
    async with app.run_test(size=(60, 30)) as pilot:
        widget = app.query_one("#qr", QrCode)
        first, second = PAYLOAD, show_code_payload(card_id="K0005")
        widget.payload = first
        await pilot.pause()
        for _ in range(3):
            widget.refresh()
            await pilot.pause()
        assert calls == [first]
        widget.payload = second
        await pilot.pause()
        assert calls == [first, second]
        assert decode_text(widget.lines) == second
        assert decode_screen_text("\n".join(s.text for s in screen_strips(app))) == second


def test_importing_the_widget_does_not_load_the_encoder():
    code = "import sys, zheliban_tui.widgets.qr_code; print('segno' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
