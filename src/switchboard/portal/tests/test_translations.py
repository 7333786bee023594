"""The German and Spanish catalogues are complete, keep their placeholders and are compiled.

The .po files are parsed with the standard library only, so the check needs no gettext binaries.
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale"
LANGUAGES = ("de", "es")
KNOWN = {
    "de": {"Users": "Benutzer", "Read only": "Nur Lesen", "Log out": "Abmelden", "Dashboard": "Dashboard"},
    "es": {"Users": "Usuarios", "Read only": "Solo lectura", "Log out": "Cerrar sesión", "Dashboard": "Panel"},
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|\{\{\s*\w+\s*\}\}")
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False


def _unquote(token: str) -> str:
    token = token.strip()
    assert token.startswith('"') and token.endswith('"'), token
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(1)), token[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """Minimal .po reader: flags, msgctxt, msgid, msgid_plural, msgstr and msgstr[n], continuation lines."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int | None] | None = None
    started = False

    def finish() -> None:
        nonlocal entry, target, started
        if started:
            entries.append(entry)
        entry, target, started = Entry(), None, False

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            entry.obsolete = True
            continue
        if line.startswith("#,"):
            if started and target and target[0] == "msgstr":
                finish()
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            if started and target and target[0] == "msgstr":
                finish()
            continue
        if line.startswith('"'):
            assert target is not None, f"{path}: continuation without keyword: {raw}"
            kind, index = target
            if kind == "msgstr":
                entry.msgstr[index] += _unquote(line)
            else:
                setattr(entry, kind, getattr(entry, kind) + _unquote(line))
            continue
        keyword, _, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and started and target and target[0] == "msgstr":
            finish()
        started = True
        if keyword == "msgstr":
            entry.msgstr[0], target = _unquote(rest), ("msgstr", 0)
        elif keyword.startswith("msgstr["):
            index = int(keyword[7:-1])
            entry.msgstr[index], target = _unquote(rest), ("msgstr", index)
        elif keyword in ("msgid", "msgid_plural", "msgctxt"):
            setattr(entry, keyword, _unquote(rest))
            target = (keyword, None)
        else:
            raise AssertionError(f"{path}: cannot parse line: {raw}")
    finish()
    return [e for e in entries if not e.obsolete]


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "django.po"


def mo_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "django.mo"


def messages(lang: str) -> list[Entry]:
    return [e for e in parse_po(po_path(lang)) if e.msgid]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_has_a_clean_header(lang):
    header = next(e for e in parse_po(po_path(lang)) if e.msgid == "")
    assert "fuzzy" not in header.flags
    assert f"Language: {lang}\n" in header.msgstr[0]
    assert "charset=UTF-8" in header.msgstr[0]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(lang):
    entries = messages(lang)
    assert len(entries) > 100, "the catalogue looks truncated"
    untranslated = [e.msgid for e in entries if not e.msgstr or not all(s.strip() for s in e.msgstr.values())]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert untranslated == []
    assert fuzzy == []


def _source(entry: Entry, form: int) -> str:
    """The English a translated form must match: the singular for form 0, the plural for the others (a singular
    may leave the number out, "the problem"; its plural keeps it, as gettext's format check demands)."""
    return entry.msgid if form == 0 or entry.msgid_plural is None else entry.msgid_plural


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_the_placeholders(lang):
    wrong = [
        (e.msgid, s)
        for e in messages(lang)
        for form, s in e.msgstr.items()
        if sorted(PLACEHOLDER.findall(_source(e, form))) != sorted(PLACEHOLDER.findall(s))
    ]
    assert wrong == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_compiled_catalogue_matches_the_po_file(lang):
    assert mo_path(lang).is_file(), "run compilemessages"
    with mo_path(lang).open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = []
    for e in messages(lang):
        key = f"{e.msgctxt}\x04{e.msgid}" if e.msgctxt is not None else e.msgid
        if e.msgid_plural is None:
            got = compiled.gettext(e.msgid) if e.msgctxt is None else compiled.pgettext(e.msgctxt, e.msgid)
            if got != e.msgstr[0]:
                stale.append(key)
        elif compiled.ngettext(e.msgid, e.msgid_plural, 1) != e.msgstr[0]:
            stale.append(key)
    assert stale == [], "the .mo is older than the .po: run compilemessages"
    for msgid, expected in KNOWN[lang].items():
        assert compiled.gettext(msgid) == expected


@pytest.mark.parametrize("lang", LANGUAGES)
def test_django_serves_the_translations(lang):
    from django.utils import translation

    from switchboard.tenancy.contracts import Role

    with translation.override(lang):
        assert translation.gettext("Users") == KNOWN[lang]["Users"]
        assert Role.READ_ONLY.label == KNOWN[lang]["Read only"]
