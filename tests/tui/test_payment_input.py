"""What the payment screens check as typed: 户号, payment codes, amounts in fen, days; the receipt's QR text."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone

import pytest

from mock_server.domain import payment_rules
from tests.qr_reader import decode_text
from zheliban_tui.api import Receipt
from zheliban_tui.payment_checks import (MAX_PAYMENT_FEN, check_account_number, check_amount, check_day,
                                         check_pay_code, parse_yuan, yuan_input)
from zheliban_tui.receipt_payload import receipt_payload
from zheliban_tui.widgets.qr_code import qr_text, qr_version


@pytest.mark.parametrize("text,ok,key", [
    ("", False, None),
    ("3385201711", True, "validate.format_ok"),
    ("33852", False, "validate.account_number_incomplete"),
    ("33a8", False, "validate.account_number_digits"),
    ("３３８５２０１７１１", False, "validate.account_number_digits"),  # full-width digits are not ASCII
    ("33852017119", False, "validate.account_number_length"),
])
def test_account_numbers(text, ok, key):
    check = check_account_number(text)
    assert (check.ok, check.message_key) == (ok, key)
    if ok:
        assert payment_rules.valid_account_number(text)


@pytest.mark.parametrize("text,ok,key", [
    ("33SWMZACMX1B3VVXWFBV", True, "validate.format_ok"),
    ("33swmzacmx1b3vvxwfbv", False, "validate.pay_code_lower"),
    ("33SWMzACMX", False, "validate.pay_code_lower"),
    ("33-SWMZACMX", False, "validate.pay_code_chars"),
    ("33SWM", False, "validate.pay_code_short"),
    ("A" * 33, False, "validate.pay_code_long"),
])
def test_payment_codes_agree_with_the_backend(text, ok, key):
    check = check_pay_code(text)
    assert (check.ok, check.message_key) == (ok, key)
    assert payment_rules.valid_pay_code(text) == ok


@pytest.mark.parametrize("text,fen", [("272.24", 27224), ("300", 30000), ("0.5", 50), ("12.", 1200), (" 1.05 ", 105),
                                      ("1.005", None), ("-1", None), ("1e3", None), ("", None), ("1,000", None)])
def test_yuan_are_parsed_into_fen_without_floats(text, fen):
    assert parse_yuan(text) == fen


def test_amounts_for_a_bill_that_takes_at_least_what_is_due():
    assert check_amount("272.24", 27224) == (check_amount("272.24", 27224)[0], 27224)
    assert check_amount("300", 27224)[1] == 30000
    check, fen = check_amount("100", 27224)
    assert fen is None and check.message_key == "validate.amount_below_due" and check.values == {"due": "272.24"}
    assert check_amount("300.005", 27224)[0].message_key == "validate.amount_fraction"
    assert check_amount("abc", 27224)[0].message_key == "validate.amount_format"
    assert check_amount("0", 0)[0].message_key == "validate.amount_format"
    assert check_amount("", 100)[0].message_key == "validate.amount_empty"
    assert check_amount(yuan_input(MAX_PAYMENT_FEN + 1), 100)[0].message_key == "validate.amount_too_high"
    assert yuan_input(27224) == "272.24" and yuan_input(5) == "0.05"


def test_days():
    assert check_day("") == (check_day("")[0], None) and check_day("")[0].ok
    assert check_day("2026-06-15")[1] == date(2026, 6, 15)
    assert check_day("2026-6-15")[0].message_key == "validate.day_format"
    assert check_day("2026-02-30")[0].message_key == "validate.day_invalid"


def test_the_receipt_qr_text_is_alphanumeric_and_a_small_symbol():
    receipt = Receipt(payment_id="PM00000001", bill_code="33651896", bill_number="0000000001", check_code="f8ef05",
                      issued_at=datetime(2026, 6, 15, 1, 0, tzinfo=timezone.utc), amount_fen=27224,
                      amount_in_words="人民币贰佰柒拾贰元贰角肆分", payer_name="张伟", agency="国网杭州供电公司", item="电费")
    payload = receipt_payload(receipt)
    assert payload == "ZLBFB1.33651896.0000000001.F8EF05.27224.20260615"
    assert qr_version(payload) == 3
    assert decode_text(qr_text(payload)) == payload
    # the day is Shanghai's: 17:30 UTC on the 14th is 01:30 on the 15th there
    late = replace(receipt, issued_at=datetime(2026, 6, 14, 17, 30, tzinfo=timezone.utc))
    assert receipt_payload(late).endswith(".20260615")
