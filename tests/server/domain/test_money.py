import pytest

from mock_server.domain.money import MAX_FEN, amount_in_capitals, format_yuan, yuan_to_fen


@pytest.mark.parametrize(
    "fen, text",
    [
        (140950, "1409.50"),
        (0, "0.00"),
        (1, "0.01"),
        (10, "0.10"),
        (99, "0.99"),
        (100, "1.00"),
        (-5, "-0.05"),
        (-140950, "-1409.50"),
        (10**12, "10000000000.00"),
    ],
)
def test_format_yuan(fen, text):
    assert format_yuan(fen) == text


@pytest.mark.parametrize("bad", [1.5, "100", None, True])
def test_format_yuan_rejects_non_int(bad):
    with pytest.raises(TypeError):
        format_yuan(bad)


@pytest.mark.parametrize(
    "text, fen",
    [
        ("12", 1200),
        ("12.3", 1230),
        ("12.30", 1230),
        ("12.05", 1205),
        ("0", 0),
        ("0.01", 1),
        ("0.5", 50),
        ("007", 700),
        (" 12.30 ", 1230),
        ("1409.50", 140950),
        ("10000000000", MAX_FEN),
        ("10000000000.00", MAX_FEN),
    ],
)
def test_yuan_to_fen(text, fen):
    assert yuan_to_fen(text) == fen


@pytest.mark.parametrize(
    "text",
    [
        "12.305",  # fraction of a fen
        "12.300",  # 3 decimals rejected outright
        "-1",
        "-0.01",
        "+1",
        "abc",
        "",
        " ",
        "nan",
        "NaN",
        "inf",
        "1e3",
        "1E3",
        "12.",
        ".5",
        "1,000",
        "1 000",
        "１２",  # full-width digits
        "12.3.4",
        "0x10",
        "1_000",
        "10000000000.01",  # one fen over the maximum
        "99999999999",
        "9" * 5000,  # must not hit int-conversion limits with another error type
    ],
)
def test_yuan_to_fen_rejects(text):
    with pytest.raises(ValueError):
        yuan_to_fen(text)


def test_yuan_to_fen_rejects_non_str():
    with pytest.raises(TypeError):
        yuan_to_fen(12)  # type: ignore[arg-type]


def test_round_trip():
    for fen in [0, 1, 9, 10, 11, 99, 100, 101, 140950, 123456789]:
        assert yuan_to_fen(format_yuan(fen)) == fen


@pytest.mark.parametrize(
    "fen, capitals",
    [
        (140950, "人民币壹仟肆佰零玖元伍角"),
        (100, "人民币壹元整"),
        (0, "人民币零元整"),
        (5, "人民币伍分"),
        (10, "人民币壹角"),
        (15, "人民币壹角伍分"),
        (99, "人民币玖角玖分"),
        (105, "人民币壹元零伍分"),
        (110, "人民币壹元壹角"),
        (1_050, "人民币壹拾元伍角"),
        (10_001, "人民币壹佰元零壹分"),
        (1_000_100, "人民币壹万零壹元整"),
        (100_000_000, "人民币壹佰万元整"),  # 1,000,000 yuan
        (200_000_000, "人民币贰佰万元整"),  # 2,000,000 yuan
        (10_000_000_000, "人民币壹亿元整"),  # 100,000,000 yuan
        (10_000_000_005, "人民币壹亿元零伍分"),
        (100_500, "人民币壹仟零伍元整"),
        (105_000, "人民币壹仟零伍拾元整"),
        (150_000, "人民币壹仟伍佰元整"),
        (1_005_000, "人民币壹万零伍拾元整"),
        (10_050_000, "人民币壹拾万零伍佰元整"),
        (11_000_000_000, "人民币壹亿壹仟万元整"),
        (10_000_100_000, "人民币壹亿零壹仟元整"),
        (10_001_000_000, "人民币壹亿零壹万元整"),
        (10_010_000_000, "人民币壹亿零壹拾万元整"),
        (10_100_000_000, "人民币壹亿零壹佰万元整"),
        (123_456_789_012, "人民币壹拾贰亿叁仟肆佰伍拾陆万柒仟捌佰玖拾元壹角贰分"),
        (MAX_FEN, "人民币壹佰亿元整"),
        (99_999_999_999_999, "人民币玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ],
)
def test_amount_in_capitals(fen, capitals):
    assert amount_in_capitals(fen) == capitals


def test_amount_in_capitals_rejects():
    with pytest.raises(ValueError):
        amount_in_capitals(-1)
    with pytest.raises(ValueError):
        amount_in_capitals(100_000_000_000_000)  # 1万亿 yuan
    with pytest.raises(TypeError):
        amount_in_capitals(1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        amount_in_capitals(True)  # type: ignore[arg-type]


def test_capitals_never_has_double_zero_or_trailing_zero():
    for fen in range(0, 2_000_000, 997):
        text = amount_in_capitals(fen)
        assert "零零" not in text
        assert not text.endswith("零")
        assert "零元" not in text or fen == 0
