"""Read a QR code back from its half-block drawing, the way a phone would read the screen.

`from tests.qr_reader import matrix_from_text, decode_matrix, decode_screen_text`

A drawing uses one character per module column and two module rows per character line:
"█" both dark, "▀" upper dark, "▄" lower dark, " " both light (the inverse of
`zheliban_tui.widgets.qr_code.qr_text`). Plain text carries no colours, so these helpers take ink
as dark: whether the widget really paints ink black on white is checked on its styles, not here.

Decoding goes through zxing-cpp on a grayscale image where each module is `scale` x `scale`
pixels. Every decoder here returns None when no QR code can be read (garbled, cut, or absent);
`matrix_from_text` raises ValueError on characters that are not half blocks. Light-on-dark
codes are not read (`try_invert=False`): many phone scanners miss them, so neither do these helpers.
"""
from __future__ import annotations

import re

import zxingcpp
from rich.cells import cell_len

DARK_BOTH, DARK_UPPER, DARK_LOWER, LIGHT_BOTH = "█", "▀", "▄", " "
# (upper, lower) modules of each glyph, True for dark; a no-break space is a space in exported text.
GLYPH_MODULES: dict[str, tuple[bool, bool]] = {
    DARK_BOTH: (True, True),
    DARK_UPPER: (True, False),
    DARK_LOWER: (False, True),
    LIGHT_BOTH: (False, False),
    "\xa0": (False, False),
}
_LIGHT = (False, False)
_CONTROL_SEQUENCE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")


def matrix_from_text(lines: list[str]) -> list[list[bool]]:
    """Rebuild the module matrix (True = dark) from half-block lines.

    Short lines (a terminal capture drops trailing spaces) are padded with light modules. When
    the result has exactly one row more than columns and that row is light, it is the padding
    `qr_text` adds under an odd-sized symbol, and it is dropped so a square symbol comes back square.
    """
    width = max((len(line) for line in lines), default=0)
    upper_rows: list[list[bool]] = []
    lower_rows: list[list[bool]] = []
    for number, line in enumerate(lines, start=1):
        upper: list[bool] = []
        lower: list[bool] = []
        for column, char in enumerate(line.ljust(width), start=1):
            try:
                top, bottom = GLYPH_MODULES[char]
            except KeyError:
                raise ValueError(f"line {number}, column {column}: {char!r} is not a half-block character") from None
            upper.append(top)
            lower.append(bottom)
        upper_rows.append(upper)
        lower_rows.append(lower)
    matrix = [row for pair in zip(upper_rows, lower_rows) for row in pair]
    if matrix and len(matrix) == width + 1 and not any(matrix[-1]):
        matrix.pop()
    return matrix


def _grayscale(matrix: list[list[bool]], scale: int) -> memoryview:
    """The matrix as an 8-bit grayscale image (black modules on white), in the shape zxing-cpp reads."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    width = max((len(row) for row in matrix), default=0)
    image = bytearray()
    for row in matrix:
        line = b"".join(b"\x00" * scale if dark else b"\xff" * scale for dark in row)
        line += b"\xff" * (scale * (width - len(row)))
        image += line * scale
    return memoryview(bytes(image)).cast("B", (len(matrix) * scale, width * scale))


def decode_matrix(matrix: list[list[bool]], *, scale: int = 8) -> str | None:
    """The text of the one QR code in `matrix`, or None if none can be read.

    Raises ValueError if the matrix holds several different QR codes.
    """
    if not any(any(row) for row in matrix):
        return None
    results = zxingcpp.read_barcodes(_grayscale(matrix, scale), formats=zxingcpp.BarcodeFormat.QRCode,
                                      try_invert=False)
    texts = {result.text for result in results if result.valid}
    if len(texts) > 1:
        raise ValueError(f"several QR codes found: {sorted(texts)}")
    return texts.pop() if texts else None


def decode_text(lines: list[str], *, scale: int = 8) -> str | None:
    """Decode a bare half-block drawing (what `qr_text` returns)."""
    return decode_matrix(matrix_from_text(lines), scale=scale)


def screen_matrix(text: str) -> list[list[bool]]:
    """Every cell of a captured screen as two modules: half blocks as drawn, anything else light.

    Terminal escape sequences (a `capture-pane -e`) are removed; a wide character (Chinese text)
    fills two cells, as on the terminal, so the columns to its right stay where they were.
    """
    cell_rows: list[list[tuple[bool, bool]]] = []
    for line in _CONTROL_SEQUENCE.sub("", text).splitlines():
        cells: list[tuple[bool, bool]] = []
        for char in line:
            cells.extend([GLYPH_MODULES.get(char, _LIGHT)] * cell_len(char))
        cell_rows.append(cells)
    width = max((len(cells) for cells in cell_rows), default=0)
    matrix: list[list[bool]] = []
    for cells in cell_rows:
        cells = cells + [_LIGHT] * (width - len(cells))
        matrix.append([top for top, _ in cells])
        matrix.append([bottom for _, bottom in cells])
    return matrix


def decode_screen_text(text: str, *, scale: int = 8) -> str | None:
    """Find the QR code in a captured screen (a Textual screen's text, a `tmux capture-pane -p`)
    among the other text and borders around it, and decode it; None if there is none to read.

    The other characters become light modules, so the code needs its own quiet zone on screen,
    as the QrCode widget draws it; the decoder then finds it anywhere on the screen.
    """
    return decode_matrix(screen_matrix(text), scale=scale)
