import pycountry
import pytest

from switchboard.connectivity.networks import MCC_COUNTRIES, NETWORK_NAMES, network, split_mcc_mnc


@pytest.mark.parametrize(
    ("mcc", "mnc", "expected"),
    [
        ("262", "01", ("Telekom Deutschland", "DE")),
        ("310", "260", ("T-Mobile US", "US")),  # three-digit MNC
        ("234", "15", ("Vodafone UK", "GB")),
        ("208", "01", ("Orange France", "FR")),
        ("204", "08", ("KPN", "NL")),
        ("405", "857", ("Jio", "IN")),
        ("001", "01", ("Test network", "")),
    ],
)
def test_known_networks_have_their_operator_and_country(mcc, mnc, expected):
    assert network(mcc, mnc) == expected


def test_the_countries_of_several_codes_of_one_country():
    assert {MCC_COUNTRIES[mcc] for mcc in ("310", "311", "312", "313", "314", "315", "316")} == {"US"}
    assert MCC_COUNTRIES["234"] == MCC_COUNTRIES["235"] == "GB"
    assert [MCC_COUNTRIES[mcc] for mcc in ("214", "222", "232", "228")] == ["ES", "IT", "AT", "CH"]


def test_an_unknown_network_shows_its_code():
    assert network("262", "99") == ("262-99", "DE")
    assert network("310", "999") == ("310-999", "US")


def test_an_unknown_or_international_code_has_no_country():
    assert network("109", "01") == ("109-01", "")
    assert network("901", "99") == ("901-99", "")


@pytest.mark.parametrize(
    ("mcc", "mnc"),
    [
        ("26", "01"),
        ("2620", "01"),
        ("262", "1"),
        ("262", "0001"),
        ("26a", "01"),
        ("262", "0 "),
        ("262", "²1"),  # a digit, but no ASCII one
        ("", ""),
    ],
)
def test_input_that_is_no_plmn_gives_nothing(mcc, mnc):
    assert network(mcc, mnc) == ("", "")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("26201", ("262", "01")),
        ("310260", ("310", "260")),
        ("2620", ("", "")),
        ("2620100", ("", "")),
        ("2620x", ("", "")),
        ("", ("", "")),
    ],
)
def test_split_mcc_mnc(text, expected):
    assert split_mcc_mnc(text) == expected


def test_every_country_is_an_iso_code_or_none():
    invalid = {mcc: iso for mcc, iso in MCC_COUNTRIES.items() if iso and pycountry.countries.get(alpha_2=iso) is None}
    assert invalid == {}
    assert len(MCC_COUNTRIES) > 230
    assert all(len(mcc) == 3 and mcc.isdigit() for mcc in MCC_COUNTRIES)


def test_every_named_network_is_a_valid_plmn_of_a_listed_code():
    for mcc, mnc in NETWORK_NAMES:
        assert mcc in MCC_COUNTRIES
        assert network(mcc, mnc)[0] == NETWORK_NAMES[mcc, mnc]


def test_the_main_roaming_countries_have_named_networks():
    named = {MCC_COUNTRIES[mcc] for mcc, _ in NETWORK_NAMES}
    roaming = {"DE", "AT", "CH", "NL", "BE", "FR", "ES", "IT", "PT", "GB", "IE", "PL", "CZ", "DK"}
    roaming |= {"SE", "NO", "FI", "US", "CA", "MX", "BR", "AU", "JP", "CN", "IN", "ZA", "TR"}
    assert roaming <= named
