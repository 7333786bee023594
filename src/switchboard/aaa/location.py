"""Where a device is, as the packet gateway reports it: 3GPP-User-Location-Info (TS 29.061 §16.4.7.2) and PLMN ids.

The ULI starts with a Geographic Location Type octet; the location follows in the GTP layout (TS 29.060 §7.7.51 for
CGI/SAI/RAI, TS 29.274 §8.21 for TAI/ECGI). Gateways send what they got from the radio side, so a value we cannot
read is reported as {} rather than failing the accounting packet that carries it.
"""

from __future__ import annotations

CGI, SAI, RAI, TAI, ECGI, TAI_ECGI = 0, 1, 2, 128, 129, 130

_BODY_LENGTH = {CGI: 7, SAI: 7, RAI: 7, TAI: 5, ECGI: 7, TAI_ECGI: 12}


def plmn(b: bytes) -> tuple[str, str]:
    """(MCC, MNC) from 3 BCD octets, nibbles swapped: MCC2|MCC1, MNC3|MCC3, MNC2|MNC1. ValueError when not BCD."""
    if len(b) < 3:
        raise ValueError("a PLMN id has 3 octets")
    nibbles = bytes(b[:3]).hex()  # high nibble first in each octet
    mcc = nibbles[1] + nibbles[0] + nibbles[3]
    mnc = nibbles[5] + nibbles[4] + ("" if nibbles[2] == "f" else nibbles[2])
    if not (mcc + mnc).isdigit():
        raise ValueError(f"PLMN id {nibbles} is not BCD")
    return mcc, mnc


def mcc_mnc(text: str) -> tuple[str, str]:
    """Split "26201" / "310260" (3GPP-*-MCC-MNC) into MCC and MNC; ("", "") when it is not 5 or 6 digits."""
    if len(text) not in (5, 6) or not (text.isascii() and text.isdigit()):
        return "", ""
    return text[:3], text[3:]


def _uint(b: bytes) -> int:
    return int.from_bytes(b, "big")


def decode_uli(raw: bytes) -> dict:
    """3GPP-User-Location-Info as a dict (keys: type, mcc, mnc, then lac+ci|sac|rac, tac, ecgi_mcc, ecgi_mnc, eci,
    enb_id, cell_id); {} for an unknown type, a value too short for its type, or a PLMN that is not BCD."""
    if not raw:
        return {}
    kind, body = raw[0], raw[1:]
    needed = _BODY_LENGTH.get(kind)
    if needed is None or len(body) < needed:
        return {}
    try:
        if kind <= RAI:
            mcc, mnc = plmn(body)
            location = {"type": kind, "mcc": mcc, "mnc": mnc, "lac": _uint(body[3:5])}
            if kind == RAI:
                location["rac"] = body[5]  # a 1-octet RAC, then a 0xFF filler octet (TS 29.060 §7.7.51)
            else:
                location["ci" if kind == CGI else "sac"] = _uint(body[5:7])
            return location
        location = {"type": kind}
        if kind != ECGI:
            mcc, mnc = plmn(body)
            location.update(mcc=mcc, mnc=mnc, tac=_uint(body[3:5]))
            body = body[5:]
        if kind != TAI:
            mcc, mnc = plmn(body)
            eci = _uint(body[3:7]) & 0x0FFFFFFF  # 4 spare bits, then 20 bits eNodeB id and 8 bits cell id
            location.update(ecgi_mcc=mcc, ecgi_mnc=mnc, eci=eci, enb_id=eci >> 8, cell_id=eci & 0xFF)
        return location
    except ValueError:
        return {}
