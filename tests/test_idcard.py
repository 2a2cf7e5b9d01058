from datetime import date

import pytest

from training_portal.people import idcard

from . import factories as make

make_number = make.id_number  # the body's 17 digits and their check digit


VALID = make_number("22010019870701108")


def test_valid_number_gives_birth_date_and_gender():
    parsed = idcard.parse(VALID)
    assert parsed.number == VALID
    assert parsed.birth_date == date(1987, 7, 1)
    assert parsed.gender == "F"  # the 17th digit, 8, is even
    male = idcard.parse(make_number("22010019870701109"))
    assert male.gender == "M"


def test_whitespace_and_lowercase_x_are_normalised():
    number = next(n for n in (make_number(f"220100198001011{i:02d}") for i in range(100)) if n.endswith("X"))
    assert idcard.parse(f"  {number.lower()} ").number == number


@pytest.mark.parametrize(
    "raw, fragment",
    [
        ("", "18 characters"),
        ("22010019870701108", "18 characters"),
        ("2201001987070110AX", "digits"),
        (VALID[:-1] + ("0" if VALID[-1] != "0" else "1"), "check digit"),
        (make_number("22010019871301108"), "birth date"),  # month 13
        (make_number("99999919870701108"), "region"),  # no such region
    ],
)
def test_bad_numbers_give_a_reason(raw, fragment):
    with pytest.raises(idcard.IdNumberError) as err:
        idcard.parse(raw)
    assert fragment in str(err.value.reason)


def test_future_birth_date_is_refused():
    with pytest.raises(idcard.IdNumberError):
        idcard.parse(make_number(f"220100{date.today().year + 1}0101001"))


def test_mask_hides_the_birth_date():
    masked = idcard.mask(VALID)
    assert masked.startswith("220") and masked.endswith(VALID[-4:])
    assert "19870701" not in masked
