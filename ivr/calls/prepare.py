"""Everything decided before a call is placed: the dial string, the caller ID, the conversation and the
media of every prompt it can play (rendered now, so that no call ever waits on a speech engine).

A personalised prompt is played as its parts (ivr.scripts.segments): the script's fixed audio, rendered once,
around the contact's own values, rendered here (just before their call) and cached by text."""
from __future__ import annotations

import uuid
from typing import Iterable, Mapping

from ivr.calls.conversation import DigitsConversation, ScriptConversation
from ivr.calls.machine import CallPlan, Conversation
from ivr.config import Settings
from ivr.formats import national
from ivr.scripts.interpreter import fallbacks_of, personalised, prompts_of, render_prompt
from ivr.scripts.segments import prompt_parts
from ivr.scripts.model import Prompt, Script
from ivr.speech.library import AudioLibrary

DEFAULT_TEST_PROMPT = ("Xin chào. Đây là cuộc gọi thử của hệ thống gọi tự động Sở Y tế. "
                       "Xin mời nhấn các phím, rồi nhấn phím thăng.")


def new_call_id(prefix: str = "rc") -> str:
    """A pseudonymous, unique ARI channel id (no personal data)."""
    return f"{prefix}-{uuid.uuid4().hex}"


def endpoint(settings: Settings, e164: str) -> str:
    return f"PJSIP/{national(e164)}@{settings.trunk.endpoint}"


def caller_id(settings: Settings) -> str:
    return f'"{settings.trunk.caller_id_name}" <{settings.trunk.caller_id_number}>'


ADHOC_PROMPT_ID = "adhoc.prompt"  # `robocall call --prompt TEXT`


def script_prompts(script: Script, variables: Mapping[str, str]) -> list[Prompt]:
    fallbacks = fallbacks_of(script)
    return [render_prompt(t, variables, fallbacks) for t in prompts_of(script)]


def script_parts(script: Script, variables: Mapping[str, str]) -> dict[Prompt, tuple[Prompt, ...]]:
    """Every prompt of the script as this contact hears it -> the parts it is played as (itself when it is the
    same for everybody, or says only the form of address)."""
    fallbacks = fallbacks_of(script)
    out: dict[Prompt, tuple[Prompt, ...]] = {}
    for template in prompts_of(script):
        prompt = render_prompt(template, variables, fallbacks)
        out[prompt] = prompt_parts(template, variables, fallbacks) if personalised(template) else (prompt,)
    return out


def parts_media(library: AudioLibrary, parts: Mapping[Prompt, tuple[Prompt, ...]]) -> dict[Prompt, tuple[str, ...]]:
    """Render the parts that are missing (a contact's values: personal) and return prompt -> its parts' URIs."""
    unique = list(dict.fromkeys(p for ps in parts.values() for p in ps))
    library.ensure_personal(unique)
    uri = {p: library.media_for(p) for p in unique}
    return {prompt: tuple(uri[p] for p in ps) for prompt, ps in parts.items()}


def media_map(library: AudioLibrary, prompts: Iterable[Prompt], personal: bool = False) -> dict[Prompt, str]:
    """Render what is missing and return prompt -> media URI; the call then only looks up this dict."""
    prompts = list(prompts)
    if personal:  # a person's values, or free text: never to a foreign TTS service without approval
        library.ensure_personal(prompts)
    else:
        library.ensure_all(prompts)
    return {p: library.media_for(p) for p in prompts}


def script_plan(settings: Settings, library: AudioLibrary, script: Script, e164: str,
                variables: Mapping[str, str], call_id: str | None = None, app_args: str = "") -> CallPlan:
    media = parts_media(library, script_parts(script, variables))
    return plan(settings, e164, ScriptConversation(script, dict(variables)), media, call_id, app_args)


def prompt_plan(settings: Settings, library: AudioLibrary, e164: str, text: str, max_digits: int,
                call_id: str | None = None, timeout: float | None = None) -> CallPlan:
    prompt = Prompt(ADHOC_PROMPT_ID, text)
    media = media_map(library, [prompt], personal=True)
    conv = DigitsConversation(prompt, max_digits, timeout or settings.call.digit_timeout)
    return plan(settings, e164, conv, media, call_id)


def plan(settings: Settings, e164: str, conversation: Conversation,
         media: Mapping[Prompt, str] | Mapping[Prompt, tuple[str, ...]],
         call_id: str | None = None, app_args: str = "") -> CallPlan:
    cid = call_id or new_call_id()
    return CallPlan(call_id=cid, endpoint=endpoint(settings, e164), caller_id=caller_id(settings),
                    ring_timeout=settings.trunk.ring_timeout, conversation=conversation,
                    media=media.__getitem__, app_args=app_args or cid, watchdog=settings.call.watchdog,
                    lost_grace=settings.call.lost_grace)
