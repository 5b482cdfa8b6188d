"""The show code (展码) as a QR code a phone can scan off the terminal.

`qr_matrix` turns a payload into modules (True = dark), `qr_text` draws them with half-block
characters, two modules per character cell stacked vertically: a terminal cell is about twice as
tall as it is wide, so one module per column and two per row make the modules square. In the
drawing a glyph's ink is a dark module and the cell background a light one:

    "█" both dark   "▀" upper dark   "▄" lower dark   " " both light

`QrCode` paints those lines black on white in explicit RGB, whatever the theme: a code drawn in
theme colours, or light on dark, is not reliably scannable. The 4-module quiet zone is part of the
drawing, so the widget needs no margin of its own to be read.

The backend's payloads (upper-case letters, digits and dots) fit QR alphanumeric mode: with error
correction M they make a version 3 symbol (29 x 29 modules, 37 x 37 with the quiet zone, drawn in
37 columns x 19 rows).
"""
from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

QUIET_ZONE = 4
"""Light modules around the symbol, as the QR standard asks."""

ERROR_CORRECTION = "m"
"""Level M (15 %); segno raises it further when that still fits the same version."""

BOTH_DARK, UPPER_DARK, LOWER_DARK, BOTH_LIGHT = "█", "▀", "▄", " "
_GLYPHS = {
    (True, True): BOTH_DARK,
    (True, False): UPPER_DARK,
    (False, True): LOWER_DARK,
    (False, False): BOTH_LIGHT,
}

# Explicit RGB, never the named ANSI "black"/"white" that a terminal theme may remap.
QR_STYLE = Style(color="rgb(0,0,0)", bgcolor="rgb(255,255,255)")

PLACEHOLDER_MODULES = 29 + 2 * QUIET_ZONE
"""Size (in modules) held while there is no payload yet: the backend's version 3 symbol."""


def qr_matrix(payload: str, *, border: int = QUIET_ZONE) -> list[list[bool]]:
    """The modules of the QR code for `payload`, row by row, `True` for dark, quiet zone included.

    segno chooses the encoding mode from the text: the backend's alphabet (A-Z, 0-9, ".") is
    alphanumeric mode, which keeps the symbol a version smaller than byte mode would.
    Raises ValueError for an empty payload or one too long for any QR code.
    """
    import segno  # imported here so that importing the widget stays cheap

    if not payload:
        raise ValueError("an empty payload has no QR code")
    if border < 0:
        raise ValueError("border must not be negative")
    try:
        code = segno.make_qr(payload, error=ERROR_CORRECTION)
    except segno.DataOverflowError as exc:
        raise ValueError(f"payload too long for a QR code: {exc}") from exc
    return [[bool(module) for module in row] for row in code.matrix_iter(scale=1, border=border)]


def qr_version(payload: str) -> int:
    """The QR version (1-40) `qr_matrix` uses for `payload`: size = 17 + 4 * version modules."""
    import segno

    return segno.make_qr(payload, error=ERROR_CORRECTION).version


def matrix_lines(matrix: list[list[bool]]) -> list[str]:
    """Draw a module matrix with half blocks, two module rows per line; an odd last row gets a light row below."""
    if not matrix:
        return []
    width = len(matrix[0])
    if any(len(row) != width for row in matrix):
        raise ValueError("every row of the matrix must have the same width")
    rows = list(matrix)
    if len(rows) % 2:
        rows.append([False] * width)
    return [
        "".join(_GLYPHS[upper, lower] for upper, lower in zip(rows[y], rows[y + 1]))
        for y in range(0, len(rows), 2)
    ]


def qr_text(payload: str, *, border: int = QUIET_ZONE) -> list[str]:
    """The QR code for `payload` drawn with half blocks: `size` columns by `ceil(size / 2)` lines."""
    return matrix_lines(qr_matrix(payload, border=border))


class QrCode(Widget):
    """A scannable QR code for `payload`, painted black on white; `None` shows `placeholder`.

    The widget sizes itself to the drawing (width = modules, height = half the modules, rounded
    up). While there is no payload it keeps the size of the last code it drew (at first that of
    the backend's usual code), so a refresh does not make the screen jump.
    """

    DEFAULT_CSS = """
    QrCode {
        width: auto;
        height: auto;
    }
    """

    payload: reactive[str | None] = reactive(None, layout=True)
    """The text to encode, e.g. the backend's signed show-code payload; `None` or "" for none."""

    placeholder: reactive[str] = reactive("")
    """Shown, centred, while there is no payload (e.g. a localized "loading" line)."""

    def __init__(
        self,
        payload: str | None = None,
        *,
        placeholder: str = "",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.set_reactive(QrCode.payload, payload)
        self.set_reactive(QrCode.placeholder, placeholder)
        self._drawn_for: str | None = None
        self._lines: list[str] = []
        self._strips: list[Strip] = []
        self._modules = PLACEHOLDER_MODULES

    @property
    def lines(self) -> list[str]:
        """The half-block drawing currently shown (empty while there is no payload)."""
        self._update_drawing()
        return list(self._lines)

    def _update_drawing(self) -> None:
        """Encode the payload once per new payload; every later repaint reuses the strips."""
        payload = self.payload or None
        if payload == self._drawn_for:
            return
        if payload is None:
            self._lines, self._strips = [], []
        else:
            self._lines = qr_text(payload)
            self._strips = [Strip([Segment(line, QR_STYLE)], len(line)) for line in self._lines]
            self._modules = len(self._lines[0])
        self._drawn_for = payload

    def _drawing_size(self) -> Size:
        self._update_drawing()
        return Size(self._modules, (self._modules + 1) // 2)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self._drawing_size().width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self._drawing_size().height

    def render_line(self, y: int) -> Strip:
        self._update_drawing()
        width = self.content_size.width
        if self._strips:
            if 0 <= y < len(self._strips):
                return self._strips[y]
            return Strip.blank(width, QR_STYLE)
        return self._placeholder_line(y, width)

    def _placeholder_line(self, y: int, width: int) -> Strip:
        style = self.rich_style
        if self.placeholder and y == self.content_size.height // 2:
            text = Strip([Segment(self.placeholder, style)]).crop(0, width)
            left = (width - text.cell_length) // 2
            return Strip.join([Strip.blank(left, style), text]).adjust_cell_length(width, style)
        return Strip.blank(width, style)
