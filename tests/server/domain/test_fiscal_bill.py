import re

import pytest

from mock_server.domain.fiscal_bill import bill_code, bill_number, check_code, make_receipt, verify_check_code

SECRET = bytes(range(32))


def test_bill_code_is_33_and_six_digits_per_agency():
    code = bill_code("国网杭州供电公司")
    assert re.fullmatch(r"33[0-9]{6}", code)
    assert bill_code("国网杭州供电公司") == code  # deterministic
    assert bill_code("杭州市水务集团") != code
    with pytest.raises(ValueError):
        bill_code("")


def test_bill_number_is_ten_digits():
    assert bill_number(1) == "0000000001"
    assert bill_number(9_999_999_999) == "9999999999"
    for bad in (0, -1, 10**10):
        with pytest.raises(ValueError):
            bill_number(bad)
    with pytest.raises(TypeError):
        bill_number(1.0)  # type: ignore[arg-type]


def test_check_code_is_six_upper_hex_and_depends_on_everything():
    code = check_code(SECRET, "33123456", "0000000001", 140950)
    assert re.fullmatch(r"[0-9A-F]{6}", code)
    assert check_code(SECRET, "33123456", "0000000001", 140950) == code
    others = {check_code(SECRET, "33123457", "0000000001", 140950),
              check_code(SECRET, "33123456", "0000000002", 140950),
              check_code(SECRET, "33123456", "0000000001", 140951),
              check_code(b"another secret", "33123456", "0000000001", 140950)}
    assert code not in others
    with pytest.raises(ValueError):
        check_code(b"", "33123456", "0000000001", 1)


def test_verify_check_code():
    code = check_code(SECRET, "33123456", "0000000001", 140950)
    assert verify_check_code(SECRET, "33123456", "0000000001", 140950, code)
    assert not verify_check_code(SECRET, "33123456", "0000000001", 140950, code.lower())
    assert not verify_check_code(SECRET, "33123456", "0000000001", 14095, code)
    assert not verify_check_code(SECRET, "33123456", "0000000001", 140950, None)  # type: ignore[arg-type]


def test_make_receipt():
    receipt = make_receipt(secret=SECRET, sequence=7, issued_at="2026-06-15T09:00:00+08:00", amount_fen=140950,
                           payer_name="张伟", agency="国网杭州供电公司", item="电费")
    assert receipt == {
        "bill_code": bill_code("国网杭州供电公司"),
        "bill_number": "0000000007",
        "check_code": check_code(SECRET, bill_code("国网杭州供电公司"), "0000000007", 140950),
        "issued_at": "2026-06-15T09:00:00+08:00",
        "amount_fen": 140950,
        "amount_in_words": "人民币壹仟肆佰零玖元伍角",
        "payer_name": "张伟",
        "agency": "国网杭州供电公司",
        "item": "电费",
    }
    whole = make_receipt(secret=SECRET, sequence=8, issued_at="x", amount_fen=46500, payer_name="刘婷",
                         agency="国家税务总局杭州市税务局", item="医保")
    assert whole["amount_in_words"] == "人民币肆佰陆拾伍元整"
    with pytest.raises(ValueError):
        make_receipt(secret=SECRET, sequence=9, issued_at="x", amount_fen=0, payer_name="a", agency="b", item="c")
