"""Every user-facing string goes through `t(key, **values)`.

Chinese is the default language and English is complete: `tests/tui/test_i18n.py` fails when a key
of one catalogue is missing from the other, or when the code asks for a key no catalogue has.
Backend refusals are translated by their stable `code` (`error.<CODE>`), falling back to the
server's own words for a code this client does not know yet.
"""
from __future__ import annotations

from typing import Any, Mapping

from . import en, en_booking, en_payments, zh, zh_booking, zh_payments

# One catalogue per language; its parts live in one file per area of the app.
CATALOGS: dict[str, Mapping[str, str]] = {
    "zh": {**zh.MESSAGES, **zh_payments.MESSAGES, **zh_booking.MESSAGES},
    "en": {**en.MESSAGES, **en_payments.MESSAGES, **en_booking.MESSAGES},
}
LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

_current = DEFAULT_LANGUAGE


def language() -> str:
    return _current


def set_language(lang: str) -> None:
    global _current
    if lang not in CATALOGS:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    _current = lang


def has_key(key: str) -> bool:
    return key in CATALOGS[_current]


def t(key: str, **values: Any) -> str:
    """The text of `key` in the current language, with `{name}` fields filled from `values`."""
    text = CATALOGS[_current].get(key)
    if text is None:
        text = CATALOGS[DEFAULT_LANGUAGE].get(key, key)
    if values:
        try:
            return text.format(**values)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def error_text(code: str, detail: str | None = None, **values: Any) -> str:
    """A refusal or failure in words: the translation of its code, else the server's detail."""
    text = CATALOGS[_current].get(f"error.{code}")
    if text is not None:
        try:
            return text.format(code=code, **values)
        except (KeyError, IndexError, ValueError):
            pass  # a number the text needs did not come with this refusal: the server's words say it
    return detail or t("error.UNKNOWN", code=code)
