"""The Spanish catalog is complete and its compiled copy is current."""

from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "locale"


def test_every_message_has_a_spanish_translation():
    catalog = polib.pofile(str(LOCALE / "es/LC_MESSAGES/django.po"))

    assert [entry.msgid for entry in catalog.untranslated_entries()] == []
    assert [entry.msgid for entry in catalog.fuzzy_entries()] == []


def test_compiled_catalogs_match_their_sources():
    for source in LOCALE.glob("*/LC_MESSAGES/django.po"):
        compiled = polib.mofile(str(source.with_suffix(".mo")))
        translations = {(entry.msgctxt, entry.msgid): entry.msgstr for entry in compiled}
        for entry in polib.pofile(str(source)).translated_entries():
            if not entry.msgid_plural:
                key = (entry.msgctxt, entry.msgid)
                assert translations.get(key) == entry.msgstr, (source, key)
