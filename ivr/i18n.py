"""Staff-facing text in Vietnamese (the default) or English: gettext catalogues kept as .po files.

Health staff read Vietnamese whatever the host's locale (LANG, LC_ALL and LANGUAGE are never read);
English is chosen with `robocall --lang en ...` or ROBOCALL_LANG=en.

How to write a staff-facing message (errors, tables, headers, progress lines)::

    from ivr.i18n import _

    raise UserError(_("import {id}: no such import").format(id=import_id))
    click.echo(ngettext("{n} number to call", "{n} numbers to call", n).format(n=n))

- The message id is English, with named ``{placeholders}`` filled by ``.format()`` AFTER the lookup
  (a translation may reorder them). Call ``_()`` when the message is shown, not at import time.
- Add the Vietnamese to ``ivr/locale/vi/LC_MESSAGES/robocall.po``: ``make messages`` adds the empty
  entries (sorted, no line numbers, so parallel branches rarely conflict), you fill in ``msgstr``.
  tests/unit/test_i18n.py fails while a message has no Vietnamese.
- en.po needs no entry (an English message id is its own translation), unless the English shown
  should differ from the id.

The catalogues are compiled from the .po files with Babel when first used (a few milliseconds), so there
is no .mo file to build or to keep in step.
"""
from __future__ import annotations

import functools
import gettext
import io
import os
from pathlib import Path

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
DOMAIN = "robocall"
ENV_VAR = "ROBOCALL_LANG"
LOCALE_DIR = Path(__file__).parent / "locale"

_chosen: str | None = None


class UnknownLanguage(ValueError):
    """A language the catalogues do not have."""


def normalise(lang: str) -> str:
    """'en', 'EN', 'en_US.UTF-8', 'vi-VN' -> 'en' / 'vi'; raise UnknownLanguage for any other."""
    code = lang.strip().lower().replace("-", "_").split(".")[0].split("_")[0]
    if code not in LANGUAGES:
        raise UnknownLanguage(lang)
    return code


def set_language(lang: str | None) -> str:
    """Choose the language for this process (None: ROBOCALL_LANG, else Vietnamese). Returns the code."""
    global _chosen
    _chosen = normalise(lang) if lang else _from_env()
    return _chosen


def reset() -> None:
    """Forget the language chosen: ROBOCALL_LANG (or Vietnamese) applies again."""
    global _chosen
    _chosen = None


def language() -> str:
    """The language in force: the one chosen, else ROBOCALL_LANG, else Vietnamese."""
    return _chosen if _chosen is not None else _from_env()


def _from_env() -> str:
    value = os.environ.get(ENV_VAR, "").strip()
    if not value:
        return DEFAULT_LANGUAGE
    try:
        return normalise(value)
    except UnknownLanguage:
        return DEFAULT_LANGUAGE  # the CLI reports the bad value; library code must not fail on it


@functools.lru_cache(maxsize=None)
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of one language (read from its .po file once per process)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def gettext_(message: str) -> str:
    """The message in the language in force (the English id itself when a catalogue lacks it)."""
    return translations(language()).gettext(message)


def document_text(message: str) -> str:
    """A message written into a document for the province (workbook, import error report): always Vietnamese."""
    return translations(DEFAULT_LANGUAGE).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Singular or plural form of a message in the language in force (Vietnamese has one form)."""
    return translations(language()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """A message whose translation depends on a context (e.g. a column header vs a status)."""
    return translations(language()).pgettext(context, message)


def N_(message: str) -> str:
    """Mark a message for the catalogue without translating it yet (module-level tables)."""
    return message


_ = gettext_
