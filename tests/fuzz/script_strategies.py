"""Hypothesis strategies for call-script files: any YAML, script-shaped documents with wrong pieces, and
the shipped scripts with lines deleted, repeated, swapped or edited."""
from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = tuple(sorted((ROOT / "scripts_vi").glob("*.yaml"))) + (ROOT / "tests/fixtures/scripts/mini.yaml",)

STEP_IDS = ("greet", "ask_fever", "ask_cough", "bye", "to_staff", "end_no_input", "Bad-Id", "bước_1", "")
KINDS = ("say", "ask", "transfer", "end", "Say", "menu", "")
KEYS = ("0", "1", "2", "9", "*", "#", "A", "D", "E", "10", "", " ", "**")
WORDS = ("vi", "en", "auto", "staff", "symptom", "completed", "yes", "no", "~", "null", "true", "fever",
         "{ho_ten}", "{ho_ten|anh/chị}", "{Bad}", "{x|{y}}", "{", "}", "{dia_chi}", "Xin chào.", "a\nb",
         "line one\n\nline three", "\t", "🦠", "\u202e", "'", '"', "&anchor", "*alias", "!!binary", "%YAML")
FIELDS = ("type", "prompt", "next", "question", "choices", "timeout", "max_retries", "invalid", "silence",
          "repeat_key", "on_exhausted", "target", "on_fail", "outcome", "nxt", "promt", "choises")
NUMBERS = (0, 1, 6, 60, 61, -1, 10, 11, "6", "abc", ".5", "nan", "inf", "1_000", "1e400", "9" * 5000, 6.5, True)


def scalars() -> st.SearchStrategy[object]:
    return st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=15),
                     st.sampled_from(STEP_IDS + KINDS + KEYS + WORDS), st.sampled_from(NUMBERS),
                     st.builds(lambda n: "Đ" * n, st.sampled_from((300, 5000))))


def values() -> st.SearchStrategy[object]:
    """Any YAML-representable value: scalars, lists and mappings, nested a little."""
    return st.recursive(scalars(), lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(st.text(max_size=8), st.integers(), st.none()), inner, max_size=3)),
        max_leaves=6)


def _either(plausible: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    """Mostly a plausible value for the field, sometimes anything at all."""
    return st.one_of(plausible, plausible, plausible, values())


def choices() -> st.SearchStrategy[object]:
    choice = st.fixed_dictionaries({}, optional={
        "value": _either(st.sampled_from(("yes", "no", "staff", ""))),
        "next": _either(st.sampled_from(STEP_IDS)),
        "flag": _either(st.sampled_from(("symptom", "urgent"))),
        "note": values(),
    })
    keys = st.one_of(st.sampled_from(KEYS), st.integers(min_value=0, max_value=12))
    return _either(st.dictionaries(keys, _either(choice), max_size=4))


FIELD_VALUES = {
    "type": _either(st.sampled_from(KINDS)),
    "prompt": _either(st.sampled_from(WORDS)),
    "invalid": _either(st.sampled_from(WORDS)),
    "silence": _either(st.sampled_from(WORDS)),
    "next": _either(st.sampled_from(STEP_IDS)),
    "on_exhausted": _either(st.sampled_from(STEP_IDS)),
    "on_fail": _either(st.sampled_from(STEP_IDS)),
    "question": _either(st.sampled_from(("fever", "identity", "Bad Q", ""))),
    "choices": choices(),
    "timeout": _either(st.sampled_from(NUMBERS)),
    "max_retries": _either(st.sampled_from(NUMBERS)),
    "repeat_key": _either(st.sampled_from(KEYS)),
    "target": _either(st.sampled_from(("staff", "police", ""))),
    "outcome": _either(st.sampled_from(("auto", "completed", "Bad Outcome", ""))),
}


def steps() -> st.SearchStrategy[object]:
    step = st.fixed_dictionaries({}, optional={f: FIELD_VALUES.get(f, values()) for f in FIELDS})
    return _either(st.dictionaries(st.one_of(st.sampled_from(STEP_IDS), st.text(max_size=6)), _either(step),
                                   max_size=6))


def script_documents() -> st.SearchStrategy[object]:
    """Dicts shaped like a script: known top-level fields (each may be missing or wrong) and steps."""
    variables = _either(st.dictionaries(st.sampled_from(("ho_ten", "dia_chi", "Bad", "x")), _either(
        st.fixed_dictionaries({}, optional={"description": _either(st.sampled_from(WORDS)),
                                            "fallback": _either(st.sampled_from(WORDS))})), max_size=3))
    defaults = _either(st.fixed_dictionaries({}, optional={
        f: FIELD_VALUES[f] for f in ("timeout", "max_retries", "repeat_key", "invalid", "silence", "on_exhausted")}))
    return st.fixed_dictionaries({}, optional={
        "name": _either(st.sampled_from(("f1_daily", "fuzz", "Bad Name", ""))),
        "version": _either(st.sampled_from((1, "2", "", None))),
        "language": _either(st.sampled_from(("vi", "en"))),
        "description": _either(st.sampled_from(WORDS)),
        "variables": variables,
        "defaults": defaults,
        "start": _either(st.sampled_from(STEP_IDS)),
        "steps": steps(),
        "author": values(),
    })


@st.composite
def dumped(draw: st.DrawFn, documents: st.SearchStrategy[object]) -> str:
    """A document written as YAML, block or flow style, sometimes damaged as text afterwards."""
    text = yaml.safe_dump(draw(documents), allow_unicode=True, sort_keys=False,
                          default_flow_style=draw(st.sampled_from((False, None, True))), width=draw(
                              st.sampled_from((80, 10**6))))
    return draw(damaged(text)) if draw(st.booleans()) else text


@st.composite
def damaged(draw: st.DrawFn, text: str) -> str:
    """The text with one line deleted, repeated (duplicate keys), swapped, re-indented or edited."""
    lines = text.splitlines()
    if not lines:
        return text
    i = draw(st.integers(0, len(lines) - 1))
    j = draw(st.integers(0, len(lines) - 1))
    how = draw(st.sampled_from(("delete", "repeat", "swap", "indent", "edit", "cut")))
    if how == "delete":
        del lines[i]
    elif how == "repeat":
        lines.insert(i, lines[i])
    elif how == "swap":
        lines[i], lines[j] = lines[j], lines[i]
    elif how == "indent":
        lines[i] = draw(st.sampled_from(("", " ", "  ", "\t", "    "))) + lines[i].lstrip()
    elif how == "edit":
        pos = draw(st.integers(0, len(lines[i])))
        piece = draw(st.one_of(st.sampled_from((":", "- ", "[", "{", '"', "'", "*", "&a", "!!int", "#", "|",
                                                ">-", "\x00", "\x85", "\ufeff", "\u2028")), st.text(max_size=4)))
        lines[i] = lines[i][:pos] + piece + lines[i][pos:]
    else:
        return "\n".join(lines)[: draw(st.integers(0, len(text)))]
    return "\n".join(lines) + "\n"


def shipped_texts() -> st.SearchStrategy[str]:
    """A shipped script damaged one to three times: near-valid input that reaches the checker."""
    base = st.sampled_from([p.read_text(encoding="utf-8") for p in SHIPPED])

    def damage(text: str, times: int) -> st.SearchStrategy[str]:
        strategy: st.SearchStrategy[str] = st.just(text)
        for _ in range(times):
            strategy = strategy.flatmap(damaged)
        return strategy

    return st.tuples(base, st.integers(1, 3)).flatmap(lambda t: damage(*t))


def yaml_texts() -> st.SearchStrategy[str]:
    """Any YAML document, and any text at all."""
    # Deep nesting: the composer's recursion gives out between 400 and 1,000 levels. PyYAML's scanner is
    # quadratic in the flow level, so flow nesting stops at 400; block nesting ("- - - x") goes deeper.
    flow = st.builds(lambda n, pair, closed: pair[0] * n + pair[1] * n * closed,
                     st.sampled_from((10, 400)), st.sampled_from(("[]", "{}")), st.booleans())
    block = st.builds(lambda n: "- " * n + "x\n", st.sampled_from((10, 400, 1000)))
    deep = st.one_of(flow, block)
    return st.one_of(dumped(values()), st.text(max_size=200), deep)
