"""Money in integer fen (分): parsing, display and the capital-character form.

1 yuan (元) = 10 jiao (角) = 100 fen (分). Amounts never pass through float.
"""

from __future__ import annotations

import re

MAX_FEN = 10**12
"""Largest amount accepted from user input (10 billion yuan)."""

_YUAN_RE = re.compile(r"([0-9]+)(?:\.([0-9]{1,2}))?")

_CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_DIGIT_UNITS = ("仟", "佰", "拾", "")  # for the 4 digits of a section, high to low
_SECTION_UNITS = ("亿", "万", "")  # for sections of 4 digits, high to low
_MAX_CAPITAL_YUAN = 10**12 - 1  # 9999亿...; 3 sections of 4 digits


def _require_int(value: int, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int")


def format_yuan(fen: int) -> str:
    """Format fen as yuan with 2 decimals: 140950 -> "1409.50", -5 -> "-0.05"."""
    _require_int(fen, "fen")
    sign = "-" if fen < 0 else ""
    yuan, rest = divmod(abs(fen), 100)
    return f"{sign}{yuan}.{rest:02d}"


def yuan_to_fen(text: str) -> int:
    """Parse a yuan amount such as "12", "12.3" or "12.30" into fen.

    Surrounding whitespace is ignored. Raises ValueError for anything else:
    signs (so negatives), more than 2 decimals, exponents, "nan"/"inf",
    separators, non-ASCII digits, or an amount above MAX_FEN.
    """
    if not isinstance(text, str):
        raise TypeError("text must be a str")
    match = _YUAN_RE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not a yuan amount with at most 2 decimals: {text!r}")
    whole, frac = match.group(1), match.group(2) or ""
    if len(whole.lstrip("0")) > len(str(MAX_FEN // 100)):
        raise ValueError("amount too large")
    fen = int(whole) * 100 + int(frac.ljust(2, "0"))
    if fen > MAX_FEN:
        raise ValueError("amount too large")
    return fen


def _section_in_capitals(section: int) -> str:
    """Write 1..9999 in capitals; internal zero runs become one 零, trailing zeros vanish."""
    out: list[str] = []
    pending_zero = False
    for digit_char, unit in zip(f"{section:04d}", _DIGIT_UNITS):
        digit = int(digit_char)
        if digit == 0:
            pending_zero = bool(out)
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        out.append(_CAPITAL_DIGITS[digit] + unit)
    return "".join(out)


def _yuan_in_capitals(yuan: int) -> str:
    """Write a positive whole number of yuan in capitals (without the 元)."""
    sections = (yuan // 10**8, yuan // 10**4 % 10**4, yuan % 10**4)
    out: list[str] = []
    pending_zero = False
    for section, unit in zip(sections, _SECTION_UNITS):
        if section == 0:
            pending_zero = pending_zero or bool(out)
            continue
        if out and (pending_zero or section < 1000):
            out.append("零")
        pending_zero = False
        out.append(_section_in_capitals(section) + unit)
    return "".join(out)


def amount_in_capitals(fen: int) -> str:
    """Write an amount in the capital form of fiscal e-bills, prefixed "人民币".

    140950 -> "人民币壹仟肆佰零玖元伍角", 100 -> "人民币壹元整",
    10001 -> "人民币壹佰元零壹分", 5 -> "人民币伍分". Amounts from 0 to
    just under 1万亿 yuan are supported; others raise ValueError.
    """
    _require_int(fen, "fen")
    if fen < 0:
        raise ValueError("amount must not be negative")
    yuan, rest = divmod(fen, 100)
    if yuan > _MAX_CAPITAL_YUAN:
        raise ValueError("amount too large for capital form")
    jiao, fen_digit = divmod(rest, 10)

    if yuan == 0 and rest == 0:
        return "人民币零元整"

    parts: list[str] = []
    if yuan > 0:
        parts.append(_yuan_in_capitals(yuan) + "元")
    if rest == 0:
        parts.append("整")
    else:
        if jiao > 0:
            parts.append(_CAPITAL_DIGITS[jiao] + "角")
        elif yuan > 0:
            parts.append("零")
        if fen_digit > 0:
            parts.append(_CAPITAL_DIGITS[fen_digit] + "分")
    return "人民币" + "".join(parts)
