import pytest

from mock_server.domain.phone import normalize_phone


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("13705719050", "13705719050"),
        ("137 0571 9050", "13705719050"),
        ("137-0571-9050", "13705719050"),
        (" 137-0571 9050 ", "13705719050"),
        ("+8613705719050", "13705719050"),
        ("+86 137 0571 9050", "13705719050"),
        ("+86-137-0571-9050", "13705719050"),
        ("008613705719050", "13705719050"),
        ("0086 13705719050", "13705719050"),
        ("13000000000", "13000000000"),
        ("19999999999", "19999999999"),
    ],
)
def test_accepted(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "1370571905",  # 10 digits
        "137057190501",  # 12 digits
        "12705719050",  # second digit 2
        "10705719050",
        "23705719050",
        "8613705719050",  # 86 without + or 00
        "+85213705719050",
        "+86+8613705719050",  # prefix only once
        "00860086137057190",
        "1370571905a",
        "１３７０５７１９０５０",  # full-width digits
        "137\t0571\t9050",  # tabs are not stripped
        "137.0571.9050",
        "(137)05719050",
        "+86",
    ],
)
def test_rejected(raw):
    assert normalize_phone(raw) is None


def test_non_string_rejected():
    assert normalize_phone(13705719050) is None  # type: ignore[arg-type]
    assert normalize_phone(None) is None  # type: ignore[arg-type]
