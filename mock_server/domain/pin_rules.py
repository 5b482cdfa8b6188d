"""Acceptability rules for the 6-digit card PIN and for login passwords."""

from __future__ import annotations

PIN_LENGTH = 6
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 20
PASSWORD_MIN_CLASSES = 2

_DIGITS = "0123456789"
_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")
_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _is_sequential(pin: str) -> bool:
    """True if each digit is one more (or each one less) than the previous."""
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:])}
    return steps == {1} or steps == {-1}


def pin_problem(pin: str, id_number: str | None = None) -> str | None:
    """Return None if ``pin`` is acceptable as a card PIN, else the first problem.

    Reasons, in order: "format" (not exactly 6 ASCII digits), "sequential"
    (like 123456 or 654321), "repeated" (like 111111), "from_id_number"
    (the 6 digits occur consecutively in the digits of ``id_number``).
    """
    if not isinstance(pin, str) or len(pin) != PIN_LENGTH or any(ch not in _DIGITS for ch in pin):
        return "format"
    if _is_sequential(pin):
        return "sequential"
    if len(set(pin)) == 1:
        return "repeated"
    if id_number is not None:
        if not isinstance(id_number, str):
            raise TypeError("id_number must be a str or None")
        id_digits = "".join(ch for ch in id_number if ch in _DIGITS)
        if pin in id_digits:
            return "from_id_number"
    return None


def password_problem(pw: str) -> str | None:
    """Return None if ``pw`` is acceptable as a login password, else the first problem.

    Reasons, in order: "length" (outside 8-20 characters), "characters"
    (contains a non-printable character such as a control character or
    newline), "classes" (fewer than 2 of: ASCII lower-case, ASCII upper-case,
    ASCII digit, any other printable character).
    """
    if not isinstance(pw, str):
        raise TypeError("pw must be a str")
    if not PASSWORD_MIN_LENGTH <= len(pw) <= PASSWORD_MAX_LENGTH:
        return "length"
    if not pw.isprintable():
        return "characters"
    classes = set()
    for ch in pw:
        if ch in _LOWER:
            classes.add("lower")
        elif ch in _UPPER:
            classes.add("upper")
        elif ch in _DIGITS:
            classes.add("digit")
        else:
            classes.add("other")
    if len(classes) < PASSWORD_MIN_CLASSES:
        return "classes"
    return None
