"""Make Textual's SVG screenshots render as the terminal shows them, in browsers and in rsvg-convert.

Textual (through Rich) writes each run of text as one ``<text>`` with ``textLength`` = characters x cell
width: a browser squeezes every Chinese character (two cells wide) into one cell, and librsvg, which
ignores ``textLength``, lets every run drift by the difference between the font's advance and the cell
(a box's right edge ends up a cell off). ``fix_svg`` places every visible character at its own cell:
one ``<text>`` a character, at ``x`` = the run's start + the cells before it (``rich.cells.cell_len``),
and the block elements of the QR code as exact rectangles.
Spaces are not drawn (the background rectangles are separate), which also avoids rsvg-convert dropping
leading non-breaking spaces. The columns then line up in any renderer, whatever font it falls back to.
"""
from __future__ import annotations

import html
import re

from rich.cells import cell_len

_TEXT = re.compile(
    r'<text class="(?P<cls>[^"]*)" x="(?P<x>[0-9.]+)" y="(?P<y>[0-9.]+)" textLength="(?P<length>[0-9.]+)"'
    r'(?P<rest>[^>]*)>(?P<content>[^<]*)</text>')
BLANK = {" ", "\xa0", "\n"}
_FILL = re.compile(r"\.(?P<cls>[\w-]+) \{ fill: (?P<fill>#[0-9a-fA-F]{3,8})")
# Block elements (the QR code, Textual's tall borders) become rectangles: glyphs never quite fill a cell,
# and a QR code with hairlines between its rows is harder to scan. (left, top, width, height) in cells.
E = 1 / 8
BLOCKS = {
    "█": (0, 0, 1, 1), "▀": (0, 0, 1, 4 * E), "▄": (0, 4 * E, 1, 4 * E), "▌": (0, 0, 4 * E, 1),
    "▐": (4 * E, 0, 4 * E, 1), "▔": (0, 0, 1, E), "▁": (0, 7 * E, 1, E), "▂": (0, 6 * E, 1, 2 * E),
    "▃": (0, 5 * E, 1, 3 * E), "▅": (0, 3 * E, 1, 5 * E), "▆": (0, 2 * E, 1, 6 * E), "▇": (0, E, 1, 7 * E),
    "▏": (0, 0, E, 1), "▎": (0, 0, 2 * E, 1), "▍": (0, 0, 3 * E, 1), "▋": (0, 0, 5 * E, 1),
    "▊": (0, 0, 6 * E, 1), "▉": (0, 0, 7 * E, 1), "▕": (7 * E, 0, E, 1),
}
BASELINE = 18.5  # Rich's text baseline below the top of its line
LINE = 24.4  # Rich's line height


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _fix(match: re.Match, fills: dict[str, str]) -> str:
    content = html.unescape(match["content"])
    if not content:
        return match.group(0)
    cell = float(match["length"]) / len(content)  # Rich's width of one character
    x = float(match["x"])
    out = []
    for char in content:
        block = BLOCKS.get(char)
        if block is not None and match["cls"] in fills:
            left, top, width, height = block
            out.append(f'<rect fill="{fills[match["cls"]]}" x="{_number(x + left * cell)}" '
                       f'y="{_number(float(match["y"]) - BASELINE + top * LINE)}" '
                       f'width="{_number(width * cell + 0.2)}" height="{_number(height * LINE + 0.2)}" '
                       f'shape-rendering="crispEdges"/>')
        elif char not in BLANK:
            out.append(f'<text class="{match["cls"]}" x="{_number(x)}" y="{match["y"]}"{match["rest"]}>'
                       f'{html.escape(char, quote=False)}</text>')
        x += cell_len(char) * cell
    return "".join(out)


def fix_svg(svg: str) -> str:
    """The SVG with every visible character drawn at its own terminal cell."""
    fills = {m["cls"]: m["fill"] for m in _FILL.finditer(svg)}
    return _TEXT.sub(lambda match: _fix(match, fills), svg)
