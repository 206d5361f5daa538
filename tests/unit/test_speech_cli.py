"""`robocall audio render` and `robocall script preview`, run through click into a temporary cache."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ivr.cli import main
from ivr.speech.convert import wav_info
from speech_fakes import DEMO_SCRIPT, write_demo, write_tone

SHIPPED = Path(__file__).parents[2] / "scripts_vi"


@pytest.fixture()
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)  # no developer robocall.yaml is read
    (tmp_path / "audio").mkdir()
    write_demo(tmp_path)
    return {"ROBOCALL_AUDIO_CACHE_DIR": str(tmp_path / "cache"),
            "ROBOCALL_AUDIO_RECORDINGS_DIR": str(tmp_path / "audio"),
            "ROBOCALL_AUDIO_PBX_DIR": "/srv/pbx/sounds", "ROBOCALL_CONFIG": "", "ROBOCALL_LOG_LEVEL": "warning",
            "ROBOCALL_LANG": "vi"}  # the staff's language: the tables and lines below are read as staff read them


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def row(output: str, name: str) -> list[str]:
    """The cells of the table row for one script."""
    line = next(line for line in output.splitlines() if line.startswith(name + " "))
    return line.split()


def test_render_then_render_again_uses_the_cache(env: dict[str, str], tmp_path: Path) -> None:
    first = run(env, "audio", "render", "demo.yaml")
    assert first.exit_code == 0, first.output
    # prompts, rendered now, cached, recordings, personalised, seconds: the personalised prompt's fixed part
    # ("Xin chào", played before the contact's name) is one of the 7
    assert row(first.output, "demo")[1:6] == ["7", "7", "0", "0", "1"]
    assert "tổng đài đọc tại /srv/pbx/sounds" in first.output
    files = sorted((tmp_path / "cache").iterdir())
    assert len(files) == 14 and all(re.fullmatch(r"[0-9a-f]{64}\.(wav|ulaw)", f.name) for f in files)
    assert all(wav_info(f).is_asterisk_format and wav_info(f).seconds > 0.3 for f in files if f.suffix == ".wav")
    second = run(env, "audio", "render", "demo.yaml")
    assert row(second.output, "demo")[1:6] == ["7", "0", "7", "0", "1"]


def test_render_uses_recordings_and_warns_about_unused_ones(env: dict[str, str], tmp_path: Path) -> None:
    write_tone(tmp_path / "audio" / "demo.end_ok.wav", 1.0, rate=44100, channels=2)
    write_tone(tmp_path / "audio" / "demo.end_okay.wav", 1.0)
    result = run(env, "audio", "render", "demo.yaml")
    assert result.exit_code == 0, result.output
    assert row(result.stdout, "demo")[1:6] == ["7", "6", "0", "1", "1"]
    assert "bản ghi âm demo.end_okay không khớp lời thoại nào của kịch bản demo" in result.stderr


def test_render_all_shipped_scripts_by_name(env: dict[str, str]) -> None:
    names = sorted(p.stem for p in SHIPPED.glob("*.yaml"))
    assert names, "scripts_vi/ ships no script"
    result = run(env, "audio", "render", *names)
    assert result.exit_code == 0, result.output
    for name in names:
        assert int(row(result.output, name)[1]) > 0
    assert row(result.output, "Tổng")[1] == str(sum(int(row(result.output, n)[1]) for n in names))


BROKEN = DEMO_SCRIPT.replace("next: ask_fever", "next: ask_fevr")


@pytest.mark.parametrize(("args", "files", "expected"), [
    (["audio", "render", "nope"], {}, "unknown script 'nope': no such file, and no .*nope.yaml"),
    (["audio", "render", "demo.yaml", "bad.yaml"], {"bad.yaml": BROKEN.replace("name: demo", "name: bad")},
     r"bad.yaml:22: step 'hello': unknown next step 'ask_fevr'"),
    (["audio", "render", "demo.yaml"], {"audio/demo.hello.wav": "tone"}, "prompt demo.hello .* uses \\{ho_ten\\}"),
    (["script", "preview", "demo.yaml", "--answers", "1,x", "--out", "p.wav"], {}, "answer 2 is 'x', not a keypad key"),
    (["script", "preview", "nope", "--out", "p.wav"], {}, "unknown script 'nope'"),
    (["script", "preview", "demo.yaml", "--var", "ten=An", "--out", "p.wav"], {},
     "--var ten: script demo has no such variable \\(it has: ho_ten\\)"),
    (["script", "preview", "demo.yaml", "--var", "ho_ten", "--out", "p.wav"], {}, "expected NAME=VALUE"),
    (["script", "preview", "demo.yaml", "--out", "missing/p.wav"], {}, "folder missing does not exist"),
])
def test_user_errors(env: dict[str, str], tmp_path: Path, args: list[str], files: dict[str, str],
                     expected: str) -> None:
    for name, content in files.items():
        if content == "tone":
            write_tone(tmp_path / name, 0.5)
        else:
            (tmp_path / name).write_text(content, encoding="utf-8")
    result = run({**env, "ROBOCALL_LANG": "en"}, *args)  # the English messages, as written in the code
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # no traceback
    assert re.search("robocall: error: .*" + expected, result.output), result.output
    assert not list(tmp_path.glob("cache/*.wav"))  # nothing half-done
    assert not (tmp_path / "p.wav").exists()


@pytest.mark.parametrize(("answers", "path", "outcome"), [
    ("2", "Đường đi: ask_fever [2] → end_ok", "Kết quả: completed"),
    ("1", "Đường đi: ask_fever [1] → end_ok", "Kết quả: symptomatic"),
    ("", "Đường đi: ask_fever [im lặng] → ask_fever [im lặng] → end_no_input", "Kết quả: no_input"),
    ("5,*,0", "Đường đi: ask_fever [5] → ask_fever [*] → ask_fever [0] → to_staff", "Kết quả: transferred"),
])
def test_preview(env: dict[str, str], tmp_path: Path, answers: str, path: str, outcome: str) -> None:
    result = run(env, "script", "preview", "demo.yaml", "--answers", answers, "--out", "p.wav",
                 "--var", "ho_ten=Nguyễn Văn An")
    assert result.exit_code == 0, result.output
    assert path in result.output.splitlines()
    assert outcome in result.output.splitlines()
    info = wav_info(tmp_path / "p.wav")
    assert info.is_asterisk_format and info.seconds > 3
    assert f"Đã ghi: p.wav ({info.seconds:.1f} giây)" in result.output
