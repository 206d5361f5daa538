"""Flow checks on a loaded script: every problem a health worker must fix before a campaign uses it.

The loader already rejects what cannot be read (bad YAML, wrong types, unknown/missing fields, a key or a
step given twice). Here we look at the script as a graph and at its prompts, and report *all* problems:
unknown next step, unreachable step, loop with no way out, path that can never end, a key used twice
(as a choice and the repeat key), missing prompt, undefined variable or one without a fallback,
a question id used twice, and a script name that does not match its file name.

"Ending" means reaching an end or a transfer step by *answering*: running out of retries is a failure,
not a way through the script, so `on_exhausted` edges count for reachability but not for ending.
"""
from __future__ import annotations

import difflib
from pathlib import Path

from ivr.scripts import loader
from ivr.scripts.model import AskStep, EndStep, SayStep, Script, Step, TransferStep, VerifyStep, step_prompts
from ivr.scripts.problems import Problem, ScriptError


def check_file(path: str | Path) -> tuple[Script | None, list[Problem]]:
    """Load and check one file: (the script or None if it cannot be loaded, every problem found)."""
    try:
        script = loader.load(path)
    except ScriptError as exc:
        return None, [exc.problem]
    return script, check(script)


def load_checked(name_or_path: str | Path, directory: str | Path) -> Script:
    """Load a script by path or name for use in a call or preview; refuse one with any problem.

    Raises ScriptError naming the first problem (and how many more there are)."""
    script, problems = check_file(loader.resolve(name_or_path, directory))
    if script is None or problems:
        first = problems[0]
        rest = len(problems) - 1
        more = f" (and {rest} more problem{'s' if rest > 1 else ''}: run robocall script check {first.file})" \
            if rest else ""
        raise ScriptError(Problem(first.file, first.line, first.step, first.message + more))
    return script


def check(script: Script) -> list[Problem]:
    """Every flow/content problem of a loaded script, in line order (empty: the script is good)."""
    found: list[Problem] = []
    for rule in (_name, _purpose, _targets, _keys, _prompts, _variables, _questions, _flow):
        found.extend(rule(script))
    return sorted(found, key=lambda p: (p.line, p.step or "", p.message))


def _problem(script: Script, line: int, step: Step | None, message: str) -> Problem:
    # One line: a step target quoted in the message may hold line breaks (`next: "a\nb"`).
    return Problem(script.source, line, step.id if step is not None else None, " ".join(message.split()))


def _name(script: Script) -> list[Problem]:
    path = Path(script.source)
    if path.suffix not in (".yaml", ".yml") or path.stem == script.name:
        return []
    return [_problem(script, script.field_lines.get("name", 0), None,
                     f"name '{script.name}' does not match the file name '{path.name}' "
                     "(scripts are found by name: rename one of them)")]


def _purpose(script: Script) -> list[Problem]:
    """A script says which way it is used and to whom it speaks, so a campaign cannot pick the wrong one."""
    out = []
    line = script.field_lines.get("description", 1)
    if script.direction is None:
        out.append(_problem(script, line, None, "missing field 'direction': write `direction: outbound` (a "
                                                "campaign calls out) or `direction: inbound` (the hotline)"))
    if not script.categories:
        out.append(_problem(script, line, None, "missing field 'categories': write the categories it is for, "
                                                "e.g. `categories: [F1]`"))
    return out


def _hint(target: str, script: Script) -> str:
    close = difflib.get_close_matches(target, list(script.steps), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _targets(script: Script) -> list[Problem]:
    out = []
    if script.start not in script.steps:
        out.append(_problem(script, script.field_lines.get("start", 0), None,
                            f"unknown next step '{script.start}' in start{_hint(script.start, script)}"))
    for step in script.steps.values():
        for target, via, line in script.successors(step):
            if target not in script.steps:
                out.append(_problem(script, line, step, f"unknown next step '{target}' in {via}"
                                                        f"{_hint(target, script)}"))
        if isinstance(step, AskStep) and step.on_exhausted == step.id:
            out.append(_problem(script, step.field_lines.get("on_exhausted", step.line), step,
                                "on_exhausted leads back to this same step: the retries would never run out"))
    return out


def _keys(script: Script) -> list[Problem]:
    out = []
    for step in script.steps.values():
        if isinstance(step, AskStep) and step.repeat_key in step.choices:
            out.append(_problem(script, step.choices[step.repeat_key].line or step.line, step,
                                f"key '{step.repeat_key}' used twice: as the repeat key and as a choice"))
    return out


def _prompts(script: Script) -> list[Problem]:
    out = []
    for step in script.steps.values():
        if isinstance(step, (SayStep, AskStep, VerifyStep)) and not step.prompt.text:
            out.append(_problem(script, step.prompt.line or step.line, step, "missing prompt"))
        if isinstance(step, VerifyStep) and not step.invalid_prompt.text:
            out.append(_problem(script, step.line, step, "missing prompt 'invalid' (what to say after a wrong "
                                                         "year; give it in the step or under defaults)"))
        if isinstance(step, AskStep):
            for prompt, field, why in ((step.invalid_prompt, "invalid", "after a wrong key"),
                                       (step.silence_prompt, "silence", "when nothing is pressed")):
                if not prompt.text:
                    out.append(_problem(script, prompt.line or step.line, step,
                                        f"missing prompt '{field}' (what to say {why}; "
                                        "give it in the step or under defaults)"))
        if isinstance(step, (TransferStep, EndStep)) and step.prompt is not None and not step.prompt.text:
            out.append(_problem(script, step.prompt.line or step.line, step,
                                "missing prompt (the prompt field is empty: remove it or write the text)"))
    return out


def _variables(script: Script) -> list[Problem]:
    out = []
    declared = ", ".join(script.variables) or "none"
    for step in script.steps.values():
        for prompt in step_prompts(step):
            for ph in prompt.placeholders():
                var = script.variables.get(ph.name)
                if var is None:
                    out.append(_problem(script, prompt.line or step.line, step,
                                        f"undefined variable '{{{ph.name}}}' in a prompt "
                                        f"(declare it under variables; declared: {declared})"))
                elif ph.fallback is None and var.fallback is None:
                    out.append(_problem(script, prompt.line or step.line, step,
                                        f"variable '{{{ph.name}}}' has no fallback for when the value is "
                                        f"missing: write {{{ph.name}|...}} or give it a fallback under variables"))
    return out


def _questions(script: Script) -> list[Problem]:
    out = []
    first: dict[str, AskStep] = {}
    for step in script.steps.values():
        if isinstance(step, AskStep):
            other = first.setdefault(step.question_id, step)
            if other is not step:
                out.append(_problem(script, step.field_lines.get("question", step.line), step,
                                    f"question id '{step.question_id}' already used by step '{other.id}' "
                                    f"(line {other.line}): answers would be mixed up"))
    return out


def _reach(starts: list[str], edges: dict[str, list[str]]) -> set[str]:
    seen: set[str] = set()
    todo = list(starts)
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(edges.get(node, ()))
    return seen


def _cycle(start: str, edges: dict[str, list[str]]) -> list[str]:
    """A shortest path start → ... → start (start is known to be on a cycle)."""
    parent: dict[str, str] = {}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in edges.get(node, ()):
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(parent[path[-1]])
                return [start] + path[::-1][1:] + [start] if node != start else [start, start]
            if nxt not in parent:
                parent[nxt] = node
                queue.append(nxt)
    return [start]


def _flow(script: Script) -> list[Problem]:
    steps = script.steps
    all_edges = {s.id: [t for t, _, _ in script.successors(s) if t in steps] for s in steps.values()}
    # A verify step is an entry point too: the hotline starts a recognised caller there (VerifyStep).
    entries = [script.start, *(s.id for s in steps.values() if isinstance(s, VerifyStep))]
    reachable = _reach(entries, all_edges) if script.start in steps else set(steps)
    out = [_problem(script, s.line, s, "step can never be reached (no step leads here)")
           for s in steps.values() if s.id not in reachable]

    # Edges taken by answering; steps with an unknown target were reported already and count as ending.
    answer_edges: dict[str, list[str]] = {}
    ends: list[str] = []
    for s in steps.values():
        targets = [t for t, via, _ in script.successors(s) if via != "on_exhausted"]
        if isinstance(s, (EndStep, TransferStep)) or any(t not in steps for t in targets):
            ends.append(s.id)
            continue
        answer_edges[s.id] = targets
    reverse: dict[str, list[str]] = {}
    for src, targets in answer_edges.items():
        for t in targets:
            reverse.setdefault(t, []).append(src)
    can_end = _reach(ends, reverse)
    stuck = [s for s in steps.values() if s.id in reachable and s.id not in can_end]
    if not stuck:
        return out

    closure = {s.id: _reach(answer_edges[s.id], answer_edges) for s in stuck}
    reported: set[str] = set()
    for s in stuck:
        component = {t for t in closure[s.id] if s.id in closure[t]}
        if s.id in reported or s.id not in closure[s.id]:
            continue
        if closure[s.id] == component:  # a cycle with no edge leaving it
            reported.update(component)
            cycle = " → ".join(_cycle(s.id, answer_edges))
            out.append(_problem(script, s.line, s, f"loop with no way out: {cycle} goes round for ever; "
                                                   "no answer leads to an end or transfer step"))
    for s in stuck:
        if s.id not in reported:
            out.append(_problem(script, s.line, s, "path that can never end: no answer from this step leads "
                                                   "to an end or transfer step"))
    return out
