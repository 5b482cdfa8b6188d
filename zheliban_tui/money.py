"""Money is integer fen everywhere; it becomes yuan only here, at the screen."""
from __future__ import annotations


def yuan(fen: int) -> str:
    """12345 -> '123.45'; -5 -> '-0.05'; thousands separated: 1234567 -> '12,345.67'."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{cents:02d}"
