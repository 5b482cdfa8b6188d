"""The brand themes: blue light and dark, and the high-contrast elder mode (适老版)."""
from __future__ import annotations

from textual.theme import Theme

BRAND_BLUE = "#1a6fe8"

LIGHT = Theme(
    name="zheliban-light",
    primary=BRAND_BLUE,
    secondary="#3d8bfd",
    accent="#ff8a00",
    warning="#e6a23c",
    error="#d93025",
    success="#1e9e5a",
    foreground="#1f2329",
    background="#f2f5fa",
    surface="#ffffff",
    panel="#e6eefc",
    dark=False,
)

DARK = Theme(
    name="zheliban-dark",
    primary="#4d94ff",
    secondary="#7ab0ff",
    accent="#ffa940",
    warning="#f0b429",
    error="#ff6b5e",
    success="#3ccf7e",
    foreground="#e8ecf2",
    background="#0f1620",
    surface="#18222f",
    panel="#1d3355",
    dark=True,
)

ELDER = Theme(
    name="zheliban-elder",
    primary="#0040c0",
    secondary="#0040c0",
    accent="#b34700",
    warning="#8a5a00",
    error="#b00000",
    success="#006b2e",
    foreground="#000000",
    background="#ffffff",
    surface="#ffffff",
    panel="#dce6ff",
    dark=False,
    luminosity_spread=0.05,
    text_alpha=1.0,
)

THEMES = {"light": LIGHT, "dark": DARK, "elder": ELDER}
THEME_NAMES = tuple(THEMES)
