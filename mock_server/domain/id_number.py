"""Resident identity number rules (GB 11643-1999).

An ID number has 18 characters: a 6-digit region code, the birth date as
YYYYMMDD, a 3-digit sequence (odd for men, even for women) and a check
character computed from the first 17 digits (ISO 7064 MOD 11-2).
"""

from __future__ import annotations

from datetime import date

WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

ID_LENGTH = 18
MIN_BIRTH_YEAR = 1800

_DIGITS = frozenset("0123456789")


def _is_ascii_digits(text: str) -> bool:
    """True if ``text`` is non-empty and made only of ASCII digits 0-9."""
    return bool(text) and all(ch in _DIGITS for ch in text)


def check_char(first17: str) -> str:
    """Return the check character for the first 17 digits of an ID number."""
    if not isinstance(first17, str) or len(first17) != 17 or not _is_ascii_digits(first17):
        raise ValueError("first17 must be exactly 17 ASCII digits")
    total = sum(int(ch) * weight for ch, weight in zip(first17, WEIGHTS))
    return CHECK_CHARS[total % 11]


def _parse_birth(yyyymmdd: str) -> date | None:
    """Parse an 8-digit birth date; None if it is not a real date >= 1800."""
    year, month, day = int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8])
    if year < MIN_BIRTH_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def validate_id_number(value: str) -> str | None:
    """Return None if ``value`` is a valid ID number, else the first problem found.

    Reasons, checked in this order: "length" (not 18 characters), "format"
    (first 17 not ASCII digits, or last not a digit or upper-case "X"),
    "birth_date" (not a real date, or year before 1800), "check_char".
    A value that is not a string is reported as "format".
    """
    if not isinstance(value, str):
        return "format"
    if len(value) != ID_LENGTH:
        return "length"
    if not _is_ascii_digits(value[:17]) or not (value[17] in _DIGITS or value[17] == "X"):
        return "format"
    if _parse_birth(value[6:14]) is None:
        return "birth_date"
    if check_char(value[:17]) != value[17]:
        return "check_char"
    return None


def is_valid_id_number(value: str) -> bool:
    """True if ``value`` is a valid ID number."""
    return validate_id_number(value) is None


def _require_valid(id_number: str) -> None:
    reason = validate_id_number(id_number)
    if reason is not None:
        raise ValueError(f"invalid ID number: {reason}")


def gender_of(id_number: str) -> str:
    """Return "male" if the 17th digit is odd, else "female". Raises ValueError if invalid."""
    _require_valid(id_number)
    return "male" if int(id_number[16]) % 2 == 1 else "female"


def birth_date_of(id_number: str) -> date:
    """Return the birth date encoded in a valid ID number. Raises ValueError if invalid."""
    _require_valid(id_number)
    birth = _parse_birth(id_number[6:14])
    assert birth is not None  # guaranteed by _require_valid
    return birth


def make_id_number(region: str, birth: date, sequence: int) -> str:
    """Build a valid ID number from a 6-digit region code, a birth date and a sequence 0..999."""
    if not isinstance(region, str) or len(region) != 6 or not _is_ascii_digits(region):
        raise ValueError("region must be exactly 6 ASCII digits")
    if not isinstance(birth, date):
        raise TypeError("birth must be a datetime.date")
    if birth.year < MIN_BIRTH_YEAR:
        raise ValueError(f"birth year must be >= {MIN_BIRTH_YEAR}")
    if isinstance(sequence, bool) or not isinstance(sequence, int):
        raise TypeError("sequence must be an int")
    if not 0 <= sequence <= 999:
        raise ValueError("sequence must be in 0..999")
    first17 = f"{region}{birth.year:04d}{birth.month:02d}{birth.day:02d}{sequence:03d}"
    return first17 + check_char(first17)
