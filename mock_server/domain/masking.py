"""Display masks for personal data, following the patterns 浙里办 publishes.

Each function preserves the length of its input. A value too short or of
the wrong length to be masked as specified raises ValueError rather than
being shown unmasked.
"""

from __future__ import annotations

import re

MASK = "*"


def _require_str(value: str) -> None:
    if not isinstance(value, str):
        raise TypeError("value must be a str")


def _keep_ends(value: str, head: int, tail: int) -> str:
    """Keep ``head`` leading and ``tail`` trailing chars, mask the rest."""
    return value[:head] + MASK * (len(value) - head - tail) + value[len(value) - tail:]


def mask_name(name: str) -> str:
    """Hide the first character of a name: "张三" -> "*三", "张" -> "*"."""
    _require_str(name)
    if not name:
        raise ValueError("name must not be empty")
    return MASK + name[1:]


def mask_id_number_strong(value: str) -> str:
    """Strong ID mask: keep the first and last characters of the 18, mask the 16 between."""
    _require_str(value)
    if len(value) != 18:
        raise ValueError("ID number must have 18 characters")
    return _keep_ends(value, 1, 1)


_ORDINARY_KEPT = frozenset({1, 5, 6, 7, 8, 9, 10, 11, 12, 18})  # 1-based positions


def mask_id_number(value: str) -> str:
    """Ordinary ID mask: keep characters 1, 5-12 and 18 (1-based), mask the others."""
    _require_str(value)
    if len(value) != 18:
        raise ValueError("ID number must have 18 characters")
    return "".join(ch if pos in _ORDINARY_KEPT else MASK for pos, ch in enumerate(value, start=1))


def mask_phone(value: str) -> str:
    """Mask an 11-digit mobile number: "13705719050" -> "137****9050"."""
    _require_str(value)
    if len(value) != 11:
        raise ValueError("mobile number must have 11 characters")
    return _keep_ends(value, 3, 4)


def mask_bank_card(value: str) -> str:
    """Keep the first 6 and last 4 characters of a bank card number, mask the rest."""
    _require_str(value)
    if len(value) <= 10:
        raise ValueError("bank card number must be longer than 10 characters")
    return _keep_ends(value, 6, 4)


def mask_card_number(value: str) -> str:
    """Mask a social security card number keeping first and last 3: "B00000019" -> "B*****019"."""
    _require_str(value)
    if len(value) <= 4:
        raise ValueError("card number must be longer than 4 characters")
    return _keep_ends(value, 1, 3)


ADDRESS_MASK = "****"
ADDRESS_KEEP_WITHOUT_STREET = 6
_STREET_END_RE = re.compile(r"^.*?(?:大道|大街|路|街|巷|弄|道)")


def mask_address(address: str) -> str:
    """Keep the city and street of an address and hide the house: "杭州市莫干山路253号14幢1584室" ->
    "杭州市莫干山路****". Without a recognisable street, keep at most the first 6 characters."""
    if not isinstance(address, str):
        raise TypeError("address must be a str")
    if not address:
        raise ValueError("address must not be empty")
    match = _STREET_END_RE.match(address)
    if match and match.end() < len(address):
        kept = match.group(0)
    else:
        kept = address[:min(ADDRESS_KEEP_WITHOUT_STREET, len(address) // 2)]
    return kept + ADDRESS_MASK
