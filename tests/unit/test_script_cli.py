"""`robocall script check`: output lines, exit codes, never a traceback."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.cli import main

ROOT = Path(__file__).resolve().parents[2]
BROKEN = ROOT / "tests/fixtures/scripts/broken"
SHIPPED = sorted(str(p) for p in (ROOT / "scripts_vi").glob("*.yaml"))


@pytest.fixture(autouse=True)
def _audio_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`script check` renders prompts to measure the endings: into a folder of the test's own."""
    monkeypatch.setenv("ROBOCALL_AUDIO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ROBOCALL_AUDIO_RECORDINGS_DIR", str(tmp_path / "audio"))
    monkeypatch.delenv("ROBOCALL_AUDIO_MAX_PATH_SECONDS", raising=False)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["script", "check", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_shipped_scripts_print_ok_and_exit_0() -> None:
    code, out = run("--no-audio", *SHIPPED)
    assert code == 0
    assert out.splitlines() == [f"OK {p} ({n} steps)" for p, n in zip(SHIPPED, [21, 13, 18, 5])]


def test_the_daily_scripts_end_within_the_time_limit_and_the_hotline_is_flagged() -> None:
    """The quickest way to each ending is measured on the rendered prompts: the F1/F2 calls fit in 50 s;
    the hotline's self-declaration (five symptom questions, one by one) does not, and is named."""
    code, out = run(*SHIPPED)
    assert code == 0
    warnings = [line for line in out.splitlines() if not line.startswith("OK ")]
    assert len(warnings) == 1, out
    assert re.match(r".*/hotline\.yaml:\d+: step 'end_done': warning: the quickest way to this ending takes "
                    r"\d+\.\d s of audio, more than 50 s \(audio\.max_path_seconds\): greet → menu \[1\] → ",
                    warnings[0]), warnings[0]
    vi = CliRunner().invoke(main, ["--lang", "vi", "script", "check", *SHIPPED]).output
    assert "bước 'end_done': cảnh báo: đường ngắn nhất tới bước kết thúc này dài" in vi


def test_a_lower_limit_names_the_healthy_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROBOCALL_AUDIO_MAX_PATH_SECONDS", "30")
    f1 = next(p for p in SHIPPED if p.endswith("f1_daily.yaml"))
    code, out = run(f1)
    assert code == 0, "a warning is not a failure"
    (line, ok) = out.splitlines()
    assert ok == f"OK {f1} (21 steps)"
    seconds = float(re.search(r"takes (\d+\.\d) s of audio", line).group(1))  # type: ignore[union-attr]
    assert 30 < seconds <= 50
    assert line.endswith("greet → ask_identity [1] → say_purpose → ask_symptoms [2] → ask_address [1] → end_done")
    monkeypatch.setenv("ROBOCALL_AUDIO_MAX_PATH_SECONDS", "0")
    assert run(f1) == (0, f"OK {f1} (21 steps)\n")


@pytest.mark.parametrize("name,lines", [
    ("unknown_field.yaml", [":15: step 'ask_fever': unknown field 'choises' for an ask step "
                            "(did you mean 'choices'?)"]),
    ("syntax_error.yaml", [":10: invalid YAML: found unexpected end of stream"]),
    ("never_ends.yaml", [":9: step 'ask_fever': path that can never end", ":18: step 'hold_1': loop with no way out"]),
])
def test_broken_script_prints_every_problem_and_exits_1(name: str, lines: list[str]) -> None:
    path = str(BROKEN / name)
    code, out = run(path)
    assert code == 1
    got = out.splitlines()
    assert len(got) == len(lines)
    for line, expected in zip(got, lines):
        assert line.startswith(path + expected)


def test_good_and_bad_together_report_both_and_exit_1() -> None:
    bad = str(BROKEN / "unreachable.yaml")
    code, out = run("--no-audio", SHIPPED[0], bad, "missing.yaml")
    assert code == 1
    assert out.splitlines() == [
        f"OK {SHIPPED[0]} (21 steps)",
        f"{bad}:17: step 'ask_cough': step can never be reached (no step leads here)",
        "missing.yaml: file not found",
    ]


def test_no_file_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["script", "check"])
    assert result.exit_code == 2 and "Missing argument" in result.output
