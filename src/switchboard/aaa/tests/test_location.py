import pytest

from switchboard.aaa.location import decode_uli, mcc_mnc, plmn


def test_the_reference_worked_example_tai_and_ecgi():
    assert decode_uli(bytes.fromhex("8200f110000100f1100000010a")) == {
        "type": 130,
        "mcc": "001",
        "mnc": "01",
        "tac": 1,
        "ecgi_mcc": "001",
        "ecgi_mnc": "01",
        "eci": 266,
        "enb_id": 1,
        "cell_id": 10,
    }


@pytest.mark.parametrize(
    ("octets", "expected"),
    [("00f110", ("001", "01")), ("62f210", ("262", "01")), ("130062", ("310", "260")), ("62f230", ("262", "03"))],
)
def test_plmn_reads_swapped_bcd_with_an_optional_third_mnc_digit(octets, expected):
    assert plmn(bytes.fromhex(octets)) == expected


def test_plmn_refuses_what_is_not_bcd():
    with pytest.raises(ValueError, match="not BCD"):
        plmn(bytes.fromhex("a2f210"))


# GTPv1 ULI bodies (TS 29.060 §7.7.51): PLMN 262/03, LAC 0xbc3e = 48190, CI/SAC 0x36fc = 14076; a RAI carries a
# 1-octet RAC (0x10) followed by the 0xff filler.
@pytest.mark.parametrize(
    ("hex_value", "expected"),
    [
        ("0062f230bc3e36fc", {"type": 0, "mcc": "262", "mnc": "03", "lac": 48190, "ci": 14076}),
        ("0162f230bc3e36fc", {"type": 1, "mcc": "262", "mnc": "03", "lac": 48190, "sac": 14076}),
        ("0262f230bc3e10ff", {"type": 2, "mcc": "262", "mnc": "03", "lac": 48190, "rac": 16}),
        ("80130062002a", {"type": 128, "mcc": "310", "mnc": "260", "tac": 42}),
        (
            "8162f2100fffffff",
            {"type": 129, "ecgi_mcc": "262", "ecgi_mnc": "01", "eci": 0x0FFFFFFF, "enb_id": 0xFFFFF, "cell_id": 255},
        ),
    ],
)
def test_each_location_type(hex_value, expected):
    assert decode_uli(bytes.fromhex(hex_value)) == expected


def test_the_spare_bits_above_the_eci_are_ignored():
    assert decode_uli(bytes.fromhex("8162f210f000010a"))["eci"] == 266


@pytest.mark.parametrize(
    "hex_value",
    [
        "",  # nothing
        "03aabbccddeeff00",  # type 3 is not defined
        "8762f210000100",  # 135 (NCGI in later releases) is not read yet
        "0062f230bc3e36",  # CGI one octet short
        "80130062",  # TAI without its TAC
        "8200f110000100f11000",  # TAI + ECGI cut inside the ECGI
        "80a30062002a",  # MCC digit 2 is 0xa
    ],
)
def test_what_cannot_be_read_gives_an_empty_location(hex_value):
    assert decode_uli(bytes.fromhex(hex_value)) == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("26201", ("262", "01")),
        ("310260", ("310", "260")),
        ("00101", ("001", "01")),
        ("2620", ("", "")),
        ("3102601", ("", "")),
        ("2620x", ("", "")),
        ("²6201", ("", "")),  # a digit to str.isdigit, not to a PLMN
        ("", ("", "")),
    ],
)
def test_mcc_mnc_splits_the_3gpp_text_form(text, expected):
    assert mcc_mnc(text) == expected
