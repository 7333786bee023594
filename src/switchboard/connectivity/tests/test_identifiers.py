import pytest

from switchboard.connectivity import identifiers
from switchboard.core.errors import ValidationFailed


def test_iccid_in_both_forms():
    short = "8988228066600000012"
    with_check = short + identifiers.luhn_digit(short)
    assert identifiers.iccid(short) == identifiers.Iccid(short, with_check)
    assert identifiers.iccid(with_check) == identifiers.Iccid(short, with_check)
    assert identifiers.iccid(" 8988 2280 6660 0000 012 ").short == short


def test_luhn_digit_matches_known_numbers():
    assert identifiers.luhn_digit("7992739871") == "3"  # the textbook example
    assert identifiers.luhn_digit("49015420323751") == "8"  # an IMEI


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("89882280666000000121", "luhn"),  # wrong check digit (right one is 9)
        ("898822806660000001", "length"),
        ("898822806660000001234", "length"),
        ("89882280666000000A2", "not_digits"),
        ("", "required"),
    ],
)
def test_bad_iccids_are_refused_with_the_reason(value, code):
    if code == "luhn":
        assert identifiers.luhn_digit(value[:19]) != value[19]
    with pytest.raises(ValidationFailed) as error:
        identifiers.iccid(value)
    assert error.value.code == code
    assert error.value.field == "iccid"


def test_imsi_lengths():
    assert identifiers.imsi("901405100000001") == "901405100000001"
    assert identifiers.imsi("90140510000001") == "90140510000001"
    with pytest.raises(ValidationFailed, match="14 or 15 digits; 13 given"):
        identifiers.imsi("9014051000000")


def test_msisdn_is_international_without_plus():
    assert identifiers.msisdn("+49 151 1234567") == "491511234567"
    with pytest.raises(ValidationFailed) as error:
        identifiers.msisdn("01511234567")
    assert error.value.code == "format"
    with pytest.raises(ValidationFailed):
        identifiers.msisdn("4912")


def test_imei_and_imeisv_reduce_to_the_device_imei():
    assert identifiers.imei("490154203237518") == "490154203237518"
    assert identifiers.imei("4901542032375101") == "490154203237518"  # IMEISV, software version 01
    assert identifiers.imei("49015420323751") == "490154203237518"
    with pytest.raises(ValidationFailed) as error:
        identifiers.imei("490154203237517")
    assert error.value.code == "luhn"


def test_lookup_never_raises():
    assert identifiers.iccid_lookup("nonsense") is None
    assert identifiers.iccid_lookup("8988228066600000012") == "8988228066600000012"
