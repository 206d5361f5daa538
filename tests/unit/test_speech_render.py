"""Rendering ahead of calls: what render_script and render_personalised make is what a call asks for."""
from __future__ import annotations

from pathlib import Path

import pytest

from ivr.calls import prepare
from ivr.errors import UserError
from ivr.scripts import loader
from ivr.scripts.interpreter import Key, Play, PromptDone, start, step
from ivr.scripts.model import Prompt
from ivr.speech.library import AudioDirs, AudioLibrary, AudioNotReady
from ivr.speech.render import prepare_campaign_audio, render_personalised, render_script
from speech_fakes import DEMO_SCRIPT, CountingEngine, write_tone

SCRIPT = loader.loads(DEMO_SCRIPT, "demo.yaml")


def _library(tmp_path: Path, engine: CountingEngine | None = None) -> AudioLibrary:
    return AudioLibrary(AudioDirs(tmp_path / "cache", "/snd", tmp_path / "audio"), engine or CountingEngine())


def _played(variables: dict[str, str], keys: list[str]) -> list[Prompt]:
    """Every prompt the interpreter plays on one path, as the call engine would see them."""
    state, commands = start(SCRIPT, variables)
    prompts: list[Prompt] = []
    pending = list(keys)
    while commands:
        plays = [c for c in commands if isinstance(c, Play)]
        for play in plays:
            prompts.extend(play.prompts)
        if not plays:
            break
        inp = Key(pending.pop(0)) if plays[-1].collect else PromptDone()
        state, commands = step(SCRIPT, state, inp, variables)
    return prompts


def test_render_script_renders_common_prompts_only(tmp_path: Path) -> None:
    engine = CountingEngine()
    result = render_script(_library(tmp_path, engine), SCRIPT)
    # 5 fixed prompts + the greeting's fixed part "Xin chào" (its name is rendered per contact, at the call)
    assert (result.stats.prompts, result.stats.rendered, result.personalised) == (7, 7, 1)
    assert "Xin chào" in engine.calls and not any(t.startswith("Xin chào ") for t in engine.calls)
    again = render_script(_library(tmp_path, engine), SCRIPT)
    assert (again.stats.rendered, again.stats.cached) == (0, 7)


@pytest.mark.parametrize(("contacts", "expected_texts"), [
    ([{"ho_ten": "Nguyễn Văn An"}, {"ho_ten": "Trần Thị Bình"}], ["Xin chào Nguyễn Văn An.", "Xin chào Trần Thị Bình."]),
    ([{"ho_ten": ""}, {}, {"ho_ten": "  "}], ["Xin chào anh chị."]),  # blank -> the declared fallback, once
    ([{"ho_ten": "An"}, {"ho_ten": "An"}], ["Xin chào An."]),
    ([], []),
])
def test_render_personalised(tmp_path: Path, contacts: list[dict[str, str]], expected_texts: list[str]) -> None:
    engine = CountingEngine()
    stats = render_personalised(_library(tmp_path, engine), SCRIPT, contacts)
    assert sorted(engine.calls) == sorted(expected_texts)
    assert stats.prompts == len(expected_texts)


@pytest.mark.parametrize("variables", [{"ho_ten": "Lê Văn Cường"}, {}, {"ho_ten": ""}])
@pytest.mark.parametrize("keys", [["2"], ["9", "1"], ["*", "0"]])
def test_campaign_audio_covers_every_prompt_a_call_plays(tmp_path: Path, variables: dict[str, str],
                                                         keys: list[str]) -> None:
    library = _library(tmp_path)
    prepare_campaign_audio(library, SCRIPT, [variables])
    for prompt in _played(variables, keys):
        assert library.media_for(prompt).startswith("sound:/snd/")


def test_a_contact_not_prepared_is_not_ready(tmp_path: Path) -> None:
    library = _library(tmp_path)
    prepare_campaign_audio(library, SCRIPT, [{"ho_ten": "An"}])
    greeting = _played({"ho_ten": "Bình"}, ["2"])[0]
    with pytest.raises(AudioNotReady, match="prompt demo.hello: audio not rendered yet"):
        library.media_for(greeting)


def test_recording_for_a_personalised_prompt_is_refused(tmp_path: Path) -> None:
    (tmp_path / "audio").mkdir()
    write_tone(tmp_path / "audio" / "demo.hello.wav", 1.0)
    for render in (lambda lib: render_script(lib, SCRIPT), lambda lib: render_personalised(lib, SCRIPT, [{}])):
        with pytest.raises(UserError, match=r"demo.hello.wav: prompt demo.hello \(line 21 of demo.yaml\) uses "
                                            r"\{ho_ten\}, so a recording cannot replace it"):
            render(_library(tmp_path))


def test_recordings_and_unused_recordings(tmp_path: Path) -> None:
    (tmp_path / "audio").mkdir()
    for name in ("demo.end_ok", "demo.ask_fevr", "other.thing"):
        write_tone(tmp_path / "audio" / f"{name}.wav", 1.0)
    result = render_script(_library(tmp_path), SCRIPT)
    assert (result.stats.recordings, result.stats.rendered) == (1, 6)
    assert result.unused_recordings == ("demo.ask_fevr",)


@pytest.mark.parametrize("variables", [{"ho_ten": "Lê Văn Cường"}, {}, {"ho_ten": ""}])
@pytest.mark.parametrize("keys", [["2"], ["9", "1"], ["*", "0"]])
def test_script_audio_and_a_contacts_values_cover_every_prompt_a_call_plays(
        tmp_path: Path, variables: dict[str, str], keys: list[str]) -> None:
    """What the dialer does: the script's audio (campaign create), then this contact's values at their call."""
    library = _library(tmp_path)
    render_script(library, SCRIPT)
    media = prepare.parts_media(library, prepare.script_parts(SCRIPT, variables))
    for prompt in _played(variables, keys):
        assert media[prompt] and all(uri.startswith("sound:/snd/") for uri in media[prompt])


def test_a_value_is_rendered_once_by_its_text(tmp_path: Path) -> None:
    engine = CountingEngine()
    library = _library(tmp_path, engine)
    render_script(library, SCRIPT)
    before = len(engine.calls)
    for variables in ({"ho_ten": "An"}, {"ho_ten": " An "}, {"ho_ten": "Bình"}, {"ho_ten": "An"}):
        media = prepare.parts_media(library, prepare.script_parts(SCRIPT, variables))
    assert sorted(engine.calls[before:]) == ["An", "Bình"]
    greeting = _played({"ho_ten": "An"}, ["2"])[0]
    assert len(media[greeting]) == 2  # "Xin chào", then the name: one media list
