"""`make screenshots`: the SVG fix that makes Chinese text and the QR code render cell for cell, and a real
run of the generator whose card screenshot, rendered by rsvg-convert, still holds a readable QR code."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest
import zxingcpp
from rich.console import Console

from screenshots.svgfix import fix_svg
from tests.conftest import ROOT
from tests.png_reader import read_gray
from tests.requirements import need_program

TEXT = re.compile(r'<text class="[^"]*" x="([0-9.]+)" y="([0-9.]+)"[^>]*>([^<]*)</text>')
RECT = re.compile(r'<rect fill="(#[0-9a-f]+)" x="([0-9.]+)" y="([0-9.]+)" width="([0-9.]+)" height="([0-9.]+)"')


def exported(line: str) -> str:
    console = Console(record=True, width=30, file=open("/dev/null", "w"), color_system="truecolor")
    console.print(line, highlight=False, markup=False)
    return console.export_svg(title="t")


def test_every_character_is_drawn_at_its_own_cell_wide_ones_taking_two():
    svg = fix_svg(exported("  中文ab│ 码"))
    drawn = [(float(x), char) for x, _, char in TEXT.findall(svg) if char.strip()]
    cell = 12.2  # Rich's cell width in its SVG export
    start = drawn[0][0]
    assert [(round((x - start) / cell), char) for x, char in drawn] == [
        (0, "中"), (2, "文"), (4, "a"), (5, "b"), (6, "│"), (8, "码")]
    assert round(start / cell) == 2  # the two leading spaces moved x instead of being drawn
    assert "&#160;" not in svg.split("</style>", 1)[1].split("<g", 1)[1]


def test_block_elements_become_exact_rectangles():
    svg = fix_svg(exported("█▀▄"))
    rects = [(float(x), float(y), float(w), float(h)) for _, x, y, w, h in RECT.findall(svg)
             if h in ("24.6", "12.4")]  # Rich's own background rectangles are 24.65 high
    assert len(rects) == 3
    full, upper, lower = rects
    assert full[2] == pytest.approx(12.4) and full[3] == pytest.approx(24.6)
    assert upper[1] == full[1] and upper[3] == pytest.approx(12.4)
    assert lower[1] == pytest.approx(full[1] + 12.2) and lower[0] == pytest.approx(full[0] + 2 * 12.2)
    assert not any(char in "█▀▄" for _, _, char in TEXT.findall(svg))


@pytest.mark.e2e
def test_the_generated_card_screenshot_holds_a_readable_qr_code(tmp_path):
    rsvg = need_program("rsvg-convert", "librsvg2-bin")
    done = subprocess.run([sys.executable, "screenshots/generate.py", "--only", "card", "home-en", "--no-png",
                           "--out", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    svg = (tmp_path / "card.svg").read_text(encoding="utf-8")
    assert "电" in svg and "社" in svg and "Traceback" not in svg
    english = (tmp_path / "home-en.svg").read_text(encoding="utf-8")
    assert ">H<" in english and "浙里办" not in english.split("</style>", 1)[1].split("<g", 1)[0]
    # the right half of the screen (where the QR code is), rendered the way the README's PNGs are
    width = re.search(r'viewBox="0 0 ([0-9.]+) ([0-9.]+)"', svg)
    half = float(width.group(1)) / 2
    cropped = tmp_path / "qr.svg"
    cropped.write_text(svg.replace(width.group(0), f'viewBox="{half} 0 {half} {half}"', 1), encoding="utf-8")
    subprocess.run([rsvg, "-w", "480", str(cropped), "-o", str(tmp_path / "qr.png")], check=True, timeout=60)
    w, h, gray = read_gray(tmp_path / "qr.png")
    found = zxingcpp.read_barcodes(memoryview(gray).cast("B", (h, w)), formats=zxingcpp.BarcodeFormat.QRCode,
                                   try_invert=False)
    assert len(found) == 1 and re.fullmatch(r"ZLB1\.[0-9A-Z]+\.[0-9A-Z]+\.[0-9A-Z]+\.[A-Z2-7]+", found[0].text)
