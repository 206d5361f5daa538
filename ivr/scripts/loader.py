"""Read a script YAML file into the typed model, naming file, line and step for every mistake.

Why a node walker and not `yaml.safe_load`: we need line numbers for messages, PyYAML silently keeps the
last of two equal keys (a key used twice in an ask would be lost), and YAML 1.1 turns plain words such as
`yes`/`no` into booleans. So we compose the YAML into nodes (which keep their marks) and read every field
ourselves: text fields take the scalar as written, numbers are checked, duplicates are rejected.
This is the only module in ivr.scripts that does I/O.
"""
from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Callable, Iterable, NoReturn

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ivr.scripts.model import (
    DTMF_KEYS, KNOWN_FLAGS, PLACEHOLDER_RE, TRANSFER_TARGETS, AskStep, Choice, EndStep, PromptTemplate,
    VERIFY_VARIABLE, SayStep, Script, Step, TransferStep, Variable, VerifyStep,
)
from ivr.scripts.problems import Problem, ScriptError
from ivr.scripts.purpose import CATEGORIES, DIRECTIONS

_NAME_RE = re.compile(r"[a-z0-9_]+\Z")
_STEP_ID_RE = re.compile(r"[A-Za-z0-9_]+\Z")
_VAR_RE = re.compile(r"[a-z_][a-z0-9_]*\Z")
_NULL_TAG = "tag:yaml.org,2002:null"
_MAX_DEPTH = 100  # lists/mappings nested deeper than this are no script (and would exhaust the recursion)
_SHOWN = 60  # characters of a wrong value quoted in a message

_TOP_FIELDS = ("name", "version", "language", "description", "direction", "categories", "variables", "defaults",
               "start", "steps")
_TOP_REQUIRED = ("name", "version", "language", "description", "start", "steps")
_DEFAULT_FIELDS = ("timeout", "max_retries", "repeat_key", "invalid", "silence", "on_exhausted")
_STEP_FIELDS = {
    "say": ("type", "prompt", "next"),
    "ask": ("type", "question", "prompt", "choices", "timeout", "max_retries", "invalid", "silence",
            "repeat_key", "on_exhausted"),
    "transfer": ("type", "target", "prompt", "on_fail"),
    "end": ("type", "prompt", "outcome"),
    "verify": ("type", "prompt", "invalid", "next", "on_fail", "attempts", "digits", "timeout"),
}
_STEP_REQUIRED = {"say": ("next",), "ask": ("question", "choices"), "transfer": ("target",), "end": ("outcome",),
                  "verify": ("prompt", "next", "on_fail")}
DEFAULT_TIMEOUT = 6.0
DEFAULT_MAX_RETRIES = 2
DEFAULT_REPEAT_KEY = "*"


def load(path: str | Path) -> Script:
    """Load one script file. Raises ScriptError (a UserError) for anything wrong with it."""
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise ScriptError(Problem(source, 0, None, "file not found")) from None
    except IsADirectoryError:
        raise ScriptError(Problem(source, 0, None, "is a directory, not a script file")) from None
    except OSError as exc:
        raise ScriptError(Problem(source, 0, None, f"cannot read: {exc.strerror}")) from None
    try:
        text = raw.decode("utf-8-sig")  # editors on Windows often add a BOM
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScriptError(Problem(source, line, None, "not UTF-8 text (save the file as UTF-8)")) from None
    return loads(text, source)


def resolve(name_or_path: str | Path, directory: str | Path) -> Path:
    """The file for a script given by file path or by name (`f1_daily` -> `<directory>/f1_daily.yaml`)."""
    given = Path(name_or_path)
    if given.suffix in (".yaml", ".yml"):
        return given
    if given.exists() or "/" in str(name_or_path) or "\\" in str(name_or_path):
        # Never read another kind of file as a script: its first line would be quoted in the error.
        raise ScriptError(Problem(str(name_or_path), 0, None, "not a script: give a script name (e.g. f1_daily) "
                                                              "or a .yaml file"))
    candidate = Path(directory) / f"{name_or_path}.yaml"
    if candidate.is_file():
        return candidate
    known = sorted(p.stem for p in Path(directory).glob("*.yaml"))
    raise ScriptError(Problem(str(name_or_path), 0, None, f"no such script in {directory} "
                                                          f"(known: {', '.join(known) or 'none'})"))


def loads(text: str, source: str = "<script>") -> Script:
    """Parse script YAML text; `source` names the file in messages."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        raise ScriptError(_syntax_problem(exc, source)) from None
    except yaml.reader.ReaderError as exc:  # a control character: name it and its line, on one line
        line = text[: exc.position].count("\n") + 1
        code = f"#x{exc.character:04x}" if isinstance(exc.character, int) else repr(exc.character)
        raise ScriptError(Problem(source, line, None, f"invalid YAML: character {code} is not allowed "
                                                      f"({exc.reason})")) from None
    except yaml.YAMLError as exc:
        raise ScriptError(Problem(source, 0, None, f"invalid YAML: {' '.join(str(exc).split())}")) from None
    except RecursionError:
        raise ScriptError(Problem(source, _too_deep_line(text), None,
                                  f"invalid YAML: lists or mappings nested more than {_MAX_DEPTH} deep")) from None
    if root is None:
        raise ScriptError(Problem(source, 0, None, "the file is empty"))
    return _Reader(source).script(root)


def _syntax_problem(exc: yaml.MarkedYAMLError, source: str) -> Problem:
    """One line for a YAML syntax error. When the file ends inside something unclosed (a quote, a
    bracket), the line that opened it is the useful one, so we point there."""
    problem = exc.problem or "syntax error"
    mark = exc.problem_mark or exc.context_mark
    if exc.context and exc.context_mark is not None:
        problem += f" ({exc.context} at line {exc.context_mark.line + 1})"
        if "end of stream" in problem:
            mark = exc.context_mark
            problem += ": is a quote or a bracket left open?"
    line = mark.line + 1 if mark is not None else 0
    return Problem(source, line, None, f"invalid YAML: {' '.join(problem.split())}")  # on one line


def _too_deep_line(text: str) -> int:
    """The line where nesting first goes deeper than _MAX_DEPTH (the event parser does not recurse)."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > _MAX_DEPTH:
                    return event.start_mark.line + 1 if event.start_mark is not None else 0
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        pass
    return 0


def _shown(value: object) -> str:
    """A value as quoted in a message: on one line, and cut when long."""
    text = " ".join(str(value).split())
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return f"'{_shown(node.value)}'" if node.tag != _NULL_TAG else "nothing"


class _Reader:
    """Walks the composed node tree of one file; every error goes through `fail`."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, line: int, step: str | None, message: str) -> NoReturn:
        # One line whatever the file holds: keys and values quoted in messages may contain line breaks.
        raise ScriptError(Problem(self.source, line, _shown(step) if step is not None else None,
                                  " ".join(message.split())))

    # -- generic readers ------------------------------------------------------------------------------
    def pairs(self, node: Node, what: str, step: str | None,
              twice: Callable[[str, int], str]) -> list[tuple[str, Node, Node]]:
        """The (key, key node, value node) of a mapping, rejecting non-text and duplicate keys."""
        if not isinstance(node, MappingNode):
            self.fail(_line(node), step, f"wrong type: {what} must be a mapping (key: value lines), "
                                         f"got {_kind(node)}")
        seen: dict[str, int] = {}
        out: list[tuple[str, Node, Node]] = []
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.fail(_line(key_node), step, f"wrong type: a key in {what} must be text")
            key = key_node.value
            if key in seen:
                self.fail(_line(key_node), step, twice(key, seen[key]))
            seen[key] = _line(key_node)
            out.append((key, key_node, value_node))
        return out

    def fields(self, node: Node, allowed: Iterable[str], required: Iterable[str], step: str | None,
               what: str, line: int, unknown_suffix: str = "") -> dict[str, Node]:
        allowed = tuple(allowed)
        found: dict[str, Node] = {}
        for key, key_node, value_node in self.pairs(
                node, what, step, lambda k, first: f"field '{k}' given twice (first at line {first})"):
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(allowed)})"
                self.fail(_line(key_node), step, f"unknown field '{key}'{unknown_suffix}{hint}")
            found[key] = value_node
        for name in required:
            if name not in found:
                self.fail(line, step, f"missing field '{name}'")
        return found

    def text(self, node: Node, name: str, step: str | None) -> str | None:
        """A scalar taken as written (so `yes` stays "yes"); None when empty/null."""
        if not isinstance(node, ScalarNode):
            self.fail(_line(node), step, f"wrong type: field '{name}' must be text, got {_kind(node)}")
        if node.tag == _NULL_TAG:
            return None
        return str(node.value)

    def required_text(self, node: Node, name: str, step: str | None,
                      pattern: re.Pattern[str] | None = None, rule: str = "") -> str:
        value = self.text(node, name, step)
        if value is None or not value.strip():
            self.fail(_line(node), step, f"field '{name}' is empty")
        value = value.strip()
        if pattern is not None and not pattern.match(value):
            self.fail(_line(node), step, f"wrong value: field '{name}' must be {rule}, got '{_shown(value)}'")
        return value

    def number(self, node: Node, name: str, step: str | None, low: float, high: float,
               integer: bool) -> float:
        kind = "a whole number" if integer else "a number of seconds"
        text = node.value if isinstance(node, ScalarNode) else None
        try:
            value = float(int(str(text))) if integer else float(str(text))
        except ValueError:
            self.fail(_line(node), step, f"wrong type: field '{name}' must be {kind}, got {_kind(node)}")
        if not low <= value <= high:
            self.fail(_line(node), step, f"wrong value: field '{name}' must be between {low:g} and {high:g}, "
                                         f"got {text}")
        return value

    def key(self, node: Node, name: str, step: str | None) -> str:
        value = self.text(node, name, step)
        if value is None or value not in DTMF_KEYS:
            self.fail(_line(node), step, f"wrong value: '{value}' is not a phone key (use one of 0-9, *, #, A-D; "
                                         "quote * and # like \"*\")")
        return value

    def prompt(self, node: Node | None, prompt_id: str, name: str, step: str | None) -> PromptTemplate:
        """A prompt template; missing prompts load as empty text so the checker reports them with the rest."""
        if node is None:
            return PromptTemplate(prompt_id, "", 0)
        text = " ".join((self.text(node, name, step) or "").split())
        leftover = PLACEHOLDER_RE.sub("", text)
        if "{" in leftover or "}" in leftover:
            self.fail(_line(node), step, f"malformed variable in field '{name}': write {{name}} or "
                                         "{name|fallback}, with a lower-case name")
        return PromptTemplate(prompt_id, text, _line(node))

    # -- the script -----------------------------------------------------------------------------------
    def script(self, root: Node) -> Script:
        top = self.fields(root, _TOP_FIELDS, _TOP_REQUIRED, None, "the script", 1)
        name = self.required_text(top["name"], "name", None, _NAME_RE,
                                  "lower-case letters, digits and '_' (it names the audio files)")
        version = self.required_text(top["version"], "version", None)
        language = self.required_text(top["language"], "language", None)
        if language != "vi":
            self.fail(_line(top["language"]), None, f"wrong value: field 'language' must be 'vi', got '{language}'")
        description = self.required_text(top["description"], "description", None)
        direction = self.direction(top["direction"]) if "direction" in top else None
        categories = self.categories(top["categories"]) if "categories" in top else ()
        variables = self.variables(top["variables"]) if "variables" in top else {}
        defaults = self.fields(top["defaults"], _DEFAULT_FIELDS, (), None, "defaults", _line(top["defaults"])) \
            if "defaults" in top else {}
        start = self.required_text(top["start"], "start", None)
        step_pairs = self.pairs(top["steps"], "steps", None,
                                lambda k, first: f"step '{k}' defined twice (first at line {first})")
        if not step_pairs:
            self.fail(_line(top["steps"]), None, "field 'steps' has no steps")
        steps: dict[str, Step] = {}
        for step_id, key_node, value_node in step_pairs:
            if not _STEP_ID_RE.match(step_id):
                self.fail(_line(key_node), step_id, "wrong value: a step id may only use letters, digits and '_'")
            steps[step_id] = self.step(name, step_id, _line(key_node), value_node, defaults)
        lines = {k: _line(v) for k, v in top.items()}
        return Script(name=name, version=version, language=language, description=description, start=start,
                      steps=steps, variables=variables, source=self.source, field_lines=lines,
                      direction=direction, categories=categories)

    def direction(self, node: Node) -> str:
        value = self.required_text(node, "direction", None)
        if value not in DIRECTIONS:
            self.fail(_line(node), None, f"wrong value: field 'direction' must be one of {', '.join(DIRECTIONS)}, "
                                         f"got '{_shown(value)}'")
        return value

    def categories(self, node: Node) -> tuple[str, ...]:
        if isinstance(node, ScalarNode) and node.tag != _NULL_TAG:
            items: list[Node] = [node]  # `categories: F1` as well as `categories: [F1, F2]`
        elif isinstance(node, SequenceNode):
            items = list(node.value)
        else:
            self.fail(_line(node), None, f"wrong type: field 'categories' must be a list such as [F1, F2], "
                                         f"got {_kind(node)}")
        out: list[str] = []
        for item in items:
            value = (self.text(item, "categories", None) or "").strip().upper()
            if value not in CATEGORIES:
                self.fail(_line(item), None, f"wrong value: a category must be one of {', '.join(CATEGORIES)}, "
                                             f"got '{_shown(value)}'")
            if value not in out:
                out.append(value)
        if not out:
            self.fail(_line(node), None, "field 'categories' is empty")
        return tuple(out)

    def variables(self, node: Node) -> dict[str, Variable]:
        out: dict[str, Variable] = {}
        for var, key_node, value_node in self.pairs(
                node, "variables", None, lambda k, first: f"variable '{k}' declared twice (first at line {first})"):
            if not _VAR_RE.match(var):
                self.fail(_line(key_node), None, f"wrong value: variable name '{var}' must be lower-case "
                                                 "letters, digits and '_'")
            f = self.fields(value_node, ("description", "fallback"), ("description",), None,
                            f"variable '{var}'", _line(key_node))
            fallback = self.text(f["fallback"], "fallback", None) if "fallback" in f else None
            out[var] = Variable(var, self.required_text(f["description"], "description", None),
                                " ".join(fallback.split()) if fallback else None, _line(key_node))
        return out

    def step(self, script: str, step_id: str, line: int, node: Node, defaults: dict[str, Node]) -> Step:
        if not isinstance(node, MappingNode):
            self.fail(_line(node), step_id, f"wrong type: a step must be a mapping (key: value lines), "
                                            f"got {_kind(node)}")
        type_node = next((v for k, v in node.value if isinstance(k, ScalarNode) and k.value == "type"), None)
        if type_node is None:
            self.fail(line, step_id, "missing field 'type' (say, ask, transfer, end or verify)")
        kind = self.text(type_node, "type", step_id)
        if kind not in _STEP_FIELDS:
            self.fail(_line(type_node), step_id, f"wrong value: unknown step type '{kind}' "
                                                 f"(expected one of: {', '.join(_STEP_FIELDS)})")
        f = self.fields(node, _STEP_FIELDS[kind], _STEP_REQUIRED[kind], step_id, f"step '{step_id}'", line,
                        f" for {'an' if kind[0] in 'ae' else 'a'} {kind} step")
        lines = {k: _line(v) for k, v in f.items()}
        pid = f"{script}.{step_id}"
        if kind == "say":
            return SayStep(step_id, self.prompt(f.get("prompt"), pid, "prompt", step_id),
                           self.required_text(f["next"], "next", step_id), line, lines)
        if kind == "end":
            prompt = self.prompt(f["prompt"], pid, "prompt", step_id) if "prompt" in f else None
            outcome = self.required_text(f["outcome"], "outcome", step_id, _NAME_RE,
                                         "lower-case letters, digits and '_'")
            return EndStep(step_id, prompt, outcome, line, lines)
        if kind == "transfer":
            target = self.required_text(f["target"], "target", step_id)
            if target not in TRANSFER_TARGETS:
                self.fail(_line(f["target"]), step_id, f"wrong value: transfer target must be one of "
                                                       f"{', '.join(sorted(TRANSFER_TARGETS))}, got '{target}'")
            prompt = self.prompt(f["prompt"], pid, "prompt", step_id) if "prompt" in f else None
            on_fail = self.required_text(f["on_fail"], "on_fail", step_id) if "on_fail" in f else None
            return TransferStep(step_id, target, prompt, on_fail, line, lines)
        if kind == "verify":
            return self.verify(step_id, line, pid, f, defaults, lines)
        return self.ask(step_id, line, pid, f, defaults, lines)

    def verify(self, step_id: str, line: int, pid: str, f: dict[str, Node], defaults: dict[str, Node],
               lines: dict[str, int]) -> VerifyStep:
        """A caller check (see VerifyStep): the prompt must not say the year it checks."""
        prompt = self.prompt(f.get("prompt"), pid, "prompt", step_id)
        if any(p.name == VERIFY_VARIABLE for p in prompt.placeholders()):
            self.fail(lines.get("prompt", line), step_id, f"the prompt of a verify step may not say "
                                                          f"{{{VERIFY_VARIABLE}}}: that is what the caller must key in")
        return VerifyStep(
            id=step_id, prompt=prompt,
            invalid_prompt=self.prompt(f.get("invalid", defaults.get("invalid")), f"{pid}.invalid", "invalid",
                                       step_id),
            next=self.required_text(f["next"], "next", step_id),
            on_fail=self.required_text(f["on_fail"], "on_fail", step_id),
            attempts=int(self.number(f["attempts"], "attempts", step_id, 1, 5, integer=True))
            if "attempts" in f else 2,
            digits=int(self.number(f["digits"], "digits", step_id, 1, 8, integer=True)) if "digits" in f else 4,
            timeout=self.number(f["timeout"], "timeout", step_id, 1, 60, integer=False) if "timeout" in f else 8.0,
            line=line, field_lines=lines)

    def ask(self, step_id: str, line: int, pid: str, f: dict[str, Node], defaults: dict[str, Node],
            lines: dict[str, int]) -> AskStep:
        def pick(name: str) -> Node | None:
            return f.get(name, defaults.get(name))

        question = self.required_text(f["question"], "question", step_id, _NAME_RE,
                                      "lower-case letters, digits and '_'")
        choices: dict[str, Choice] = {}
        for key, key_node, value_node in self.pairs(
                f["choices"], "choices", step_id, lambda k, first: f"key '{k}' used twice (first at line {first})"):
            key = self.key(key_node, "choices", step_id)
            where = f"choice '{key}'"
            c = self.fields(value_node, ("value", "next", "flag"), ("value", "next"), step_id, where,
                            _line(key_node))
            flag = self.text(c["flag"], "flag", step_id) if "flag" in c else None
            if flag is not None and flag not in KNOWN_FLAGS:
                self.fail(_line(c["flag"]), step_id, f"wrong value: unknown flag '{flag}' "
                                                     f"(known: {', '.join(sorted(KNOWN_FLAGS))})")
            choices[key] = Choice(self.required_text(c["value"], "value", step_id),
                                  self.required_text(c["next"], "next", step_id), flag, _line(key_node))
        if not choices:
            self.fail(_line(f["choices"]), step_id, "field 'choices' must list at least one key")
        exhausted = pick("on_exhausted")
        if exhausted is None:
            self.fail(line, step_id, "missing field 'on_exhausted' (the step to go to when retries run out; "
                                     "or set it under defaults)")
        timeout_node, retries_node, repeat_node = pick("timeout"), pick("max_retries"), pick("repeat_key")
        lines.setdefault("on_exhausted", _line(exhausted))
        return AskStep(
            id=step_id, question_id=question,
            prompt=self.prompt(f.get("prompt"), pid, "prompt", step_id),
            choices=choices,
            invalid_prompt=self.prompt(pick("invalid"), f"{pid}.invalid", "invalid", step_id),
            silence_prompt=self.prompt(pick("silence"), f"{pid}.silence", "silence", step_id),
            on_exhausted=self.required_text(exhausted, "on_exhausted", step_id),
            timeout=DEFAULT_TIMEOUT if timeout_node is None
            else self.number(timeout_node, "timeout", step_id, 1, 60, integer=False),
            max_retries=DEFAULT_MAX_RETRIES if retries_node is None
            else int(self.number(retries_node, "max_retries", step_id, 0, 10, integer=True)),
            repeat_key=DEFAULT_REPEAT_KEY if repeat_node is None else self.key(repeat_node, "repeat_key", step_id),
            line=line, field_lines=lines,
        )
