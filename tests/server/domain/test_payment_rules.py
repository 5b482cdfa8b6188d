from datetime import date, datetime

import pytest

from mock_server.domain.masking import mask_address
from mock_server.domain.payment_rules import (
    AmountRefused,
    Charge,
    charge_for,
    due_today,
    is_expired,
    kind_label,
    payment_rule,
    valid_account_number,
    valid_pay_code,
)

DUE = date(2026, 5, 25)
RULES = dict(rate_per_day_ppm=1000, minimum_fen=100)


def test_kind_labels():
    assert [kind_label(k) for k in ("water", "electricity", "gas", "nontax", "fine", "insurance")] == [
        "水费", "电费", "燃气费", "非税缴款", "交通罚款", "医保缴费"]
    with pytest.raises(ValueError):
        kind_label("tax")


def test_payment_rule():
    assert payment_rule("utility", "electricity") == "at_least"
    assert payment_rule("utility", "gas") == "at_least"
    assert payment_rule("utility", "water") == "exact"
    for family in ("nontax", "fine", "insurance"):
        assert payment_rule(family, family) == "exact"


def test_due_today_resident_utility():
    due = due_today(family="utility", amount_fen=26664, due_date=DUE, today=date(2026, 6, 15), resident=True, **RULES)
    assert (due.overdue_days, due.late_fee_fen) == (21, 560)  # 559.944 -> 560
    assert due.total_fen(26664) == 27224
    on_time = due_today(family="utility", amount_fen=26664, due_date=DUE, today=DUE, resident=True, **RULES)
    assert (on_time.overdue_days, on_time.late_fee_fen) == (0, 0)
    small = due_today(family="utility", amount_fen=9896, due_date=DUE, today=date(2026, 5, 26), resident=True, **RULES)
    assert small.late_fee_fen == 100  # 9.9 fen, the 1-yuan minimum applies


def test_due_today_no_fee_for_business_accounts_and_other_families():
    later = date(2026, 6, 15)
    assert due_today(family="utility", amount_fen=26664, due_date=DUE, today=later, resident=False,
                     **RULES).late_fee_fen == 0
    for family in ("nontax", "fine", "insurance"):
        due = due_today(family=family, amount_fen=26664, due_date=DUE, today=later, resident=True, **RULES)
        assert (due.overdue_days, due.late_fee_fen) == (21, 0)


def test_due_today_uses_the_given_rules():
    due = due_today(family="utility", amount_fen=100_000, due_date=DUE, today=date(2026, 5, 27), resident=True,
                    rate_per_day_ppm=500, minimum_fen=0)
    assert due.late_fee_fen == 100


def test_due_today_rejects_datetimes_and_floats():
    with pytest.raises(TypeError):
        due_today(family="utility", amount_fen=100, due_date=datetime(2026, 5, 25), today=DUE, resident=True, **RULES)
    with pytest.raises(TypeError):
        due_today(family="utility", amount_fen=100.0, due_date=DUE, today=DUE, resident=True, **RULES)


def test_is_expired():
    assert is_expired(None, date(2030, 1, 1)) is False
    assert is_expired(date(2026, 5, 31), date(2026, 5, 31)) is False  # good through its last day
    assert is_expired(date(2026, 5, 31), date(2026, 6, 1)) is True
    with pytest.raises(TypeError):
        is_expired(date(2026, 5, 31), datetime(2026, 6, 1))


def test_charge_exact():
    assert charge_for(rule="exact", owed_fen=8869, late_fee_fen=186, amount_fen=None, max_payment_fen=10**8) == \
        Charge(9055, 8869, 186, 0)
    assert charge_for(rule="exact", owed_fen=8869, late_fee_fen=186, amount_fen=9055, max_payment_fen=10**8) == \
        Charge(9055, 8869, 186, 0)
    for amount in (9054, 9056):
        with pytest.raises(AmountRefused) as err:
            charge_for(rule="exact", owed_fen=8869, late_fee_fen=186, amount_fen=amount, max_payment_fen=10**8)
        assert err.value.code == "AMOUNT_MUST_BE_EXACT" and err.value.due_fen == 9055


def test_charge_at_least():
    assert charge_for(rule="at_least", owed_fen=26664, late_fee_fen=560, amount_fen=None, max_payment_fen=10**8) == \
        Charge(27224, 26664, 560, 0)
    assert charge_for(rule="at_least", owed_fen=26664, late_fee_fen=560, amount_fen=30000, max_payment_fen=10**8) == \
        Charge(30000, 26664, 560, 2776)
    with pytest.raises(AmountRefused) as err:
        charge_for(rule="at_least", owed_fen=26664, late_fee_fen=560, amount_fen=27223, max_payment_fen=10**8)
    assert err.value.code == "AMOUNT_TOO_LOW"


@pytest.mark.parametrize("rule", ["exact", "at_least"])
@pytest.mark.parametrize("amount", [0, -1, 10**8 + 1])
def test_charge_out_of_range(rule, amount):
    with pytest.raises(AmountRefused) as err:
        charge_for(rule=rule, owed_fen=100, late_fee_fen=0, amount_fen=amount, max_payment_fen=10**8)
    assert err.value.code == "AMOUNT_INVALID"


def test_charge_due_above_the_maximum_is_invalid():
    with pytest.raises(AmountRefused) as err:
        charge_for(rule="exact", owed_fen=10**8, late_fee_fen=1, amount_fen=None, max_payment_fen=10**8)
    assert err.value.code == "AMOUNT_INVALID"


def test_charge_rejects_bad_arguments():
    with pytest.raises(TypeError):
        charge_for(rule="exact", owed_fen=100, late_fee_fen=0, amount_fen=100.0, max_payment_fen=10**8)
    with pytest.raises(TypeError):
        charge_for(rule="exact", owed_fen=100, late_fee_fen=0, amount_fen=True, max_payment_fen=10**8)
    with pytest.raises(ValueError):
        charge_for(rule="more", owed_fen=100, late_fee_fen=0, amount_fen=None, max_payment_fen=10**8)


@pytest.mark.parametrize("value, ok", [
    ("3385201711", True), ("0000000000", True), ("338520171", False), ("33852017110", False),
    ("33852O1711", False), ("３３８５２０１７１１", False), ("3385201711\n", False), ("", False), (3385201711, False),
])
def test_valid_account_number(value, ok):
    assert valid_account_number(value) is ok


@pytest.mark.parametrize("value, ok", [
    ("33SWMZACMX1B3VVXWFBV", True), ("3301360675817868", True), ("ABCDEFGH", True), ("A" * 32, True),
    ("ABCDEFG", False), ("A" * 33, False), ("33swmzacmx1b3vvxwfbv", False), ("3301-3606", False),
    ("３３０１３６０６７５８", False), ("ABCDEFGH\n", False), (None, False),
])
def test_valid_pay_code(value, ok):
    assert valid_pay_code(value) is ok


@pytest.mark.parametrize("address, masked", [
    ("杭州市莫干山路253号14幢1584室", "杭州市莫干山路****"),
    ("杭州市江南大道588号1层商铺", "杭州市江南大道****"),
    ("杭州市滨盛路155号5幢2422室(车库)", "杭州市滨盛路****"),
    ("宁波市中山东街8号", "宁波市中山东街****"),
    ("杭州市西湖区某某小区3幢", "杭州市西湖区****"),  # no street: at most the first 6 characters
    ("某小区", "某****"),
    ("解放路", "解放路"[:1] + "****"),  # nothing after the street: not shown whole either
])
def test_mask_address(address, masked):
    assert mask_address(address) == masked


def test_mask_address_rejects_empty_and_non_str():
    with pytest.raises(ValueError):
        mask_address("")
    with pytest.raises(TypeError):
        mask_address(None)  # type: ignore[arg-type]
