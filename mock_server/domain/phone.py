"""Mainland China mobile number normalisation."""

from __future__ import annotations

import re

_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")
_PREFIXES = ("+86", "0086")


def normalize_phone(value: str) -> str | None:
    """Return the bare 11-digit mobile number, or None if ``value`` is not one.

    Spaces and dashes are removed, then one optional "+86" or "0086" prefix;
    the rest must match ``^1[3-9]\\d{9}$`` (ASCII digits only).
    """
    if not isinstance(value, str):
        return None
    compact = value.replace(" ", "").replace("-", "")
    for prefix in _PREFIXES:
        if compact.startswith(prefix):
            compact = compact[len(prefix):]
            break
    return compact if _MOBILE_RE.fullmatch(compact) else None
