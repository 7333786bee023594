"""SMS user data: GSM 03.38 / UCS-2 encoding, splitting into concatenated parts, and reading what devices send.

Our own rather than `smpplib.gsm.make_parts`, which cuts an escape sequence or a surrogate pair in two at a part
boundary (the handset then shows garbage). GSM text travels as unpacked septets, one per octet, the way SMPP's
`short_message` and Kannel carry it; the SMSC packs them for the air interface.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

GSM = 0
IA5 = 1
BINARY = 2  # "octet unspecified", as 4; some SMSCs deliver binary MO with this one
LATIN_1 = 3
OCTETS = 4
UCS2 = 8

MAX_PARTS = 10  # the longest message we accept; refusing a longer one is the caller's job
_ESC = 0x1B
_UNUSED = "\x00"  # stands at the ESC position of the basic table, never matched when encoding

# GSM 03.38 default alphabet, indexed by septet value.
_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ" + _UNUSED + "ÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: these characters cost two septets, ESC and the code below.
_EXTENSION = {
    "\f": 0x0A,
    "^": 0x14,
    "{": 0x28,
    "}": 0x29,
    "\\": 0x2F,
    "[": 0x3C,
    "~": 0x3D,
    "]": 0x3E,
    "|": 0x40,
    "€": 0x65,
}
_GSM_ENCODE: dict[str, bytes] = {char: bytes([code]) for code, char in enumerate(_BASIC) if code != _ESC}
_GSM_ENCODE.update({char: bytes([_ESC, code]) for char, code in _EXTENSION.items()})
_EXTENSION_DECODE = {code: char for char, code in _EXTENSION.items()}

_SINGLE_GSM, _SINGLE_UCS2 = 160, 70  # septets / UTF-16 code units in a message without UDH
_PART_GSM, _PART_UCS2 = 153, 67  # the same with the 6-octet concatenation UDH in front
_MAX_CONCATENATED = 255
_MAX_OCTETS = 140  # user data of one SMS (8-bit and UCS-2)
_IE_CONCAT_8BIT, _IE_CONCAT_16BIT = 0x00, 0x08


@dataclass(frozen=True)
class Encoded:
    data_coding: int
    data: bytes


@dataclass(frozen=True)
class SplitMessage:
    """The user data of each submit_sm: UDH + payload when `has_udh`."""

    data_coding: int
    parts: tuple[bytes, ...]
    has_udh: bool


def is_gsm(text: str) -> bool:
    return all(char in _GSM_ENCODE for char in text)


def _coding_for(text: str, force_ucs2: bool) -> int:
    return UCS2 if force_ucs2 or not is_gsm(text) else GSM


def _char_codes(text: str, data_coding: int) -> list[bytes]:
    """The encoding of each character: a part boundary may fall between these, never inside one."""
    if data_coding == GSM:
        return [_GSM_ENCODE[char] for char in text]
    return [char.encode("utf-16-be") for char in text]


def encode(text: str, *, force_ucs2: bool = False) -> Encoded:
    data_coding = _coding_for(text, force_ucs2)
    return Encoded(data_coding, b"".join(_char_codes(text, data_coding)))


def _units(code: bytes, data_coding: int) -> int:
    return len(code) if data_coding == GSM else len(code) // 2


def _chunks(codes: list[bytes], data_coding: int) -> list[list[bytes]]:
    """Characters grouped into parts: one part if the text fits, else full concatenated parts."""
    single, per_part = (_SINGLE_GSM, _PART_GSM) if data_coding == GSM else (_SINGLE_UCS2, _PART_UCS2)
    if sum(_units(code, data_coding) for code in codes) <= single:
        return [codes]
    chunks: list[list[bytes]] = [[]]
    used = 0
    for code in codes:
        units = _units(code, data_coding)
        if used + units > per_part:
            chunks.append([])
            used = 0
        chunks[-1].append(code)
        used += units
    return chunks


def count_parts(text: str, *, force_ucs2: bool = False) -> int:
    """How many SMS the text takes (for the portal's live counter and the quota check); never raises."""
    data_coding = _coding_for(text, force_ucs2)
    return len(_chunks(_char_codes(text, data_coding), data_coding))


def concat_udh(reference: int, total: int, seq: int) -> bytes:
    return bytes([5, _IE_CONCAT_8BIT, 3, reference & 0xFF, total, seq])


def split(text: str, *, reference: int, force_ucs2: bool = False) -> SplitMessage:
    """The text as one SMS, or as concatenated parts that share `reference` (its low 8 bits) in their UDH."""
    data_coding = _coding_for(text, force_ucs2)
    chunks = _chunks(_char_codes(text, data_coding), data_coding)
    if len(chunks) == 1:
        return SplitMessage(data_coding, (b"".join(chunks[0]),), has_udh=False)
    total = len(chunks)
    if total > _MAX_CONCATENATED:
        raise ValueError(f"The text needs {total} SMS parts; at most {_MAX_CONCATENATED} can be concatenated.")
    parts = tuple(concat_udh(reference, total, seq) + b"".join(chunk) for seq, chunk in enumerate(chunks, start=1))
    return SplitMessage(data_coding, parts, has_udh=True)


def _from_hex(value: str, what: str) -> bytes:
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise ValueError(f"The {what} must be a hex string (pairs of 0-9, A-F), not {value[:20]!r}.") from None


def _septets_for_udh(udh: bytes) -> int:
    return -(-len(udh) * 8 // 7)  # the UDH is padded to a septet boundary


def from_raw(payload: str, *, dcs: int, udh_hex: str | None = None) -> SplitMessage:
    """One SMS exactly as a 1NCE API client describes it: its own UDH (hex) and data coding (0 GSM text, 4 payload
    as hex octets, 8 UCS-2 text). Nothing is split; a payload that does not fit one SMS is refused."""
    udh = _from_hex(udh_hex.strip(), "UDH") if udh_hex else b""
    if udh and udh[0] != len(udh) - 1:
        raise ValueError(f"The UDH length octet says {udh[0]} but {len(udh) - 1} octets follow it.")
    if dcs == GSM:
        if not is_gsm(payload):
            raise ValueError("The text has characters outside the GSM alphabet; send it with dcs 8 (UCS-2).")
        data = encode(payload).data
        fits = _septets_for_udh(udh) + len(data) <= _SINGLE_GSM
    elif dcs == OCTETS:
        data = _from_hex(payload.strip(), "payload of an 8-bit message (dcs 4)")
        fits = len(udh) + len(data) <= _MAX_OCTETS
    elif dcs == UCS2:
        data = payload.encode("utf-16-be")
        fits = len(udh) + len(data) <= _MAX_OCTETS
    else:
        raise ValueError(f"The data coding must be 0, 4 or 8, not {dcs}.")
    if not fits:
        raise ValueError("The payload does not fit into one SMS with its header (140 octets, 160 GSM characters).")
    return SplitMessage(dcs, (udh + data,), has_udh=bool(udh))


def _decode_gsm(septets: Iterable[int]) -> str:
    chars: list[str] = []
    escaped = False
    for septet in septets:
        if septet > 0x7F:
            raise ValueError(f"0x{septet:02X} is not a GSM septet.")
        if escaped:
            # 03.38: an unknown extension code shows as the basic character.
            chars.append(_EXTENSION_DECODE.get(septet, _BASIC[septet]))
            escaped = False
        elif septet == _ESC:
            escaped = True
        else:
            chars.append(_BASIC[septet])
    return "".join(chars)


def decode(data: bytes, data_coding: int) -> str:
    """An MO message's text; 8-bit data comes back as a hex string (1NCE shows dcs 4 payloads that way)."""
    if data_coding == GSM:
        return _decode_gsm(data)
    if data_coding == IA5:
        return data.decode("ascii", errors="replace")
    if data_coding == LATIN_1:
        return data.decode("latin-1")
    if data_coding == UCS2:
        # A device may cut a surrogate pair at a part boundary: keep the rest of its message readable.
        return data.decode("utf-16-be", errors="replace")
    if data_coding in (OCTETS, BINARY):
        return data.hex()
    raise ValueError(f"Data coding {data_coding} is not supported (0, 1, 2, 3, 4 or 8).")


def split_udh(user_data: bytes) -> tuple[bytes, bytes]:
    """(UDH including its length octet, the rest) of user data that carries a UDH (esm_class UDHI)."""
    if not user_data or user_data[0] + 1 > len(user_data):
        raise ValueError("The user data is shorter than its UDH length octet says.")
    end = user_data[0] + 1
    return user_data[:end], user_data[end:]


def concat_info(udh: bytes) -> tuple[int, int, int] | None:
    """(reference, total, seq) from a concatenation element (8- or 16-bit reference), None if there is none."""
    if not udh:
        return None
    position, end = 1, min(len(udh), udh[0] + 1)
    while position + 2 <= end:
        element, length = udh[position], udh[position + 1]
        value = udh[position + 2 : position + 2 + length]
        if len(value) < length:
            raise ValueError("A UDH information element runs past the end of the UDH.")
        if element == _IE_CONCAT_8BIT and length == 3:
            return value[0], value[1], value[2]
        if element == _IE_CONCAT_16BIT and length == 4:
            return int.from_bytes(value[:2], "big"), value[2], value[3]
        position += 2 + length
    return None
