"""locale/fr: every string of ours translated, nothing fuzzy, the same placeholders, the .po
up to date with the code (makemessages into a copy finds the same strings) and the committed
.mo compiled from this .po (docs/setup.md, "Languages")."""

import gettext
import json
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

LOCALE = Path(settings.BASE_DIR) / "locale"
PO = LOCALE / "fr" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# What `make messages` leaves out (the Makefile's --ignore).
IGNORED = ["tests/*", "node_modules/*", "var/*"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|\{\w*\}")


def read_po(path: Path) -> list[dict]:
    """The entries of a .po file: {"msgid", "msgstr" or "msgstr[n]"..., "flags"}; obsolete
    entries (#~) are kept apart under "obsolete"."""
    entries, entry, key = [], {}, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = line.strip()
        if not line:
            if "msgid" in entry:
                entries.append(entry)
            entry, key = {}, None
        elif line.startswith("#~"):
            entry["obsolete"] = True
        elif line.startswith("#,"):
            entry.setdefault("flags", set()).update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += json.loads(line)
        else:
            key, _, text = line.partition(" ")
            entry[key] = json.loads(text)
    return entries


def messages(entries: list[dict]) -> list[dict]:
    return [e for e in entries if e["msgid"] and not e.get("obsolete")]


def translations(entry: dict) -> list[str]:
    return [value for key, value in entry.items() if key.startswith("msgstr")]


def ids(entries: list[dict]) -> set[tuple]:
    return {(e.get("msgctxt"), e["msgid"], e.get("msgid_plural")) for e in messages(entries)}


def test_every_string_is_translated_and_nothing_is_fuzzy_or_obsolete():
    entries = read_po(PO)
    header = next(e for e in entries if e["msgid"] == "")
    assert "fuzzy" not in header.get("flags", set())
    assert "Language: fr\\n" in json.dumps(header["msgstr"])
    assert not [e for e in entries if e.get("obsolete")]
    assert len(messages(entries)) > 100

    assert [e["msgid"] for e in messages(entries) if "fuzzy" in e.get("flags", ())] == []
    assert [e["msgid"] for e in messages(entries) if not all(translations(e))] == []


def test_translations_keep_every_placeholder():
    for entry in messages(read_po(PO)):
        expected = sorted(PLACEHOLDER.findall(entry["msgid"]))
        for translation in translations(entry):
            assert sorted(PLACEHOLDER.findall(translation)) == expected, entry["msgid"]


@pytest.mark.django_db  # every command tells PostgreSQL who runs it (apps/core/commands.py)
def test_the_po_holds_exactly_the_strings_of_the_code(tmp_path, settings, monkeypatch):
    """`make messages` run now would add or drop nothing: makemessages in a copy of the
    project (it writes into the locale/ above the files it reads)."""
    shutil.copytree(
        settings.BASE_DIR,
        tmp_path,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns(".*", "__pycache__", "tests", "node_modules", "var"),
    )
    copy = tmp_path / "locale"
    settings.LOCALE_PATHS = [copy]
    monkeypatch.chdir(tmp_path)

    call_command(
        "makemessages", locale=["fr"], no_obsolete=True, ignore_patterns=IGNORED, verbosity=0
    )

    fresh = read_po(copy / "fr" / "LC_MESSAGES" / "django.po")
    committed = read_po(PO)
    assert sorted(ids(fresh) - ids(committed), key=str) == [], "run `make messages`, translate"
    assert sorted(ids(committed) - ids(fresh), key=str) == [], "run `make messages`"


def test_the_committed_mo_is_compiled_from_the_po():
    with MO.open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)._catalog

    expected = {}
    for entry in messages(read_po(PO)):
        # gettext keys a message with a context as "context\x04message".
        msgid = "\x04".join(filter(None, [entry.get("msgctxt"), entry["msgid"]]))
        if "msgid_plural" in entry:
            for n in range(2):
                expected[(msgid, n)] = entry[f"msgstr[{n}]"]
        else:
            expected[msgid] = entry["msgstr"]
    assert {key: value for key, value in catalog.items() if key != ""} == expected, (
        "run `make messages`"
    )


@pytest.mark.parametrize(
    ("language", "text"),
    [("fr", "Certains champs sont invalides."), ("en", "Some fields are invalid.")],
)
def test_django_finds_the_catalog(language, text):
    from django.utils import translation

    with translation.override(language):
        assert translation.gettext("Some fields are invalid.") == text
