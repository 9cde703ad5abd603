"""The Armenian catalogue (locale/hy) covers every marked string, and its committed
.mo is the compiled .po (a fresh clone serves Armenian without gettext installed)."""

import gettext
import os
import re
import shutil
import subprocess
from datetime import datetime

import pytest
from django.core.management import call_command
from django.utils import translation
from django.utils.formats import date_format, time_format

from tests.conftest import PROJECT_DIR

LOCALE = PROJECT_DIR / "locale" / "hy" / "LC_MESSAGES"
PO, MO = LOCALE / "django.po", LOCALE / "django.mo"
# Not the public site's code: tests and benchmarks mark nothing readers see.
NOT_SCANNED = {"tests", "bench", "locale", "media", "staticfiles", "test-artifacts"}


def needs(tool):
    """Skip where the gettext tools are missing, but never on CI (make test installs them)."""
    if shutil.which(tool) is None:
        if os.environ.get("CI"):
            pytest.fail(f"{tool} is missing: install Debian's gettext (make gettext)")
        pytest.skip(f"needs {tool} (Debian's gettext: make gettext)")


def po_entries(text):
    """[(msgctxt or None, msgid, msgid_plural or None, [msgstr...], flags)] of a .po file."""
    entries = []
    for block in re.split(r"\n\s*\n", text):
        fields, flags, current = {}, "", None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags += line
                continue
            if line.startswith("#"):
                continue
            match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) "(.*)"$', line)
            if match:
                current = match.group(1)
                fields[current] = match.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        if "msgid" not in fields:
            continue

        fields = {key: unescape_po(value) for key, value in fields.items()}
        strings = [v for k, v in sorted(fields.items()) if k.startswith("msgstr")]
        entries.append(
            (fields.get("msgctxt"), fields["msgid"], fields.get("msgid_plural"), strings, flags)
        )
    return entries


def unescape_po(value):
    return re.sub(r'\\(["\\nt])', lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), value)


def compiled(path):
    with open(path, "rb") as mo:
        return gettext.GNUTranslations(mo)._catalog


def test_the_catalogue_has_no_fuzzy_or_empty_entry():
    entries = po_entries(PO.read_text(encoding="utf-8"))
    assert len(entries) > 100
    for ctxt, msgid, _plural, strings, flags in entries:
        if not msgid:
            continue  # the header
        assert "fuzzy" not in flags, (ctxt, msgid)
        assert all(strings), (ctxt, msgid)


def test_the_committed_mo_is_the_compiled_po(tmp_path):
    needs("msgfmt")
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(PO)], check=True)
    assert compiled(MO) == compiled(fresh), "run: msgfmt -o locale/hy/LC_MESSAGES/django.mo " + str(
        PO.relative_to(PROJECT_DIR)
    )


def test_every_marked_string_has_an_armenian_translation(tmp_path, settings, monkeypatch):
    """makemessages over the project, into a scratch folder: each message it finds is
    translated in the committed catalogue (so a new {% translate %} without Armenian fails)."""
    needs("xgettext")
    # A tree of links to the project's code, without its locale folder, so that
    # makemessages writes its catalogue here and leaves the project's alone.
    tree = tmp_path / "tree"
    tree.mkdir()
    for entry in PROJECT_DIR.iterdir():
        if entry.name.startswith(".") or entry.name in NOT_SCANNED or not entry.is_dir():
            continue
        (tree / entry.name).symlink_to(entry)
    settings.LOCALE_PATHS = [str(tree / "locale")]
    monkeypatch.chdir(tree)
    call_command("makemessages", locale=["hy"], symlinks=True, no_obsolete=True, verbosity=0)
    extracted = po_entries((tree / "locale/hy/LC_MESSAGES/django.po").read_text("utf-8"))
    catalogue = compiled(MO)
    missing = []
    for ctxt, msgid, plural, _strings, _flags in extracted:
        if not msgid:
            continue
        key = f"{ctxt}\x04{msgid}" if ctxt else msgid
        found = catalogue.get((key, 0)) if plural else catalogue.get(key)
        if not found:
            missing.append(key.replace("\x04", " | "))
    assert len(extracted) > 100
    assert not missing, "no Armenian in locale/hy/LC_MESSAGES/django.po for: " + repr(missing)


def test_armenian_comes_from_the_committed_catalogue():
    with translation.override("hy"):
        assert translation.gettext("Recent Posts") == "Վերջին նյութեր"
        assert translation.pgettext("verb", "Share") == "Կիսվել"
        assert translation.pgettext("related stories", "Related") == "Առնչվող նյութեր"


@pytest.mark.parametrize(
    "month,genitive",
    [(1, "հունվարի"), (2, "փետրվարի"), (5, "մայիսի"), (8, "օգոստոսի"), (12, "դեկտեմբերի")],
)
def test_armenian_dates_name_the_month_in_the_genitive(month, genitive):
    when = datetime(2026, month, 5, 17, 3)
    with translation.override("hy"):
        assert date_format(when) == f"5 {genitive} 2026 թ."
        assert time_format(when) == "17:03"
    with translation.override("en"):
        assert date_format(when).endswith(" 5, 2026")
        assert time_format(when) == "5:03 PM"


def test_a_month_with_its_year_stays_in_the_nominative():
    with translation.override("hy"):
        assert date_format(datetime(2026, 12, 1), "YEAR_MONTH_FORMAT") == "Դեկտեմբեր 2026 թ."
