"""Fuzzing the script loader and checker: whatever the file holds, loading gives a Script or one
ScriptError, and checking a loaded script gives a list of problems. Every problem names the file, points
at a line inside it, and is one line of text (the CLI prints one per line)."""
from __future__ import annotations

from pathlib import Path

import pytest
from fuzz_settings import fuzz
from hypothesis import given
from hypothesis import strategies as st
from script_strategies import dumped, script_documents, shipped_texts, yaml_texts

from ivr.scripts import checker, loader
from ivr.scripts.problems import Problem, ScriptError

pytestmark = pytest.mark.slow

SOURCES = st.sampled_from(("fuzz.yaml", "f1_daily.yaml", "kịch bản/hotline.yml", "<script>"))


def assert_clean(problem: Problem, source: str, text: str) -> None:
    message = str(problem)
    assert problem.file == source and message.startswith(source), message
    assert "\n" not in message and "\r" not in message, f"not one line: {message!r}"
    assert 0 <= problem.line <= len(text.splitlines()) + 1, (problem.line, message)


def load_and_check(text: str, source: str) -> list[Problem]:
    """The only allowed results: a ScriptError, or a script whose check returns problems."""
    try:
        script = loader.loads(text, source)
    except ScriptError as exc:
        assert_clean(exc.problem, source, text)
        return [exc.problem]
    problems = checker.check(script)
    for problem in problems:
        assert_clean(problem, source, text)
    return problems


@fuzz(300)
@given(text=yaml_texts(), source=SOURCES)
def test_any_yaml(text: str, source: str) -> None:
    load_and_check(text, source)


@fuzz(400)
@given(text=dumped(script_documents()), source=SOURCES)
def test_script_shaped_documents(text: str, source: str) -> None:
    load_and_check(text, source)


@fuzz(300)
@given(text=shipped_texts(), source=SOURCES)
def test_damaged_shipped_scripts(text: str, source: str) -> None:
    load_and_check(text, source)


@fuzz(150)
@given(data=st.binary(max_size=2000), bom=st.booleans())
def test_any_bytes_as_a_file(tmp_path_factory: pytest.TempPathFactory, data: bytes, bom: bool) -> None:
    path = tmp_path_factory.mktemp("script") / "fuzz.yaml"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    script, problems = checker.check_file(path)
    assert script is not None or len(problems) == 1
    text = data.decode("utf-8", errors="replace")
    for problem in problems:
        assert_clean(problem, str(path), text)


@pytest.mark.parametrize("path", [Path("no/such/script.yaml"), Path(__file__).parent])
def test_missing_file_and_directory(path: Path) -> None:
    script, problems = checker.check_file(path)
    assert script is None and len(problems) == 1
    assert_clean(problems[0], str(path), "")


# What the fuzzer found, kept as fixed cases: (case, text, the problem's line, words of its message).
REGRESSIONS = [
    ("a NUL character", "name: f1_daily\nversion: 1\x00\n", 2, "character #x0000 is not allowed"),
    ("a C1 control character", "\x87name: x\n", 1, "character #x0087 is not allowed"),
    ("nesting deeper than the parser's recursion", "steps:\n" + "  - " * 1000 + "x\n", 2, "nested more than 100"),
    ("flow nesting too", "[" * 1000 + "]" * 1000, 1, "nested more than 100"),
    ("a value with line breaks", 'name: "a\\nb"\nversion: 1\nlanguage: vi\ndescription: d\nstart: s\nsteps: {}\n', 1,
     "must be lower-case letters, digits and '_' (it names the audio files), got 'a b'"),
    ("a key with line breaks", '"a\\nb": 1\n', 1, "unknown field 'a b'"),
    ("a next step with line breaks", "name: fuzz\nversion: 1\nlanguage: vi\ndescription: d\ndirection: outbound\n"
     "categories: [F1]\nstart: s\n"
     'steps:\n  s: {type: say, prompt: Xin chào., next: "x\\n\\ny"}\n', 9, "unknown next step 'x y' in next"),
]


@pytest.mark.parametrize(("case", "text", "line", "words"), REGRESSIONS, ids=[r[0] for r in REGRESSIONS])
def test_regressions(case: str, text: str, line: int, words: str) -> None:
    problems = load_and_check(text, "fuzz.yaml")
    assert problems and problems[0].line == line and words in problems[0].message, problems
