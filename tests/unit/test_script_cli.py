"""`robocall script check`: output lines, exit codes, never a traceback."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.cli import main

ROOT = Path(__file__).resolve().parents[2]
BROKEN = ROOT / "tests/fixtures/scripts/broken"
SHIPPED = sorted(str(p) for p in (ROOT / "scripts_vi").glob("*.yaml"))


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["script", "check", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_shipped_scripts_print_ok_and_exit_0() -> None:
    code, out = run(*SHIPPED)
    assert code == 0
    assert out.splitlines() == [f"OK {p} ({n} steps)" for p, n in zip(SHIPPED, [16, 8, 18, 5])]


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
    code, out = run(SHIPPED[0], bad, "missing.yaml")
    assert code == 1
    assert out.splitlines() == [
        f"OK {SHIPPED[0]} (16 steps)",
        f"{bad}:17: step 'ask_cough': step can never be reached (no step leads here)",
        "missing.yaml: file not found",
    ]


def test_no_file_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["script", "check"])
    assert result.exit_code == 2 and "Missing argument" in result.output
