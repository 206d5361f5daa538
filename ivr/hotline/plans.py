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
from typing import Mapping, Sequence

from ivr.calls.conversation import ScriptConversation
from ivr.scripts.address import AddressRule
from ivr.scripts.variables import contact_variables
from ivr.calls.machine import CallPlan, Conversation
from ivr.calls.prepare import media_map, script_prompts
from ivr.config import Settings
from ivr.hotline import queue_sounds, texts
from ivr.hotline.script_wrappers import InTurn, Preamble, Verified, WithoutStaff
from ivr.hotline.hours import parse_staff_hours, spoken_hours
from ivr.scripts.checker import load_checked
from ivr.scripts.model import VERIFY_VARIABLE, Prompt, Script, VerifyStep
from ivr.speech.library import AudioLibrary, RenderStats
from ivr.speech.render import personalised_prompts
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
                   *script_prompts(self.callback_script, {}), self.after_hours_notice, texts.RECOGNISED,
                   texts.TAKEN_OVER, texts.NEXT_MEMBER]
        stats = self.library.ensure_all(prompts)
        return stats + queue_sounds.install(self.library, self.queue_sounds_dir)

    def taken_over_media(self) -> str:
        """The apology for a caller whose call a dead holder of the hotline left (ivr.hotline.owner)."""
        return self.library.media_for(texts.TAKEN_OVER)

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

    @property
    def verify_step(self) -> VerifyStep | None:
        """The hotline script's caller check (the first verify step), or None: then no caller is recognised."""
        return next((s for s in self.menu_script.steps.values() if isinstance(s, VerifyStep)), None)

    def anonymous(self, channel_id: str) -> CallPlan:
        """The hotline script from where a failed caller check goes (its anonymous self-declaration): for a
        recognised number whose list has no birth year, or whose check failed twice today."""
        verify = self.verify_step
        assert verify is not None
        conversation = ScriptConversation(self.menu_script, {}, start_at=verify.on_fail)
        return self._plan(channel_id, conversation, self.menu_script, {}, [])

    def campaign(self, channel_id: str, script_name: str, contact: Contact,
                 today: dt.date) -> tuple[CallPlan, Script, frozenset[str]]:
        """The recognised caller's own campaign script, once they keyed in the birth year of the person
        concerned (the hotline script's verify step), after a word on why they hear it; a failed check goes
        on in the hotline script. Blocking: it may render the contact's personalised prompts; call it in a
        thread, before answering. Also returns the cache keys of the contact's personal prompts."""
        plan, keys = self.members(channel_id, [(script_name, contact)], today)
        return plan, load_checked(script_name, self.scripts_dir), keys[contact.id]

    def members(self, channel_id: str, members: Sequence[tuple[str, Contact]], today: dt.date,
                failures_today: int = 0) -> tuple[CallPlan, dict[int, frozenset[str]]]:
        """Each household member's own campaign script (script name, contact), in turn: the birth-year
        check of that member, then their script; between two members the words that the next person is
        concerned (ivr.hotline.script_wrappers.InTurn). Nothing personal is said before each check passes.
        Blocking (renders personalised prompts). Also returns, by contact id, the cache keys of each
        member's personal prompts (for the register)."""
        verify = self.verify_step
        assert verify is not None and members
        conversations: list[Conversation] = []
        prompts: list[Prompt] = [texts.RECOGNISED, texts.NEXT_MEMBER, *script_prompts(self.menu_script, {})]
        keys: dict[int, frozenset[str]] = {}
        for index, (script_name, contact) in enumerate(members):
            assert contact.birth_year is not None
            script = load_checked(script_name, self.scripts_dir)
            variables = contact_variables(contact, today, AddressRule.of(self.settings.call))
            check = ScriptConversation(self.menu_script, {VERIFY_VARIABLE: str(contact.birth_year)},
                                       start_at=verify.id)
            preamble = (texts.RECOGNISED,) if index == 0 else ()
            conversations.append(Verified(check, Preamble(preamble, ScriptConversation(script, variables))))
            prompts += script_prompts(script, variables)
            keys[contact.id] = frozenset(self.library.resolve(p).key
                                         for p in personalised_prompts(script, [variables]))
        conversation: Conversation = (conversations[0] if len(conversations) == 1 else
                                      InTurn(tuple(conversations), texts.NEXT_MEMBER, failures_today))
        media = media_map(self.library, prompts, personal=True)
        return self._call_plan(channel_id, conversation, media), keys

    def _plan(self, channel_id: str, conversation: Conversation, script: Script, variables: Mapping[str, str],
              extra: list[Prompt], render: bool = False) -> CallPlan:
        prompts = [*extra, *script_prompts(script, variables)]
        media = media_map(self.library, prompts, personal=True) if render else {p: self.library.media_for(p) for p in prompts}
        return self._call_plan(channel_id, conversation, media)

    def _call_plan(self, channel_id: str, conversation: Conversation, media: Mapping[Prompt, str]) -> CallPlan:
        return CallPlan(call_id=channel_id, endpoint="", caller_id="", ring_timeout=0, conversation=conversation,
                        media=media.__getitem__, transfer_context=TRANSFER_CONTEXT, inbound=True,
                        watchdog=self.settings.call.watchdog, lost_grace=self.settings.call.lost_grace)
