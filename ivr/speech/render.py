"""Rendering a script's prompts ahead of calls: the common ones at `robocall audio render`, the
personalised ones (a contact's name, the day of quarantine) when a campaign is prepared.

A prompt whose text uses variables cannot take a human recording (the recording cannot say each
person's name): a recording named for such a prompt is refused with a message naming both.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from ivr.errors import UserError
from ivr.scripts.interpreter import fallbacks_of, personalised, prompts_of, render_prompt
from ivr.scripts.model import Prompt, Script
from ivr.speech.library import AudioLibrary, RenderStats


@dataclass(frozen=True)
class ScriptRender:
    """The result of rendering one script's common prompts."""

    script: str
    stats: RenderStats
    personalised: int  # templates left for campaign preparation (they need a contact's values)
    unused_recordings: tuple[str, ...]  # recordings named "<script>.*" that no prompt of the script has


def check_recordings(library: AudioLibrary, script: Script) -> None:
    """Refuse a recording named for a personalised prompt (it would silently drop the variables)."""
    for template in prompts_of(script):
        if personalised(template):
            recording = library.recordings.find(template.id)
            if recording is not None:
                names = ", ".join("{" + p.name + "}" for p in template.placeholders())
                raise UserError(
                    f"{recording}: prompt {template.id} (line {template.line} of {script.source or script.name}) "
                    f"uses {names}, so a recording cannot replace it; remove the recording or split the prompt"
                )


def render_script(library: AudioLibrary, script: Script) -> ScriptRender:
    """Render every prompt of ``script`` that has no variables (those with variables are counted)."""
    check_recordings(library, script)
    templates = prompts_of(script)
    common = [render_prompt(t, {}, fallbacks_of(script)) for t in templates if not personalised(t)]
    stats = library.ensure_all(common)
    known = {t.id for t in templates}
    unused = tuple(sorted(i for i in library.recordings.ids() if i.startswith(script.name + ".") and i not in known))
    return ScriptRender(script.name, stats, len(templates) - len(common), unused)


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
