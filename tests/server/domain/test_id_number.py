from datetime import date

import pytest

from mock_server.domain.id_number import (
    CHECK_CHARS,
    WEIGHTS,
    birth_date_of,
    check_char,
    gender_of,
    is_valid_id_number,
    make_id_number,
    validate_id_number,
)

VALID = [
    "11010519491231002X",
    "440524188001010014",
    "330106199003071236",
    "33038219720615008X",
]


def test_constants():
    assert list(WEIGHTS) == [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    assert CHECK_CHARS == "10X98765432"


@pytest.mark.parametrize("value", VALID)
def test_valid_examples(value):
    assert validate_id_number(value) is None
    assert is_valid_id_number(value) is True
    assert check_char(value[:17]) == value[17]


def test_check_char_values():
    assert check_char("11010519491231002") == "X"
    assert check_char("44052418800101001") == "4"
    assert check_char("33010619900307123") == "6"


@pytest.mark.parametrize("bad", ["1101051949123100", "110105194912310021", "1101051949123100X1", "", "x" * 17])
def test_check_char_rejects_non_17_digits(bad):
    with pytest.raises(ValueError):
        check_char(bad)


def test_check_char_rejects_fullwidth_digits():
    with pytest.raises(ValueError):
        check_char("１" * 17)


@pytest.mark.parametrize(
    "value, reason",
    [
        ("33010619900307123", "length"),  # 17 chars
        ("3301061990030712366", "length"),  # 19 chars
        ("", "length"),
        ("11010519491231002x", "format"),  # lower-case x
        ("3301061990030712A6", "format"),
        ("33010619900307123A", "format"),
        ("ABCDEFGHIJKLMNOPQR", "format"),
        ("X30106199003071236", "format"),
        ("３30106199003071236", "format"),  # full-width digit
        (" 30106199003071236", "format"),
        ("330106199002301236", "birth_date"),  # 30 February
        ("330106199013011236", "birth_date"),  # month 13
        ("330106199001001236", "birth_date"),  # day 0
        ("330106179912311236", "birth_date"),  # 1799
        ("330106190002291236", "birth_date"),  # 1900 is not a leap year
        ("330106199003071237", "check_char"),
        ("330106199003071230", "check_char"),
        ("33010619900307123X", "check_char"),
        ("11010519491231002" + "0", "check_char"),
    ],
)
def test_invalid_reasons(value, reason):
    assert validate_id_number(value) == reason
    assert is_valid_id_number(value) is False


def test_non_string_is_format():
    assert validate_id_number(330106199003071236) == "format"  # type: ignore[arg-type]
    assert is_valid_id_number(None) is False  # type: ignore[arg-type]


def test_leap_day_and_lower_bound_accepted():
    leap = make_id_number("330106", date(2000, 2, 29), 123)
    assert validate_id_number(leap) is None
    earliest = make_id_number("330106", date(1800, 1, 1), 1)
    assert validate_id_number(earliest) is None


def test_gender_of():
    assert gender_of("330106199003071236") == "male"  # 3 is odd
    assert gender_of("11010519491231002X") == "female"  # 2 is even
    assert gender_of("440524188001010014") == "male"  # sequence 001
    assert gender_of("33038219720615008X") == "female"  # sequence 008


def test_gender_uses_17th_digit():
    assert gender_of(make_id_number("330106", date(1990, 1, 1), 1)) == "male"
    assert gender_of(make_id_number("330106", date(1990, 1, 1), 2)) == "female"
    assert gender_of(make_id_number("330106", date(1990, 1, 1), 0)) == "female"
    assert gender_of(make_id_number("330106", date(1990, 1, 1), 999)) == "male"


def test_birth_date_of():
    assert birth_date_of("11010519491231002X") == date(1949, 12, 31)
    assert birth_date_of("440524188001010014") == date(1880, 1, 1)
    assert birth_date_of("33038219720615008X") == date(1972, 6, 15)


@pytest.mark.parametrize("bad", ["330106199003071237", "33010619900230123", "11010519491231002x"])
def test_accessors_reject_invalid(bad):
    with pytest.raises(ValueError):
        gender_of(bad)
    with pytest.raises(ValueError):
        birth_date_of(bad)


def test_make_id_number_reproduces_examples():
    assert make_id_number("110105", date(1949, 12, 31), 2) == "11010519491231002X"
    assert make_id_number("440524", date(1880, 1, 1), 1) == "440524188001010014"
    assert make_id_number("330106", date(1990, 3, 7), 123) == "330106199003071236"
    assert make_id_number("330382", date(1972, 6, 15), 8) == "33038219720615008X"


def test_make_id_number_sequence_bounds():
    assert make_id_number("330106", date(1990, 3, 7), 0)[14:17] == "000"
    assert make_id_number("330106", date(1990, 3, 7), 999)[14:17] == "999"
    with pytest.raises(ValueError):
        make_id_number("330106", date(1990, 3, 7), -1)
    with pytest.raises(ValueError):
        make_id_number("330106", date(1990, 3, 7), 1000)
    with pytest.raises(TypeError):
        make_id_number("330106", date(1990, 3, 7), True)  # type: ignore[arg-type]


@pytest.mark.parametrize("region", ["33010", "3301066", "33010A", "", "３３０１０６"])
def test_make_id_number_rejects_bad_region(region):
    with pytest.raises(ValueError):
        make_id_number(region, date(1990, 3, 7), 1)


def test_make_id_number_rejects_too_early_birth():
    with pytest.raises(ValueError):
        make_id_number("330106", date(1799, 12, 31), 1)


def test_make_id_number_output_always_valid():
    for seq in range(0, 1000, 37):
        assert validate_id_number(make_id_number("330102", date(1985, 11, 30), seq)) is None
