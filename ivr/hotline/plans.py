"""Everything the hotline plays, decided and rendered before a call needs it.

``prepare()`` runs when the service starts: it renders the hotline menu (in-hours and after-hours
variants), the call-back offer, the hotline's own notices and app_queue's Vietnamese sounds. A call then
only looks media up. The one exception is a recognised caller's own campaign script, whose prompts carry
their name: those were rendered when the campaign was prepared; any missing one is rendered before the
call is answered (the caller hears ringing, never silence in a call).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Mapping

from ivr.calls.conversation import ScriptConversation
from ivr.calls.dialer import address_rule, contact_variables
from ivr.calls.machine import CallPlan, Conversation
from ivr.calls.prepare import media_map, script_prompts
from ivr.config import Settings
from ivr.hotline import queue_sounds, texts
from ivr.hotline.conversations import Preamble, WithoutStaff
from ivr.hotline.hours import parse_staff_hours, spoken_hours
from ivr.scripts.checker import load_checked
from ivr.scripts.model import Prompt, Script
from ivr.speech.library import AudioLibrary, RenderStats
from ivr.storage.records import Contact

TRANSFER_CONTEXT = "staff-queue"  # dialplans/extensions.conf: extension "staff" runs Queue()


class HotlinePlans:
    """Builds the call plans of the hotline (the machine answers: ``CallPlan.inbound``)."""

    def __init__(self, settings: Settings, library: AudioLibrary) -> None:
        self.settings = settings
        self.library = library
        self.scripts_dir = settings.path(settings.scripts_dir)
        self.hours = parse_staff_hours(settings.hotline.staff_hours, settings.hotline.timezone)
        self.menu_script = load_checked(settings.hotline.script, self.scripts_dir)
        self.callback_script = load_checked(settings.hotline.callback_script, self.scripts_dir)
        said = spoken_hours(self.hours)
        self.after_hours_notice = texts.after_hours_notice(said)
        self._after_hours_vars = {texts.STAFF_OPTION_VARIABLE: texts.after_hours_staff_option(said)}

    # -- rendering ahead -----------------------------------------------------------------------------
    def prepare(self) -> RenderStats:
        """Render every prompt the hotline can play, and publish the queue's sounds; idempotent."""
        prompts = [*script_prompts(self.menu_script, {}), *script_prompts(self.menu_script, self._after_hours_vars),
                   *script_prompts(self.callback_script, {}), self.after_hours_notice, texts.RECOGNISED]
        stats = self.library.ensure_all(prompts)
        return stats + queue_sounds.install(self.library, self.queue_sounds_dir)

    @property
    def queue_sounds_dir(self) -> Path:
        return self.settings.audio_cache_dir / "vi"

    # -- plans ---------------------------------------------------------------------------------------
    def menu(self, channel_id: str, after_hours: bool) -> CallPlan:
        """Greeting and menu; outside staff hours the notice first and no transfer to staff.
        Its prompts must have been rendered by ``prepare`` (AudioNotReady otherwise)."""
        variables = self._after_hours_vars if after_hours else {}
        conversation: Conversation = ScriptConversation(self.menu_script, variables)
        extra: list[Prompt] = []
        if after_hours:
            extra = [self.after_hours_notice]
            conversation = WithoutStaff(Preamble((self.after_hours_notice,), conversation))
        return self._plan(channel_id, conversation, self.menu_script, variables, extra)

    def callback_offer(self, channel_id: str) -> CallPlan:
        return self._plan(channel_id, ScriptConversation(self.callback_script, {}), self.callback_script, {}, [])

    def campaign(self, channel_id: str, script_name: str, contact: Contact, today: dt.date) -> tuple[CallPlan, Script]:
        """The recognised caller's own campaign script, after a word on why they hear it. Blocking: it may
        render the contact's personalised prompts; call it in a thread, before answering."""
        script = load_checked(script_name, self.scripts_dir)
        variables = contact_variables(contact, today, address_rule(self.settings))
        conversation = Preamble((texts.RECOGNISED,), ScriptConversation(script, variables))
        return self._plan(channel_id, conversation, script, variables, [texts.RECOGNISED], render=True), script

    def _plan(self, channel_id: str, conversation: Conversation, script: Script, variables: Mapping[str, str],
              extra: list[Prompt], render: bool = False) -> CallPlan:
        prompts = [*extra, *script_prompts(script, variables)]
        media = media_map(self.library, prompts) if render else {p: self.library.media_for(p) for p in prompts}
        return CallPlan(call_id=channel_id, endpoint="", caller_id="", ring_timeout=0, conversation=conversation,
                        media=media.__getitem__, transfer_context=TRANSFER_CONTEXT, inbound=True)
