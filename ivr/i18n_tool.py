"""Keep the staff catalogues in step with the code: `python -m ivr.i18n_tool update|check` (`make messages`).

update: extract every _("..."), N_("..."), ngettext(...) of ivr/ (and the _("...") of the console's templates) and
        every help text of the `robocall` command tree (docstrings, help=, short_help=, epilog=: see
        ivr/cli/helptext.py), add the new messages (empty) to each
        language's .po, drop the ones no code uses any more, and write the files sorted, without line
        numbers or dates, so that branches adding messages in parallel rarely conflict.
check:  list the messages the Vietnamese catalogue does not translate (exit 1 if any); the unit test runs it.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterable

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from ivr.i18n import DOMAIN, LANGUAGES, LOCALE_DIR

PACKAGE_DIR = Path(__file__).parent
KEYWORDS = {"_": None, "N_": None, "gettext_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
PLURALS = {"vi": "nplurals=1; plural=0;", "en": "nplurals=2; plural=(n != 1);"}


Key = tuple[str, "str | None"]  # (message id, context)


def extracted() -> dict[Key, Message]:
    """Every message id in the package's code (a tuple for plural messages, (context, id) keys for pgettext)."""
    found: dict[Key, Message] = {}
    for _filename, _lineno, message, _comments, context in extract_from_dir(
            str(PACKAGE_DIR), method_map=[("**.py", "python"), ("web/templates/**.html", "jinja2.ext:babel_extract")],
            keywords=KEYWORDS):
        key: Key = (str(message[0] if isinstance(message, tuple) else message), context)
        if key[0]:
            found[key] = Message(message, context=context)
    for text in _help_messages():
        found.setdefault((text, None), Message(text))
    return found


def _help_messages() -> list[str]:
    """The command tree's help texts (read from the live click commands: they are not _() calls)."""
    from ivr.cli.helptext import help_messages

    return help_messages()


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def load(lang: str) -> Catalog:
    path = po_path(lang)
    if not path.exists():
        return Catalog(locale=lang, domain=DOMAIN)
    with path.open("rb") as handle:
        return read_po(handle, locale=lang, domain=DOMAIN)


def untranslated(lang: str = "vi") -> list[str]:
    """Message ids of the code that the language's catalogue has no translation for."""
    catalog = load(lang)
    missing = []
    for (msgid, context), _message in extracted().items():
        entry = catalog.get(msgid, context=context)
        strings = entry.string if entry is not None else None
        if entry is None or entry.fuzzy or not (all(strings) if isinstance(strings, tuple) else strings):
            missing.append(msgid)
    return sorted(missing)


def update(languages: Iterable[str] = LANGUAGES) -> None:
    messages = extracted()
    for lang in languages:
        old = load(lang)
        new = Catalog(locale=lang, domain=DOMAIN, project="robocall", version="", fuzzy=False,
                      header_comment=f"# Robocall staff messages ({lang}). Updated by `make messages`; see ivr/i18n.py.")
        new.plural_forms  # noqa: B018 - computed from the locale
        for (msgid, context), message in sorted(messages.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
            previous = old.get(msgid, context=context)
            string = previous.string if previous is not None else ("", "") if isinstance(message.id, tuple) else ""
            new.add(message.id, string, context=context)
        path = po_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, new, width=0, no_location=True, omit_header=False, sort_output=True,
                     include_previous=False)
        _strip_dates(path, lang)


def _strip_dates(path: Path, lang: str) -> None:
    """The header without creation dates or tool versions: the same content gives the same file."""
    keep = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if any(line.startswith(f'"{field}:') for field in ("POT-Creation-Date", "PO-Revision-Date", "Generated-By",
                                                           "Last-Translator", "Language-Team")):
            continue
        if line.startswith('"Report-Msgid-Bugs-To:'):
            continue
        if line.startswith('"Project-Id-Version:'):
            line = '"Project-Id-Version: robocall\\n"'
        if line.startswith('"Plural-Forms:'):
            line = f'"Plural-Forms: {PLURALS[lang]}\\n"'
        keep.append(line)
    path.write_text("\n".join(keep) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "update":
        update()
        missing = untranslated("vi")
    elif command == "check":
        missing = untranslated("vi")
    else:
        print("usage: python -m ivr.i18n_tool update|check", file=sys.stderr)
        return 2
    for msgid in missing:
        print(f"vi: no translation: {msgid!r}", file=sys.stderr)
    return 1 if missing and command == "check" else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
