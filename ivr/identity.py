"""Who this controller process is: its worker id in the ledger and its own ARI application names.

Asterisk delivers an application's events to one websocket only, the last one to connect: two processes
registering the same name take each other's calls. So every process (`robocall call`, `campaign run`,
`serve`) originates into applications of its own, ``<app>-<token>`` and ``<app>-<token>-rest1..N``, and
only the process that holds the hotline (ivr.hotline.owner) registers the dialplan's shared ``<app>``.
The worker id ``<node>:<pid>:<token>`` is new at every start: recovery goes by leases (ivr.workers),
never by a name a restarted process would share with its predecessor or with its neighbours.
"""
from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass

from ivr.config import Settings


@dataclass(frozen=True)
class ProcessIdentity:
    node: str  # the host (or dialer.worker_id): what an operator recognises
    pid: int
    token: str  # random: a pid reused after a reboot is still a new worker
    role: str  # call | campaign | serve
    base_app: str  # the dialplan's Stasis application (ari.app), shared by every process on the PBX

    @property
    def worker_id(self) -> str:
        return f"{self.node}:{self.pid}:{self.token}"

    @property
    def app(self) -> str:
        """This process's own ARI application (its lanes add ``-rest<N>``)."""
        return f"{self.base_app}-{self.token}"


def new_identity(settings: Settings, role: str, *, pid: int | None = None, token: str | None = None) -> ProcessIdentity:
    node = settings.dialer.worker_id or socket.gethostname()
    return ProcessIdentity(node=node[:60], pid=os.getpid() if pid is None else pid,
                           token=token or "p" + secrets.token_hex(4), role=role, base_app=settings.ari.app)
