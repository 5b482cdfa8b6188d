"""Every string the screens show has a Chinese and an English text."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from zheliban_tui import i18n
from zheliban_tui.i18n import CATALOGS

zh = type("Catalogue", (), {"MESSAGES": CATALOGS["zh"]})
en = type("Catalogue", (), {"MESSAGES": CATALOGS["en"]})

PACKAGE = Path(__file__).resolve().parents[2] / "zheliban_tui"
FIELD = re.compile(r"{(\w+)}")


def _string_keys_used() -> set[str]:
    """Literal keys passed to t(...) / Binding(..., description) / *_key= anywhere in the client."""
    keys: set[str] = set()
    prefixes = sorted({key.split(".", 1)[0] for key in CATALOGS["zh"]})
    pattern = re.compile(rf"^({'|'.join(prefixes)})\.[\w.]+$")
    for path in PACKAGE.rglob("*.py"):
        if "i18n" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        in_fstrings = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}
        for node in ast.walk(tree):
            if id(node) in in_fstrings:
                continue  # the fixed part of f"card.relation.{key}" is not a key
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and pattern.match(node.value):
                keys.add(node.value)
    return keys


def test_english_and_chinese_have_the_same_keys():
    assert set(zh.MESSAGES) - set(en.MESSAGES) == set(), "missing in English"
    assert set(en.MESSAGES) - set(zh.MESSAGES) == set(), "missing in Chinese"


def test_both_languages_fill_the_same_fields():
    for key, text in zh.MESSAGES.items():
        assert set(FIELD.findall(text)) == set(FIELD.findall(en.MESSAGES[key])), key


def _keys_passed_to_lookups() -> set[str]:
    """Literal first arguments of t(...) and descriptions of Binding(...), whatever their prefix."""
    keys: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            position = {"t": 0, "Binding": 2}.get(name)
            if position is not None and len(node.args) > position:
                arg = node.args[position]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    keys.add(arg.value)
    return keys


def test_every_literal_lookup_names_a_key():
    keys = _keys_passed_to_lookups()
    assert "login.submit" in keys
    assert sorted(k for k in keys if k not in zh.MESSAGES) == []


def test_every_key_the_code_names_exists():
    used = _string_keys_used()
    assert used, "the scan found no keys at all"
    missing = sorted(k for k in used if k not in zh.MESSAGES)
    assert missing == []


def test_every_service_has_a_title_and_help():
    from zheliban_tui.services import SERVICES

    for service in SERVICES:
        assert service.title_key in zh.MESSAGES and service.help_key in zh.MESSAGES


def test_every_backend_code_the_login_and_card_screens_meet_is_translated():
    from mock_server.errors import CODES

    codes = [c for c in CODES if c.startswith(("OTP_", "PIN_", "CARD_", "QR_", "TOKEN_", "SESSION_"))
             and c not in ("SESSION_HAS_WINDOWS", "SESSION_NOT_FOUND")]
    codes += ["ACCOUNT_LOCKED", "INVALID_PHONE", "INVALID_ID_NUMBER", "PHONE_NOT_REGISTERED", "INVALID_CREDENTIALS",
              "REFRESH_TOKEN_REUSED", "REALNAME_LEVEL_TOO_LOW", "INSURANCE_NOT_FOUND", "INTERNAL_ERROR"]
    assert [c for c in codes if f"error.{c}" not in zh.MESSAGES] == []


@pytest.fixture
def english():
    i18n.set_language("en")
    yield
    i18n.set_language("zh")


def test_lookup_fills_fields_and_switches_language(english):
    assert i18n.t("error.OTP_INVALID", tries_left=3) == "Wrong code: 3 tries left"
    i18n.set_language("zh")
    assert i18n.t("error.OTP_INVALID", tries_left=3) == "验证码错误，还可尝试 3 次"


def test_an_unknown_code_falls_back_to_the_servers_words():
    assert i18n.error_text("SOMETHING_NEW", "The server's own words") == "The server's own words"
    assert "SOMETHING_NEW" in i18n.error_text("SOMETHING_NEW")


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError):
        i18n.set_language("fr")
    assert i18n.language() == "zh"


def test_keys_built_at_run_time_exist():
    from zheliban_tui.screens.card import RELATIONS
    from zheliban_tui.themes import THEMES

    keys = [f"card.status.{s}" for s in ("normal", "lost", "cancelled")]
    keys += [f"card.relation.{r}" for r in RELATIONS.values()]
    keys += [f"palette.theme_{name}" for name in THEMES]
    assert [k for k in keys if k not in zh.MESSAGES or k not in en.MESSAGES] == []
