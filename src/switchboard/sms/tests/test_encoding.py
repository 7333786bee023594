from __future__ import annotations

import pytest

from switchboard.sms import encoding
from switchboard.sms.encoding import GSM, OCTETS, UCS2

ESC = 0x1B


def payload(part: bytes, has_udh: bool) -> bytes:
    return encoding.split_udh(part)[1] if has_udh else part


class TestEncode:
    def test_plain_text_is_gsm_one_septet_per_octet(self):
        encoded = encoding.encode("Hello @£$")

        assert encoded.data_coding == GSM
        assert encoded.data == b"Hello \x00\x01\x02"

    @pytest.mark.parametrize(("char", "code"), [("€", 0x65), ("[", 0x3C), ("^", 0x14), ("]", 0x3E), ("|", 0x40)])
    def test_extension_characters_take_an_escape_and_a_code(self, char, code):
        encoded = encoding.encode(f"a{char}b")

        assert encoded.data_coding == GSM
        assert encoded.data == bytes([0x61, ESC, code, 0x62])

    def test_greek_capitals_of_the_default_alphabet_stay_gsm(self):
        assert encoding.encode("ΔΦΓΛΩΠΨΣΘΞ").data == bytes(range(0x10, 0x1B)).replace(b"\x11", b"")

    def test_any_character_outside_gsm_switches_the_whole_text_to_ucs2(self):
        encoded = encoding.encode("Grüße aus Łódź")

        assert encoded.data_coding == UCS2
        assert encoded.data == "Grüße aus Łódź".encode("utf-16-be")

    def test_force_ucs2(self):
        assert encoding.encode("abc", force_ucs2=True) == encoding.Encoded(UCS2, "abc".encode("utf-16-be"))

    @pytest.mark.parametrize("text", ["Price: 5€ [net] {x} ~y~ \\ | ^", "Ünïcödé ẞ and 😀 emoji", "", "@\n\rΔ"])
    def test_decode_reverses_encode(self, text):
        encoded = encoding.encode(text)

        assert encoding.decode(encoded.data, encoded.data_coding) == text


class TestSplit:
    def test_160_septets_fit_one_sms_without_udh(self):
        message = encoding.split("a" * 160, reference=1)

        assert message == encoding.SplitMessage(GSM, (b"a" * 160,), has_udh=False)

    def test_161_septets_take_two_parts_of_at_most_153(self):
        message = encoding.split("a" * 161, reference=0x1234)

        assert message.has_udh
        assert [len(payload(part, True)) for part in message.parts] == [153, 8]
        assert message.parts[0][:6] == bytes([0x05, 0x00, 0x03, 0x34, 2, 1])
        assert message.parts[1][:6] == bytes([0x05, 0x00, 0x03, 0x34, 2, 2])

    def test_an_extension_character_counts_two_septets(self):
        assert encoding.count_parts("€" * 80) == 1
        assert encoding.count_parts("€" * 80 + "a") == 2

    def test_an_escape_sequence_is_never_cut_at_a_part_boundary(self):
        text = "a" * 152 + "€" + "b" * 10  # the escape would occupy septets 153 and 154

        message = encoding.split(text, reference=9)

        first, second = (payload(part, True) for part in message.parts)
        assert first == b"a" * 152
        assert second.startswith(bytes([ESC, 0x65]))
        assert "".join(encoding.decode(payload(part, True), GSM) for part in message.parts) == text

    def test_70_ucs2_units_fit_one_sms_and_71_take_two_parts_of_67(self):
        assert encoding.split("ж" * 70, reference=1).parts == (("ж" * 70).encode("utf-16-be"),)

        message = encoding.split("ж" * 71, reference=1)

        assert message.data_coding == UCS2
        assert [len(payload(part, True)) // 2 for part in message.parts] == [67, 4]

    def test_a_surrogate_pair_is_never_cut_at_a_part_boundary(self):
        text = "ж" * 66 + "😀" + "ж" * 10  # the emoji's two UTF-16 units would be units 67 and 68

        message = encoding.split(text, reference=3)

        first, second = (payload(part, True) for part in message.parts)
        assert len(first) // 2 == 66
        assert second.startswith("😀".encode("utf-16-be"))
        assert "".join(encoding.decode(payload(part, True), UCS2) for part in message.parts) == text

    def test_emoji_count_two_units(self):
        assert encoding.count_parts("😀" * 35) == 1
        assert encoding.count_parts("😀" * 35 + "a") == 2

    def test_parts_join_back_to_the_text(self):
        text = "Заряд " * 80

        message = encoding.split(text, reference=77)

        assert len(message.parts) == encoding.count_parts(text) == 8
        assert all(encoding.concat_info(encoding.split_udh(part)[0])[:2] == (77, 8) for part in message.parts)
        assert "".join(encoding.decode(payload(part, True), UCS2) for part in message.parts) == text

    def test_the_reference_keeps_its_low_eight_bits(self):
        message = encoding.split("a" * 200, reference=0x1FF)

        assert {part[3] for part in message.parts} == {0xFF}

    def test_more_than_255_parts_are_refused_but_counted(self):
        text = "a" * (153 * 255 + 1)

        with pytest.raises(ValueError, match="256 SMS parts"):
            encoding.split(text, reference=1)
        assert encoding.count_parts(text) == 256

    def test_max_parts(self):
        assert encoding.MAX_PARTS == 10
        assert encoding.count_parts("a" * 153 * 10) == 10


class TestFromRaw:
    def test_text_with_a_udh_is_one_part_with_the_udh_in_front(self):
        message = encoding.from_raw("Hi €", dcs=GSM, udh_hex="0605040B8423F0")

        assert message == encoding.SplitMessage(GSM, (bytes.fromhex("0605040B8423F0") + b"Hi \x1be",), has_udh=True)

    def test_8bit_payload_is_hex(self):
        message = encoding.from_raw("00ff10", dcs=OCTETS, udh_hex="")

        assert message == encoding.SplitMessage(OCTETS, (b"\x00\xff\x10",), has_udh=False)

    def test_ucs2_text(self):
        assert encoding.from_raw("Привет", dcs=UCS2).parts == ("Привет".encode("utf-16-be"),)

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"payload": "zz", "dcs": OCTETS}, "payload of an 8-bit message"),
            ({"payload": "abc", "dcs": OCTETS}, "hex string"),
            ({"payload": "Hi", "dcs": GSM, "udh_hex": "05000X"}, "UDH must be a hex string"),
            ({"payload": "Hi", "dcs": GSM, "udh_hex": "0500030102"}, "UDH length octet says 5"),
            ({"payload": "Привет", "dcs": GSM}, "outside the GSM alphabet"),
            ({"payload": "Hi", "dcs": 3}, "must be 0, 4 or 8"),
            ({"payload": "ab" * 141, "dcs": OCTETS}, "does not fit"),
            ({"payload": "a" * 154, "dcs": GSM, "udh_hex": "050003010201"}, "does not fit"),
        ],
    )
    def test_bad_input_is_refused_with_a_clear_message(self, kwargs, message):
        with pytest.raises(ValueError, match=message):
            encoding.from_raw(**kwargs)

    def test_gsm_with_udh_counts_the_udh_in_septets(self):
        assert len(encoding.from_raw("a" * 153, dcs=GSM, udh_hex="050003010201").parts[0]) == 6 + 153


class TestDecode:
    def test_latin1(self):
        assert encoding.decode("Grüße".encode("latin-1"), 3) == "Grüße"

    @pytest.mark.parametrize("data_coding", [OCTETS, encoding.BINARY])
    def test_8bit_data_comes_back_as_hex(self, data_coding):
        assert encoding.decode(b"\x00\xab", data_coding) == "00ab"

    def test_ia5(self):
        assert encoding.decode(b"Hi!", encoding.IA5) == "Hi!"

    def test_an_unknown_extension_code_shows_the_basic_character(self):
        assert encoding.decode(bytes([ESC, 0x41]), GSM) == "A"

    def test_a_septet_above_0x7f_is_refused(self):
        with pytest.raises(ValueError, match="not a GSM septet"):
            encoding.decode(b"\x80", GSM)

    def test_a_cut_surrogate_pair_does_not_lose_the_message(self):
        assert encoding.decode("a😀".encode("utf-16-be")[:-2], UCS2) == "a\ufffd"

    def test_unknown_coding(self):
        with pytest.raises(ValueError, match="not supported"):
            encoding.decode(b"x", 0xF5)


class TestUdh:
    def test_split_udh_uses_the_length_octet(self):
        assert encoding.split_udh(b"\x05\x00\x03\x01\x02\x01rest") == (b"\x05\x00\x03\x01\x02\x01", b"rest")

    def test_split_udh_refuses_a_truncated_header(self):
        with pytest.raises(ValueError, match="shorter"):
            encoding.split_udh(b"\x05\x00\x03")

    def test_concat_info_8bit_reference(self):
        assert encoding.concat_info(bytes.fromhex("050003A70302")) == (0xA7, 3, 2)

    def test_concat_info_16bit_reference_after_another_element(self):
        udh = bytes.fromhex("0B" + "0504" + "0B8423F0" + "0804" + "BEEF" + "0401")

        assert encoding.concat_info(udh) == (0xBEEF, 4, 1)

    def test_concat_info_without_concatenation(self):
        assert encoding.concat_info(bytes.fromhex("060504" + "0B8423F0")) is None
