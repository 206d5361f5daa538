"""Staff messages: Vietnamese by default whatever the host's locale, English on request, catalogues complete."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr import i18n, i18n_tool
from ivr.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_every_message_of_the_code_has_its_vietnamese() -> None:
    missing = i18n_tool.untranslated("vi")
    assert missing == [], "add their Vietnamese to ivr/locale/vi/LC_MESSAGES/robocall.po (make messages)"


@pytest.mark.parametrize(("given", "code"), [
    ("vi", "vi"), ("en", "en"), ("EN", "en"), ("en_US.UTF-8", "en"), ("vi-VN", "vi"),
])
def test_language_names(given: str, code: str) -> None:
    assert i18n.normalise(given) == code


@pytest.mark.parametrize("given", ["fr", "", "english"])
def test_unknown_languages(given: str) -> None:
    with pytest.raises(i18n.UnknownLanguage):
        i18n.normalise(given)


@pytest.mark.parametrize(("env", "host", "expected"), [
    (None, {"LANG": "en_US.UTF-8", "LANGUAGE": "en", "LC_ALL": "en_US.UTF-8"}, "không phải số điện thoại"),
    (None, {"LANG": "C"}, "không phải số điện thoại"),
    ("en", {"LANG": "vi_VN.UTF-8"}, "not a phone number"),
    ("vi", {"LANGUAGE": "en"}, "không phải số điện thoại"),
])
def test_the_language_follows_robocall_lang_never_the_host_locale(env: str | None, host: dict[str, str],
                                                                  expected: str, tmp_path: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if k not in ("ROBOCALL_LANG", "LANG", "LANGUAGE", "LC_ALL")}
    environ.update(host)
    if env:
        environ["ROBOCALL_LANG"] = env
    proc = subprocess.run([str(Path(sys.executable).parent / "robocall"), "call", "notaphone"], capture_output=True, text=True,
                          env=environ, cwd=tmp_path, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip().endswith(expected), proc.stderr
    assert "Traceback" not in proc.stderr


def test_call_notaphone_is_one_language_in_each() -> None:
    vi = CliRunner().invoke(main, ["--lang", "vi", "call", "notaphone"])
    en = CliRunner().invoke(main, ["--lang", "en", "call", "notaphone"])
    assert vi.exit_code == en.exit_code == 2
    assert vi.output.strip() == "robocall: lỗi: số 'notaphone': không phải số điện thoại"
    assert en.output.strip() == "robocall: error: number 'notaphone': not a phone number"


def test_clicks_own_usage_errors_are_translated() -> None:
    result = CliRunner().invoke(main, ["--lang", "vi", "campaign", "create"])
    assert result.exit_code == 2
    assert "Thiếu tùy chọn '--script'" in result.output and "Missing" not in result.output


def test_a_bad_language_is_refused_in_vietnamese() -> None:
    result = CliRunner().invoke(main, ["--lang", "fr", "call", "x"])
    assert result.exit_code == 2
    assert result.output.strip() == "robocall: lỗi: --lang 'fr': cần vi hoặc en"


def test_a_message_missing_from_a_catalogue_shows_its_id() -> None:
    i18n.set_language("vi")
    assert i18n._("a message no catalogue has") == "a message no catalogue has"
    assert i18n._("busy") == "máy bận"
    i18n.set_language("en")
    assert i18n._("busy") == "busy"


@pytest.mark.parametrize(("env", "vi", "en"), [
    ({"ROBOCALL_DIALER_MAX_CONCURRENT": "many"}, "config.dialer.max_concurrent: cần một số, nhưng là 'many'",
     "config.dialer.max_concurrent: expected a number, got 'many'"),
    ({"ROBOCALL_" + "DIALER": "x"}, "_DIALER: 'dialer' là một mục, không phải một thiết lập",  # a section's name
     "_DIALER: 'dialer' is a section, not a setting"),
    ({"ROBOCALL_REPORTS_UNIT_LEVEL": "ward"}, "reports.unit_level: cần auto, district hoặc commune, nhưng là 'ward'",
     "reports.unit_level: expected auto, district or commune, got 'ward'"),
    ({"ROBOCALL_AUDIO_VALUE_SYNTHESIS": "syllables"}, "audio.value_synthesis: cần words hoặc phrase, nhưng là 'syllables'",
     "audio.value_synthesis: expected words or phrase, got 'syllables'"),
])
def test_config_mistakes_are_in_the_staff_language(env: dict[str, str], vi: str, en: str, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no developer robocall.yaml
    for lang, expected in (("vi", vi), ("en", en)):
        result = CliRunner().invoke(main, ["--lang", lang, "imports", "list"], env={**env, "ROBOCALL_CONFIG": ""})
        assert result.exit_code == 2, result.output
        assert expected in result.output and "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1
