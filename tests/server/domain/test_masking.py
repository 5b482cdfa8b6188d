import pytest

from mock_server.domain.masking import (
    mask_bank_card,
    mask_card_number,
    mask_id_number,
    mask_id_number_strong,
    mask_name,
    mask_phone,
)


@pytest.mark.parametrize(
    "name, masked",
    [("张三", "*三"), ("欧阳娜娜", "*阳娜娜"), ("张", "*"), ("李小龙", "*小龙"), ("Li", "*i")],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_mask_name_rejects_empty_and_non_str():
    with pytest.raises(ValueError):
        mask_name("")
    with pytest.raises(TypeError):
        mask_name(None)  # type: ignore[arg-type]


def test_mask_id_number_strong():
    assert mask_id_number_strong("33038219720615008X") == "3" + "*" * 16 + "X"
    assert mask_id_number_strong("330106199003071236") == "3****************6"


def test_mask_id_number_ordinary():
    assert mask_id_number("330106199003071236") == "3***06199003*****6"
    assert mask_id_number("11010519491231002X") == "1***05194912*****X"
    masked = mask_id_number("440524188001010014")
    assert len(masked) == 18
    kept = [i for i, ch in enumerate(masked, start=1) if ch != "*"]
    assert kept == [1, 5, 6, 7, 8, 9, 10, 11, 12, 18]


@pytest.mark.parametrize("bad", ["33010619900307123", "3301061990030712366", ""])
def test_id_masks_require_18_chars(bad):
    with pytest.raises(ValueError):
        mask_id_number(bad)
    with pytest.raises(ValueError):
        mask_id_number_strong(bad)


def test_mask_phone():
    assert mask_phone("13705719050") == "137****9050"
    for bad in ["1370571905", "137057190501", ""]:
        with pytest.raises(ValueError):
            mask_phone(bad)


def test_mask_bank_card():
    assert mask_bank_card("6222021202041234567") == "622202*********4567"
    assert mask_bank_card("62220212020412") == "622202****0412"
    assert mask_bank_card("62220212345") == "622202*2345"  # shortest maskable: 11 chars
    with pytest.raises(ValueError):
        mask_bank_card("6222021234")  # 10 chars: nothing would be hidden


def test_mask_card_number():
    assert mask_card_number("B00000019") == "B*****019"
    assert mask_card_number("A1234") == "A*234"
    with pytest.raises(ValueError):
        mask_card_number("A123")


@pytest.mark.parametrize(
    "func",
    [mask_id_number, mask_id_number_strong, mask_phone, mask_bank_card, mask_card_number],
)
def test_masks_preserve_length_and_reject_non_str(func):
    samples = {
        mask_id_number: "330106199003071236",
        mask_id_number_strong: "330106199003071236",
        mask_phone: "13705719050",
        mask_bank_card: "6222021202041234567",
        mask_card_number: "B00000019",
    }
    value = samples[func]
    masked = func(value)
    assert len(masked) == len(value)
    assert masked != value
    with pytest.raises(TypeError):
        func(12345678901)
