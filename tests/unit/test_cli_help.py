"""`robocall ... --help` in one language: Vietnamese by default, English with --lang en, for every command.

The help texts are English in the code and translated when click formats them (ivr/cli/helptext.py). The
tree is walked live, so a command another branch adds is checked too: it fails here until its help texts have
their Vietnamese (`make messages`, then fill msgstr in ivr/locale/vi/LC_MESSAGES/robocall.po).
"""
from __future__ import annotations

import inspect
from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from ivr import i18n
from ivr.cli import helptext, main

COMMANDS = [path for path, _command in helptext.walk(main)]


@pytest.fixture(autouse=True)
def _language_reset() -> Iterator[None]:
    yield
    i18n.reset()


def command_at(path: tuple[str, ...]) -> click.Command:
    return dict(helptext.walk(main))[path]


def squeezed(text: str) -> str:
    """Without whitespace: click re-wraps help texts, so only the characters are compared."""
    return "".join(text.split())


def shown(text: str) -> str:
    """The part of a help text click prints (up to a form feed)."""
    return inspect.cleandoc(text).partition("\f")[0]


def help_page(lang: str, path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(main, ["--lang", lang, *path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result.output


def test_the_tree_is_walked() -> None:
    assert {(), ("cases", "list"), ("campaign", "create"), ("contacts", "stop")} <= set(COMMANDS)


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "robocall")
def test_every_command_translates_its_help(path: tuple[str, ...]) -> None:
    command = command_at(path)
    assert isinstance(command, helptext.TranslatedHelp), (
        f"{' '.join(path)}: made with its own cls=; use ivr.cli.helptext.Command/Group (or @group.command)")
    vi_catalogue = i18n.translations("vi")
    texts = list(helptext.help_texts(command))
    untranslated = [t for t in texts if vi_catalogue.gettext(t) == t]
    assert untranslated == [], "no Vietnamese for these help texts: make messages, then fill msgstr"
    vi_page, en_page = squeezed(help_page("vi", path)), squeezed(help_page("en", path))
    for text in texts:
        assert squeezed(shown(vi_catalogue.gettext(text))) in vi_page
        assert squeezed(shown(text)) in en_page
        assert squeezed(shown(text)) not in vi_page
    assert "Cáchdùng:" in vi_page and "Usage:" in en_page


def test_the_list_of_commands_is_translated_too() -> None:
    vi = help_page("vi", ("cases",))
    en = help_page("en", ("cases",))
    assert "Đánh dấu một trường hợp đã xử lý xong." in vi and "Mark a case handled." not in vi
    assert "Mark a case handled." in en


def test_robocall_lang_chooses_english_help() -> None:
    result = CliRunner().invoke(main, ["cases", "close", "--help"], env={"ROBOCALL_LANG": "en"})
    assert result.exit_code == 0
    assert "What was done" in result.output and "[required]" in result.output
    vi = CliRunner().invoke(main, ["cases", "close", "--help"], env={"ROBOCALL_LANG": ""})
    assert "Việcđãlàm" in squeezed(vi.output) and "[bắtbuộc]" in squeezed(vi.output)


def test_formatting_in_vietnamese_leaves_the_english_ids_in_place() -> None:
    """The texts click holds stay the English message ids (translated copies are formatted), so the next
    command in English, in the same process, is English again."""
    help_page("vi", ("cases", "close"))
    command = command_at(("cases", "close"))
    assert command.help == "Mark a case handled."
    assert [p.help for p in command.params if getattr(p, "help", None)][0].startswith("What was done")
    assert "Markacasehandled." in squeezed(help_page("en", ("cases", "close")))


def test_the_catalogue_tool_extracts_the_help_texts() -> None:
    from ivr import i18n_tool

    keys = {msgid for msgid, _context in i18n_tool.extracted()}
    assert set(helptext.help_messages()) <= keys
    assert "Mark a case handled." in keys
