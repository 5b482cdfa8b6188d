import pytest

from mock_server.domain.pin_rules import password_problem, pin_problem

ID = "330106199003071236"


@pytest.mark.parametrize("pin", ["135792", "246813", "102938", "123457", "112233", "908172", "000001", "890123"])
def test_acceptable_pins(pin):
    assert pin_problem(pin) is None
    assert pin_problem(pin, ID) is None


@pytest.mark.parametrize(
    "pin", ["12345", "1234567", "", "12345a", "12 345", "１２３４５７", "+12345", "12345\n", "abcdef"]
)
def test_pin_format(pin):
    assert pin_problem(pin) == "format"


def test_pin_non_string_is_format():
    assert pin_problem(135792) == "format"  # type: ignore[arg-type]
    assert pin_problem(None) == "format"  # type: ignore[arg-type]


@pytest.mark.parametrize("pin", ["012345", "123456", "345678", "456789", "987654", "654321", "543210"])
def test_pin_sequential(pin):
    assert pin_problem(pin) == "sequential"


@pytest.mark.parametrize("pin", ["000000", "111111", "999999"])
def test_pin_repeated(pin):
    assert pin_problem(pin) == "repeated"


def test_pin_from_id_number():
    assert pin_problem("199003", ID) == "from_id_number"  # birth date part
    assert pin_problem("330106", ID) == "from_id_number"  # start
    assert pin_problem("071236", ID) == "from_id_number"  # end
    assert pin_problem("071236") is None  # only a problem when the ID is given
    assert pin_problem("071237", ID) is None
    # X is not a digit: only the 17 digits count
    assert pin_problem("231002", "11010519491231002X") == "from_id_number"
    assert pin_problem("31002X", "11010519491231002X") == "format"


def test_pin_id_number_type_checked():
    with pytest.raises(TypeError):
        pin_problem("135792", 330106199003071236)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "pw", ["abcdefg1", "ABCDEFG1", "abcdEFGH", "abcdefg!", "Passw0rd2025", "a" * 19 + "1", "密码密码密码12", "hello world"]
)
def test_password_ok(pw):
    assert password_problem(pw) is None


@pytest.mark.parametrize("pw", ["", "abc1", "abcdef1", "a" * 20 + "1", "Ab1!" * 6])
def test_password_length(pw):
    assert password_problem(pw) == "length"


@pytest.mark.parametrize("pw", ["abcdefgh", "ABCDEFGH", "12345678", "!@#$%^&*", "密码密码密码密码", "a" * 20])
def test_password_classes(pw):
    assert password_problem(pw) == "classes"


@pytest.mark.parametrize("pw", ["abcdefg1\n", "abc\x00defg1", "abcd\tefg1"])
def test_password_control_characters(pw):
    assert password_problem(pw) == "characters"


def test_password_non_string():
    with pytest.raises(TypeError):
        password_problem(None)  # type: ignore[arg-type]
