"""Staff agents: who is in the hotline's queue, kept in the database and in Asterisk's app_queue.

The controller talks to the PBX only through ARI, and app_queue's members are changed only by dialplan
applications, so each change is a short Local channel originated into the ``queue-admin`` context
(dialplans/extensions.conf), which runs AddQueueMember / RemoveQueueMember / PauseQueueMember /
UnpauseQueueMember and leaves the application's status in a global variable the controller reads back.
No Stasis application (websocket) is involved, so these commands never disturb a running service.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import re
import secrets
import time
from dataclasses import dataclass
from typing import Callable

from ivr.ari.client import AriError
from ivr.ari.protocols import QueueAri
from ivr.errors import PbxUnavailable, UserError
from ivr.i18n import _
from ivr.logs import get_logger
from ivr.storage.hotline import HotlineStore
from ivr.storage.hotline_records import AgentRecord

log = get_logger(__name__)
ADMIN_CONTEXT = "queue-admin"
NAME = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
INTERFACE = re.compile(r"^PJSIP/[A-Za-z0-9_.-]{1,100}$")
# What each action leaves in the global variable (the application's own status words).
OK_STATUSES = {"add": {"ADDED", "MEMBERALREADY"}, "remove": {"REMOVED", "NOTINQUEUE"},
               "pause": {"PAUSED"}, "unpause": {"UNPAUSED"}, "list": None}


@dataclass(frozen=True)
class AgentView:
    """An agent as stored, with what the PBX says now (None: the PBX could not be asked)."""

    agent: AgentRecord
    in_queue: bool | None
    in_call: bool | None


class QueueAdmin:
    """Changes app_queue's members through ARI (see the module docstring)."""

    def __init__(self, ari: QueueAri, *, timeout: float = 5.0, poll: float = 0.05,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.ari, self.timeout, self.poll, self.monotonic = ari, timeout, poll, monotonic

    async def run(self, action: str, interface: str = "", name: str = "") -> str:
        """Run one admin action; return the status the dialplan left (e.g. ADDED) or, for list, the members."""
        token = secrets.token_hex(8)
        variable = f"ROBOCALL_ADMIN_{token}"
        await self.ari.originate_to_dialplan(
            f"Local/{action}@{ADMIN_CONTEXT}/n", context=ADMIN_CONTEXT, extension="done",
            channel_id=f"admin-{token}", timeout=5,
            variables={"ADMIN_RESULT": variable, "AGENT_INTERFACE": interface, "AGENT_NAME": name})
        deadline = self.monotonic() + self.timeout
        while self.monotonic() < deadline:
            value = await self.ari.get_global(variable)
            if value:
                await self.ari.clear_global(variable)
                return value.removeprefix("result:")
            await asyncio.sleep(self.poll)
        raise PbxUnavailable(f"the PBX did not run queue action {action!r} in {self.timeout:g} s "
                             f"(is the '{ADMIN_CONTEXT}' context in its dialplan?)")

    async def members(self) -> set[str]:
        listed = await self.run("list")
        return {m for m in listed.split(",") if m}


class AgentService:
    """`robocall agents ...` and the service's start-up sync: the database says who should be in the
    queue, app_queue is made to agree."""

    def __init__(self, store: HotlineStore, admin: QueueAdmin, clock: Callable[[], dt.datetime],
                 trunk_endpoint: str = "trunk") -> None:
        self.store, self.admin, self.clock = store, admin, clock
        self.trunk_endpoint = trunk_endpoint

    def add(self, name: str, endpoint: str | None, display_name: str | None, operator: str) -> AgentRecord:
        if not NAME.match(name):
            raise UserError(_("agent name {name!r}: use lower-case letters, digits, '.', '_' or '-', starting "
                              "with a letter (e.g. staff1)").format(name=name))
        interface = endpoint or f"PJSIP/{name}"
        if not INTERFACE.match(interface):
            raise UserError(_("--endpoint {interface!r}: expected PJSIP/<endpoint name>, e.g. PJSIP/{name}").format(interface=interface, name=name))
        if interface.partition("/")[2].lower() == self.trunk_endpoint.lower():
            # The queue would ring the operator's trunk: a call to the carrier with no number, on our account.
            raise UserError(_("--endpoint {interface!r} is the carrier's trunk (trunk.endpoint), not a staff phone: "
                              "use PJSIP/<staff endpoint name>, e.g. PJSIP/{name}").format(interface=interface, name=name))
        return self.store.add_agent(name, interface, display_name or None, operator=operator, now=self.clock())

    async def login(self, name: str, operator: str) -> AgentRecord:
        agent = self.store.get_agent(name)
        await self._expect("add", agent)
        return self.store.set_agent(name, operator=operator, now=self.clock(), logged_in=True, paused=False)

    async def logout(self, name: str, operator: str) -> AgentRecord:
        agent = self.store.get_agent(name)
        await self._expect("remove", agent)
        return self.store.set_agent(name, operator=operator, now=self.clock(), logged_in=False, paused=False)

    async def pause(self, name: str, paused: bool, operator: str) -> AgentRecord:
        agent = self.store.get_agent(name)
        if not agent.logged_in:
            raise UserError(_("agent {name!r} is not logged in: log in first (`robocall agents login {name}`)").format(name=name))
        await self._expect("pause" if paused else "unpause", agent)
        return self.store.set_agent(name, operator=operator, now=self.clock(), paused=paused)

    async def views(self) -> list[AgentView]:
        agents = self.store.agents()
        try:
            members = await self.admin.members()
        except (PbxUnavailable, AriError):
            return [AgentView(a, None, None) for a in agents]
        out = []
        for a in agents:
            tech, _, resource = a.interface.partition("/")
            try:
                in_call = bool((await self.admin.ari.endpoint(tech, resource)).get("channel_ids"))
            except AriError:
                in_call = None
            out.append(AgentView(a, a.interface in members, in_call))
        return out

    async def sync(self) -> int:
        """Make app_queue's members those the database says are logged in; return how many changed."""
        members = await self.admin.members()
        changed = 0
        for agent in self.store.agents():
            if agent.logged_in and agent.interface not in members:
                await self._expect("add", agent)
                changed += 1
            elif not agent.logged_in and agent.interface in members:
                await self._expect("remove", agent)
                changed += 1
            if agent.logged_in and agent.paused:
                await self._expect("pause", agent)
        if changed:
            log.info("agents.synced", changed=changed)
        return changed

    async def _expect(self, action: str, agent: AgentRecord) -> None:
        status = await self.admin.run(action, agent.interface, agent.name)
        allowed = OK_STATUSES[action]
        if allowed is not None and status not in allowed:
            raise UserError(_("agent {name!r}: the PBX answered {status} to {action} ({interface} in the "
                              "hotline queue)").format(name=agent.name, status=status, action=action, interface=agent.interface))
        log.info("agents.changed", agent=agent.name, action=action, status=status)
