"""Late fees (滞纳金) on utility arrears, in integer fen."""

from __future__ import annotations

from datetime import date, datetime

PPM = 1_000_000


def _require_int(value: int, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int")


def late_fee_fen(
    arrears_fen: int,
    days_overdue: int,
    rate_per_day_ppm: int = 1000,
    minimum_fen: int = 100,
) -> int:
    """Late fee in fen for ``arrears_fen`` overdue ``days_overdue`` days.

    0 when nothing is owed or nothing is overdue; otherwise
    arrears * rate_ppm / 1_000_000 * days rounded half up (integer
    arithmetic), but at least ``minimum_fen``. The default rate of
    1000 ppm is 0.1 % a day and the default minimum is 1 yuan.
    """
    for value, name in (
        (arrears_fen, "arrears_fen"),
        (days_overdue, "days_overdue"),
        (rate_per_day_ppm, "rate_per_day_ppm"),
        (minimum_fen, "minimum_fen"),
    ):
        _require_int(value, name)
    if rate_per_day_ppm < 0:
        raise ValueError("rate_per_day_ppm must not be negative")
    if minimum_fen < 0:
        raise ValueError("minimum_fen must not be negative")
    if arrears_fen <= 0 or days_overdue <= 0:
        return 0
    fee = (arrears_fen * rate_per_day_ppm * days_overdue + PPM // 2) // PPM
    return max(minimum_fen, fee)


def days_overdue(due: date, today: date) -> int:
    """Whole days from the due date to today; 0 on or before the due date.

    Both arguments must be plain dates (a datetime would make "days" ambiguous).
    """
    for value, name in ((due, "due"), (today, "today")):
        if not isinstance(value, date) or isinstance(value, datetime):
            raise TypeError(f"{name} must be a datetime.date, not a datetime")
    return max(0, (today - due).days)
