"""Rendering a script's prompts ahead of calls: the common ones, and the fixed parts of the personalised
ones, at `robocall audio render` and `campaign create`. A contact's values (name, day of quarantine) are
rendered by the dialer just before their call (ivr.calls.prepare.parts_media); ``render_personalised``
(every contact's prompts whole) is kept for previews, benchmarks and the purge's tests.

A prompt whose text uses variables cannot take a human recording (the recording cannot say each
person's name): a recording named for such a prompt is refused with a message naming both.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from ivr.errors import UserError
from ivr.i18n import _
from ivr.scripts.interpreter import fallbacks_of, form_prompts, personalised, prompts_of, render_prompt
from ivr.scripts.segments import fixed_parts
from ivr.scripts.model import ADDRESS_FORMS, FORM_VARIABLE, Prompt, Script
from ivr.speech.library import AudioLibrary, RenderStats


@dataclass(frozen=True)
class ScriptRender:
    """The result of rendering one script's common prompts."""

    script: str
    stats: RenderStats
    personalised: int  # templates left for campaign preparation (they need a contact's values)
    unused_recordings: tuple[str, ...]  # recordings named "<script>.*" that no prompt of the script has


def check_recordings(library: AudioLibrary, script: Script) -> None:
    """Refuse a recording named for a personalised prompt (it would silently drop the variables), and one
    named for a by-form prompt without its form (it would say one form to everybody)."""
    for template in prompts_of(script):
        where = f"prompt {template.id} (line {template.line} of {script.source or script.name})"
        if personalised(template):
            for prompt_id in (template.id, *(template.form_id(f) for f in ADDRESS_FORMS)):
                recording = library.recordings.find(prompt_id)
                if recording is not None:
                    names = ", ".join(sorted({"{" + p.name + "}" for p in template.placeholders()}))
                    raise UserError(_("{recording}: {where} uses {names}, so a recording cannot replace it; "
                                      "remove the recording or split the prompt").format(recording=recording, where=where, names=names))
        elif template.by_form:
            recording = library.recordings.find(template.id)
            if recording is not None:
                names = ", ".join(f"{template.form_id(f)} ({f})" for f in ADDRESS_FORMS)
                raise UserError(_("{recording}: {where} says the form of address {{{form}}}, so it needs one "
                                  "recording per form, named {names}; rename the recording").format(recording=recording, where=where, form=FORM_VARIABLE, names=names))


def form_ids(script: Script) -> set[str]:
    """Every prompt id the script can play: by-form prompts once per form, personalised ones as their fixed
    parts."""
    ids: set[str] = set()
    for template in prompts_of(script):
        if template.by_form:
            ids.update(template.form_id(f) for f in ADDRESS_FORMS)
        elif personalised(template):
            ids.update(p.id for p in fixed_parts(template))  # a recording may replace a fixed part
        else:
            ids.add(template.id)
    return ids


def render_script(library: AudioLibrary, script: Script) -> ScriptRender:
    """Render every prompt of ``script`` that has no variables (those with variables are counted)."""
    check_recordings(library, script)
    templates = prompts_of(script)
    fallbacks = fallbacks_of(script)
    common = [render_prompt(t, {}, fallbacks) for t in templates if not t.placeholders()]
    common += [p for t in templates if t.by_form for p in form_prompts(t, fallbacks)]
    common += [p for t in templates if personalised(t) for p in fixed_parts(t)]  # played around the values
    stats = library.ensure_all(common)
    known = form_ids(script)
    unused = tuple(sorted(i for i in library.recordings.ids() if i.startswith(script.name + ".") and i not in known))
    return ScriptRender(script.name, stats, sum(1 for t in templates if personalised(t)), unused)


def personalised_prompts(script: Script, variables_list: Iterable[Mapping[str, str]]) -> list[Prompt]:
    """Each personalised template rendered for each contact, without duplicates (same id and text)."""
    templates = [t for t in prompts_of(script) if personalised(t)]
    fallbacks = fallbacks_of(script)  # exactly as the interpreter renders them, or the keys would differ
    unique: dict[tuple[str, str], Prompt] = {}
    for variables in variables_list:
        for template in templates:
            prompt = render_prompt(template, variables, fallbacks)
            unique.setdefault((prompt.id, prompt.text), prompt)
    return list(unique.values())


def render_personalised(library: AudioLibrary, script: Script,
                        variables_list: Iterable[Mapping[str, str]]) -> RenderStats:
    """Render the personalised prompts of ``script`` for every contact (called at campaign creation)."""
    check_recordings(library, script)
    return library.ensure_personal(personalised_prompts(script, variables_list))


def prepare_campaign_audio(library: AudioLibrary, script: Script,
                           variables_list: Iterable[Mapping[str, str]]) -> RenderStats:
    """Everything a campaign's calls can play: the common prompts and each contact's personalised ones."""
    return render_script(library, script).stats + render_personalised(library, script, variables_list)
